"""The page's journey choice and touchpoint section (issue 28), through AppTest on the fixture:
without journeys nothing changes (a journey link is dropped and said so); with them the view
is the journey's, kept in the URL, and the drivers say why they are not shown."""

from __future__ import annotations

import sqlalchemy as sa

from dashboard.panels import drivers as drivers_panel
from tests import fixture_warehouse as fw
from tests.page import fixture_duckdb, open_section, run_page, section
from tests.test_journeys import ROWS


def _markdown(at) -> str:
    return "\n".join(str(m.value) for m in at.markdown) + "\n".join(
        str(w.value) for w in at.warning)


def test_without_journeys_the_choice_is_dropped_and_said(tmp_path, page_env):
    page_env.setenv("CX_WAREHOUSE_URL", fixture_duckdb(tmp_path))
    at = run_page(month="2026-10", journey="service")
    assert "journey" not in dict(at.query_params)
    assert any("records no service journey" in str(w.value) for w in at.warning)
    assert section(at, "Touchpoints and key drivers").label.endswith(
        "not recorded in this warehouse")


def test_a_journey_view_keeps_its_journey_and_says_why_no_drivers(tmp_path, page_env):
    url = f"duckdb:///{tmp_path / 'journeys.duckdb'}"
    writer = sa.create_engine(url)
    fw.load(writer, ROWS)
    writer.dispose()
    page_env.setenv("CX_WAREHOUSE_URL", url)
    at = run_page(month="2026-10", journey="service")
    assert dict(at.query_params).get("journey") == "service"
    assert "service journey" in at.main.markdown[0].value or any(
        "service journey" in str(h.value) for h in at.get("html"))
    at = open_section(at, drivers_panel.SECTION_KEY)
    text = _markdown(at)
    assert "Too few answers for key drivers" in text


def test_the_pack_section_is_absent_without_touchpoints_and_escapes_item_names(tmp_path):
    from datetime import date

    from pack import drivers as pack_drivers
    from queries import journeys
    from queries.access import EVERYTHING
    from queries.insights.drivers import Driver, Drivers
    from queries.sql.engine import make_engine

    eng = make_engine(fixture_duckdb(tmp_path))
    try:
        assert pack_drivers.fetch(eng, None, None, date(2026, 10, 1), EVERYTHING) is None
    finally:
        eng.dispose()
    d = Drivers("service", 0.4, (Driver("<b>advisor</b>", 0.3, 7.0, 200),
                                 Driver("booking", 0.1, 8.0, 200)), n=200)
    touch = journeys.Touch((), (d,), {("service", "<b>advisor</b>"): 8.0}, "the network's level",
                           "month", date(2026, 10, 1), date(2026, 11, 1))
    out = pack_drivers.render(touch)
    assert "&lt;b&gt;advisor&lt;/b&gt;" in out and "<b>advisor" not in out
    assert "Fix first" in out
