"""Bidirectional controls in names and typed text (issue 25, item 9): one U+202E (right-to-left
override) in a location name mirrored every later name and number of the verdict row ("12" read
"21"). They are removed wherever a name or a typed action is shown: the page, the pack, the CSVs
(the e-mail digest, when it comes, reads the same names and the same store).

The fixture warehouse (tests/fixture_warehouse.py) under names carrying each kind of control, on
DuckDB and PostgreSQL; each output is read as a person reads it.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

import pack as pk
from presentation import text
from queries import scope as sc
from queries import scorecard, targets
from queries.scope import BIDI_CONTROLS
from store.actions import ActionInput, ActionStore
from tests import fixture_warehouse as fw
from tests.page import run_page

OCT = date(2026, 10, 1)
RLO, PDF, RLE, LRO, RLI, FSI, PDI, RLM, LRM, ALM = ("\u202e", "\u202c", "\u202b", "\u202d",
                                                     "\u2067", "\u2068", "\u2069", "\u200f",
                                                     "\u200e", "\u061c")
EVERY = (RLO, PDF, RLE, LRO, RLI, FSI, PDI, RLM, LRM, ALM, "\u202a", "\u2066")
REGIONS = [("N", f"North{RLE}"), ("S", f"{FSI}South")]
LOCATIONS = [
    ("L1", f"Lake{RLO}side 12", "N", 45.0, -93.0),  # the attack: "21 edisekaL" after it
    ("L2", f"{RLI}Ridge{LRM}", "N", 44.0, -92.0),  # an isolate never closed
    ("L3", f"Bay{RLM}ou{ALM}", "S", 30.0, -90.0),
]
CLEAN = {"North", "South", "Lakeside 12", "Ridge", "Bayou"}


def _load(eng, rows=None):
    fw.load(eng, dict(fw.ROWS, regions=REGIONS, locations=LOCATIONS))


def _bidi(s: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in BIDI_CONTROLS.findall(s)]


@pytest.mark.parametrize("raw", [f"a{c}b" for c in EVERY])
def test_every_output_helper_removes_each_control(raw):
    assert text.plain(raw) == "ab"
    assert text.md(raw) == "ab" and text.hover(raw) == "ab"
    assert text.csv_cell(raw) == "ab"
    assert text.csv_cell(f"={raw}") == "'=ab"  # and still neutralised as a formula
    assert sc.display_name(raw) == "ab"


def test_names_reach_page_pack_and_csv_without_controls(make_warehouse, page_env, tmp_path):
    eng = make_warehouse(loader=_load, name="bidi")
    dims = sc.load_dims(eng)
    names = set(dims.regions.region_name) | set(dims.locations.location_name)
    assert names == CLEAN  # removed when the dimensions load: every face reads these
    # The page, region North: breadcrumb, verdict row (furthest behind), tiles, heat table.
    page_env.setenv("CX_WAREHOUSE_URL", eng.url.render_as_string(hide_password=False))
    at = run_page(region="N", month="2026-10")
    shown = [str(x.value) for x in [*at.markdown, *at.caption, *at.error, *at.warning]]
    shown += [html.unescape(h.proto.body) for h in at.get("html")]
    page = " ".join(shown)
    assert not _bidi(page), _bidi(page)
    assert "Lakeside 12" in page and "Ridge" in page and "North" in page
    verdict = next(h for h in shown if "Furthest behind" in h)
    assert re.search(r"Lakeside 12", verdict) and "21 edisekaL" not in verdict
    # The pack of the same view.
    card = scorecard.build(eng, dims, sc.Scope(region="N"), OCT, targets.load())
    from pack import document, printed

    _head, body, charts = document.parts(printed._content(
        eng, dims, sc.Scope(region="N"), OCT, targets.load(), (), None, None, printed.Timing(),
        False))  # the printed pack's HTML and its charts' data: what Chromium prints
    doc = html.unescape(body) + "".join(data for _id, data in charts.figures)
    assert not _bidi(doc), _bidi(doc)
    assert "Lakeside 12" in doc and "Ridge" in doc
    # The CSVs: the league table and the tiles.
    for frame in (pk.league_frame(card), pk.metrics_frame(card)):
        csv = pk.to_csv_bytes(frame).decode("utf-8-sig")
        assert not _bidi(csv), _bidi(csv)
    assert "Lakeside 12" in pk.to_csv_bytes(pk.league_frame(card)).decode("utf-8-sig")


def test_a_typed_action_is_stored_and_exported_without_controls(tmp_path):
    store = ActionStore(f"sqlite:///{tmp_path / 'a.sqlite'}")
    a = store.add(ActionInput(sc.Scope(region="N"), "nps", f"Ann{RLO} 12",
                              f"Call back {RLO}12 detractors{PDF} by Friday",
                              date(2026, 12, 1)), date(2026, 11, 2))
    assert (a.owner, a.text) == ("Ann 12", "Call back 12 detractors by Friday")
    listed = store.list(sc.Scope(region="N"), month=date(2026, 11, 1))
    assert [x.text for x in listed] == ["Call back 12 detractors by Friday"]
    csv = pk.to_csv_bytes(pk.actions_frame(listed, {"N": "North"})).decode("utf-8-sig")
    assert not _bidi(csv) and "Call back 12 detractors by Friday" in csv
    store.dispose()
