"""The page's below-the-fold sections (dashboard/panels/lazy.py): collapsed by default, their
labels carry the answer, nothing else is sent until one is opened, and one opened stays open
while the reader drills down. Numbers worked out by hand from tests/fixture_warehouse.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from dashboard.panels import geo, movers, quality, review
from presentation import fmt
from queries.scope import Scope
from store.actions import ActionInput, ActionStore
from tests.hostile import IMAGE, hostile_loader
from tests.page import fixture_duckdb, nodes, open_section, run_page, section

SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)
MAP, MOVED = "Map", "What moved since"
# Regions move month on month; a region's locations on rolling 3 months (their default window)
SINCE_SEP, SINCE_MAY_JUL = f"{MOVED} Sep", f"{MOVED} May–Jul"
ACTIONS, QUALITY = review.TITLE, "Data quality, for the data team"
KEYS = (geo.SECTION_KEY, movers.SECTION_KEY, review.SECTION_KEY, quality.SECTION_KEY)


@pytest.fixture
def fixture_url(tmp_path: Path, page_env: pytest.MonkeyPatch) -> str:
    url = fixture_duckdb(tmp_path)
    page_env.setenv("CX_WAREHOUSE_URL", url)
    return url


@pytest.fixture
def two_actions(fixture_url: str, tmp_path: Path) -> None:
    """In the page's actions database ($CX_ACTIONS_URL of page_env): one recorded at the
    September review, due September (overdue in October), for North; one recorded in October,
    due December (open), for the company."""
    store = ActionStore(f"sqlite:///{tmp_path / 'actions.sqlite'}")
    store.add(ActionInput(Scope(region="N"), "nps", "Ana Ruiz", "Call every detractor.", SEP,
                          review_month=SEP), date(2026, 9, 16))
    store.add(ActionInput(Scope(), "enps", "Bo Chen", "Monthly pulse with every team.",
                          date(2026, 12, 1), review_month=OCT), date(2026, 11, 16))
    store.dispose()


def labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


def test_closed_sections_send_their_labels_and_nothing_else(fixture_url: str,
                                                           two_actions: None) -> None:
    at = run_page()
    for title in (MAP, MOVED, ACTIONS, QUALITY):
        assert nodes(section(at, title)) == [], title  # collapsed: not one element inside
    # and the five analyses, what it is worth and the touchpoints, as closed (no "What customers
    # say": the fixture's survey_comments table is empty, so the page shows nothing of it)
    assert len(at.expander) == 11
    assert all(nodes(e) == [] for e in at.expander)
    assert at.get("plotly_chart") == []  # no map
    assert [b.label for b in at.button] == ["Glossary"]  # no pack, CSV or mark-done buttons
    assert not at.toggle  # no "Record an action" switch, so no form either
    assert "form" not in {getattr(n, "type", "") for n in nodes(at.main)}
    # Every element of the page, listener and header (month and window pickers) included: 26
    # (35 before the lazy sections with no action listed, and 7 more for each listed action;
    # 24 before the value and touchpoints sections' closed expanders).
    assert len(nodes(at.main)) == 26, [getattr(n, "type", "") for n in nodes(at.main)]


def test_labels_carry_the_answer_company(fixture_url: str, two_actions: None) -> None:
    at = run_page()
    # The map draws one bubble: North (South's only location, Bayou, has no coordinates).
    # North's NPS rests on 6 answers (L1: 10, 9, 7, 3; L2: 10, 6), fewer than 30: not judged.
    assert section(at, MAP).label == (
        "Map · 1 region, none off target on NPS, 1 with too few answers to judge")
    # No region's change passes false-discovery control (test_app: nothing moved).
    assert section(at, MOVED).label == f"{SINCE_SEP} · no region stands out beyond the noise"
    # North's September action is overdue in October; the company's is open.
    assert section(at, ACTIONS).label == f"{ACTIONS} · 1 open, 1 overdue"
    # Left out in October: NPS 2 (id 5 skipped it, id 6 answered 11), the ACSI-style index 2
    # (id 5 without sat_ideal, id 8's 0), and one each from Bayou's monthly rows: executive
    # owner (NULL), listening hours (no leader count), payout alignment (target met NULL),
    # eNPS (promoters + detractors above responses), recognitions (-1): 9 values, 7 metrics.
    assert section(at, QUALITY).label == f"{QUALITY} · 9 values left out of 7 metrics"


def test_labels_carry_the_answer_region_and_location(fixture_url: str,
                                                    two_actions: None) -> None:
    at = run_page(region="N")
    # On rolling 3 months Lakeside's NPS rests on 6 answers, Ridge's on 3: neither judged.
    assert section(at, "Map of North").label == (
        "Map of North · 2 locations, none off target on NPS, 2 with too few answers to judge")
    assert section(at, MOVED).label == (
        f"{SINCE_MAY_JUL} · no location stands out beyond the noise")
    # Only North's own (overdue) action: the company's is not under North.
    assert section(at, ACTIONS).label == f"{ACTIONS} · 0 open, 1 overdue"
    # North's surveys only: NPS 2, the ACSI-style index 2 (Bayou's rows are South's).
    assert section(at, QUALITY).label == f"{QUALITY} · 4 values left out of 2 metrics"
    at = run_page(region="N", location="L1")
    assert section(at, MOVED).label == f"{SINCE_MAY_JUL} · compared across a region's locations"
    assert section(at, "Map of North").label.startswith("Map of North · 2 locations")
    assert section(at, ACTIONS).label == f"{ACTIONS} · no open actions"


def test_opening_a_section_sends_its_content(fixture_url: str, two_actions: None) -> None:
    at = open_section(run_page(), review.SECTION_KEY)
    shown = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Call every detractor" in shown and "Monthly pulse with every team" in shown
    assert {"Prepare board pack (PDF)", "Tables (CSV)", "Mark done"} <= {b.label
                                                                         for b in at.button}
    at.toggle(key="actions-all-all-open-form").set_value(True).run()  # the form, on demand
    assert "form" in {getattr(n, "type", "") for n in nodes(section(at, ACTIONS))}
    assert nodes(section(at, MAP)) == []  # the others stay closed
    open_section(open_section(at, movers.SECTION_KEY), quality.SECTION_KEY)
    captions = "\n".join(c.value for c in at.caption)
    assert "No region moved beyond the noise since last month" in captions
    assert "9 values were left out" in captions and "NPS: 2 rows" in captions


def test_an_opened_section_stays_open_while_drilling_down(fixture_url: str) -> None:
    at = open_section(run_page(), geo.SECTION_KEY)
    assert len(at.get("plotly_chart")) == 1
    # From here on only the page's own memory of the click holds the section open, as in the
    # browser (there the reader's click sets the expander, never the session's key).
    del at.session_state[geo.SECTION_KEY]
    at.query_params["region"] = "N"  # a drill-down: the label (so the expander) changes
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert nodes(section(at, "Map of North"))  # the region's map, still open ...
    assert len(at.get("plotly_chart")) == 1  # ... and drawn
    assert all(nodes(section(at, t)) == [] for t in (MOVED, ACTIONS, QUALITY))
    at.session_state[geo.SECTION_KEY] = False  # the reader closes it
    at.run()
    del at.session_state[geo.SECTION_KEY]
    at.query_params.pop("region")
    at.run()
    assert nodes(section(at, "Map ·")) == []  # closed stays closed
    assert at.get("plotly_chart") == []
    assert set(at.query_params) == {"month"}  # no section state in the URL


def test_a_warehouse_name_in_a_label_stays_text(tmp_path: Path,
                                                page_env: pytest.MonkeyPatch) -> None:
    """Expander labels render Markdown: North is named `![x](http://127.0.0.2/x.png)` here,
    and the map's label must show those characters, never an image."""
    url = f"duckdb:///{tmp_path / 'hostile.duckdb'}"
    writer = sa.create_engine(url)
    hostile_loader()(writer)
    writer.dispose()
    page_env.setenv("CX_WAREHOUSE_URL", url)
    at = run_page(region="N")
    label = section(at, "Map of").label
    assert label.startswith(f"Map of {fmt.escape_md(IMAGE)} · 2 locations")
    assert IMAGE not in label and "![" not in label
