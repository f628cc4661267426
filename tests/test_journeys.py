"""Journeys and touchpoints (issue 28) on the tiny fixture, every figure worked out by hand.

The fixture's October responses (tests/fixture_warehouse.py) get a journey each, and a few
touchpoint answers; "All" must stay exactly the fixture's figures (test_metrics.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from queries import journeys, scorecard, targets
from queries import scope as sc
from queries.sql import check
from queries.sql.engine import make_engine
from tests import fixture_warehouse as fw

OCT, SEP, NOV = date(2026, 10, 1), date(2026, 9, 1), date(2026, 11, 1)
JOURNEY = {1: "sales", 2: "service", 3: "sales", 4: "service", 5: "sales", 6: "service",
           7: "service", 8: "sales", 9: None, 10: "sales", 11: "service", 12: "sales",
           13: "service"}
SURVEY = [(*r, JOURNEY[r[0]]) for r in fw.SURVEY]
ITEMS = [
    (1, "salesperson", 9), (1, "delivery", 10), (3, "salesperson", 6),
    (3, "salesperson", 6),  # the same answer loaded twice: counted once
    (8, "salesperson", 4), (2, "advisor", 8), (4, "advisor", 2), (7, "advisor", 10),
    (4, "booking", 11),  # out of range: left out
    (99, "advisor", 5),  # no such response: left out
    (10, "salesperson", 10), (12, "salesperson", 7),  # September
]
ROWS = fw.ROWS | {"survey_responses": SURVEY, "survey_items": ITEMS}


@pytest.fixture
def jwh(make_warehouse):
    return make_warehouse(ROWS)


def nps(card):
    r = card.metrics["nps"]
    return r.value, r.n


def build(eng, scope, month=OCT):
    return scorecard.build(eng, sc.load_dims(eng), scope, month, targets.load())


def test_journey_nps_by_hand(jwh):
    # October, valid NPS answers: sales 1 (10, promoter), 3 (7), 8 (6, detractor); 5 skipped.
    # NPS = 100 * (1 - 1) / 3 = 0. Service: 2 (9), 4 (3), 7 (10); 6 scored 11 (excluded).
    # NPS = 100 * (2 - 1) / 3 = 33.3. Response 9 records no journey: it counts under All only.
    assert nps(build(jwh, sc.Scope(journey="sales"))) == (pytest.approx(0.0), 3)
    assert nps(build(jwh, sc.Scope(journey="service"))) == (pytest.approx(100 / 3), 3)
    # All is the fixture's figure, unchanged: 3 promoters, 2 detractors of 7.
    assert nps(build(jwh, sc.Scope())) == (pytest.approx(100 / 7), 7)
    # Location L1 (a location's default window: rolling 3 months, August to October): sales
    # 1 (P), 3 (passive), 10 (September, P) -> 200 / 3; service 2 (P), 4 (D), 11 (5, D) ->
    # -100 / 3.
    assert nps(build(jwh, sc.Scope("N", "L1", "sales"))) == (pytest.approx(200 / 3), 3)
    assert nps(build(jwh, sc.Scope("N", "L1", "service"))) == (pytest.approx(-100 / 3), 3)
    # Responses (skipped and out-of-range answers included, the duplicate once): sales 1, 3,
    # 5, 8 = 4; service 2, 4, 6, 7 = 4.
    assert build(jwh, sc.Scope(journey="sales")).metrics["responses"].value == 4
    assert build(jwh, sc.Scope(journey="service")).metrics["responses"].value == 4


def test_journey_children_and_previous_month(jwh):
    card = build(jwh, sc.Scope(journey="sales"))
    # September sales: 10 (10, promoter), 12 (9, promoter) -> 100 of 2.
    assert card.metrics["nps"].previous == pytest.approx(100.0)
    # The heat table's regions, sales only: North = L1 (1, 3) + L2 (8) -> 0 of 3; South has
    # only response 9 (no journey): no row or no NPS.
    rows = card.children
    north = rows[(rows.key == "N") & (rows.metric == "nps")]
    assert float(north.value.iloc[0]) == pytest.approx(0.0)


def test_targets_may_be_set_per_journey(tmp_path):
    t = targets.parse({"defaults": {"nps": {"target": 45}},
                       "journeys": {"service": {"nps": {"target": 30}}}})
    assert t.for_metric("nps").value == 45
    assert t.for_metric("nps", journey="sales").value == 45
    assert t.for_metric("nps", "N", "L1", 2026, journey="service").value == 30


def test_touchpoint_scores_by_hand(jwh):
    rec = journeys.recorded(jwh)
    assert rec == journeys.Recorded(("sales", "service"), True)
    periods = ((OCT, OCT, NOV), (SEP, SEP, OCT))
    got = {(t.journey, t.item): t for t in journeys.scores(jwh, sc.Scope(), periods, True)}
    # Sales salesperson, October: 9, 6 (once), 4 -> mean 19/3; September: 10, 7 -> 8.5.
    sp = got[("sales", "salesperson")]
    assert (sp.n, sp.mean, sp.prev_n, sp.prev_mean) == (3, pytest.approx(19 / 3), 2,
                                                         pytest.approx(8.5))
    # Its 95% interval: sd = sqrt(((9-6.33)^2 + (6-6.33)^2 + (4-6.33)^2) / 2) = 2.5166,
    # t(2) = 4.3027: 6.333 -+ 6.252, cut to the 0-10 scale.
    assert sp.low == pytest.approx(19 / 3 - 4.302653 * 2.516611 / 3 ** 0.5, abs=1e-3)
    assert sp.high == 10.0 and sp.change == ""
    # Service advisor: 8, 2, 10 (response 99 is unknown) -> 20/3; booking's 11 is left out.
    assert got[("service", "advisor")].mean == pytest.approx(20 / 3)
    assert ("service", "booking") not in got
    # A journey's view sees its own touchpoints only.
    only = journeys.scores(jwh, sc.Scope(journey="service"), periods, True)
    assert {t.item for t in only} == {"advisor"}


def test_check_validates_journeys_and_items(make_warehouse):
    bad = [*SURVEY[:-1], (*fw.SURVEY[-1], "parts")]
    eng = make_warehouse(ROWS | {"survey_responses": bad})
    rep = check.check(eng, today=date(2026, 11, 28))
    q = {(r.table, r.issue): r.rows for r in rep.quality}
    assert q[("survey_items", "outside 0-10")] == 1
    assert q[("survey_items", check.ORPHAN_ITEM)] == 1
    assert q[("survey_items", check.DUPLICATE_ITEM)] == 1
    assert any("1 rows name neither sales nor service" in w for w in rep.warnings)
    assert not any(r.column == "journey" for r in rep.quality)  # NULL is "not recorded"
    assert rep.ok


def test_a_warehouse_without_journeys_works_as_before(make_warehouse, tmp_path):
    """No journey column, no survey_items table: check notes them, nothing else changes."""
    from dataclasses import replace

    import sqlalchemy as sa

    from queries.sql.schema import CONTRACT, metadata

    old = tuple(replace(t, columns=tuple(c for c in t.columns if c.name != "journey"))
                for t in CONTRACT if not t.optional)
    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    writer = sa.create_engine(url)
    with writer.begin() as conn:
        md = metadata(old)
        md.create_all(conn)
        for name, data in fw.ROWS.items():
            t = md.tables[name]
            conn.execute(t.insert(), [dict(zip(t.c.keys(), r, strict=True)) for r in data])
    writer.dispose()
    eng = make_engine(url)
    try:
        assert journeys.recorded(eng) == journeys.Recorded((), False)
        rep = check.check(eng, today=date(2026, 11, 28))
        assert rep.ok
        assert "optional table survey_items absent" in rep.notes
        assert "survey_responses: optional column journey absent" in rep.notes
        assert nps(build(eng, sc.Scope())) == (pytest.approx(100 / 7), 7)
    finally:
        eng.dispose()


@pytest.mark.spark
def test_journey_nps_on_spark(spark_databases):
    eng = make_engine(spark_databases.create(ROWS))
    try:
        assert nps(build(eng, sc.Scope(journey="service"))) == (pytest.approx(100 / 3), 3)
        assert nps(build(eng, sc.Scope("N", "L1", "sales"))) == (pytest.approx(200 / 3), 3)
        periods = ((OCT, OCT, NOV), (SEP, SEP, OCT))
        got = {(t.journey, t.item): t for t in journeys.scores(eng, sc.Scope(), periods, True)}
        assert got[("sales", "salesperson")].mean == pytest.approx(19 / 3)
        from queries.insights import drivers  # the cross-product statement runs on Spark too

        (sales,) = drivers.fetch(eng, sc.Scope(journey="sales"), OCT, NOV, ("sales", "service"))
        assert sales.n == 3 and not sales.shown
    finally:
        eng.dispose()


def test_cli_metrics_and_drivers_take_a_journey(jwh, capsys):
    import json

    from cli import main as cli

    url = jwh.url.render_as_string(hide_password=False)
    assert cli.main(["metrics", "--url", url, "--month", "2026-10", "--journey", "service",
                     "--format", "json", "--no-insights"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scope"]["journey"] == "service"
    assert next(m for m in doc["metrics"] if m["metric"] == "nps")["value"] == \
        pytest.approx(33.33, abs=0.01)
    assert cli.main(["drivers", "--url", url, "--month", "2026-10", "--journey", "sales",
                     "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # Sales, October: salesperson answered by 3 responses with an NPS answer (1, 3, 8): too few.
    assert doc["r2"] is None and doc["items"] == [] and doc["n"] == 3
    assert "Too few answers" in doc["reason"]
    assert cli.main(["metrics", "--url", url, "--journey", "parts"]) == 2
