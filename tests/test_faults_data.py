"""Hostile data on both engines: every bad row is named by `check`, left out of the metric it
breaks (numerator and denominator together), counted in excluded_rows, and every other figure
stays exactly the clean fixture's.

Each test copies the hand-built fixture (tests/fixture_warehouse.py), adds bad rows, and compares
the whole scorecard (company, both regions, two locations; October 2026) with the clean one.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date

import pytest
import sqlalchemy as sa

from cli import main as cli
from dashboard import state
from queries import scope as sc
from queries import scorecard, targets
from queries.registry import METRICS
from queries.sql import rollup
from queries.sql.aggregate import fetch, freshness
from queries.sql.check import check
from tests import fixture_warehouse as fw

OCT = date(2026, 10, 1)
SCOPES = (sc.Scope(), sc.Scope(region="N"), sc.Scope(region="S"),
          sc.Scope(region="N", location="L1"), sc.Scope(region="N", location="L2"))
FIELDS = ("value", "numerator", "denominator", "n", "interval")


def figures(engine) -> dict[tuple, object]:
    """Every figure of every metric in every scope, plus the children tables' values."""
    dims = sc.load_dims(engine)
    out: dict[tuple, object] = {}
    for s in SCOPES:
        card = scorecard.build(engine, dims, s, OCT, targets.load(), with_map=False)
        for name, r in card.metrics.items():
            for f in FIELDS:
                out[(s, name, f)] = getattr(r, f)
            out[(s, name, "excluded")] = r.excluded
        if not card.children.empty:
            for row in card.children.itertuples():
                out[(s, "child", row.key, row.metric)] = row.value
    return out


def diff(bad: dict, clean: dict) -> dict[tuple, tuple]:
    """Keys whose figures differ (NaN equals NaN)."""
    def same(a, b) -> bool:
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return a == b
    keys = set(bad) | set(clean)
    return {k: (clean.get(k), bad.get(k)) for k in keys if not same(bad.get(k), clean.get(k))}


def excluded_deltas(d: dict[tuple, tuple]) -> dict[tuple, float]:
    return {(k[0], k[1]): v[1] - v[0] for k, v in d.items() if len(k) == 3 and k[2] == "excluded"}


_CLEAN: dict[str, dict] = {}


def clean_figures(backend: str, make_warehouse) -> dict[tuple, object]:
    """The clean fixture's figures on the same engine as the test's hostile copy (built once per
    engine and process): each test runs on DuckDB and PostgreSQL, not on every pair of engines."""
    if backend not in _CLEAN:
        _CLEAN[backend] = figures(make_warehouse(name="clean"))
    return _CLEAN[backend]


@pytest.fixture
def clean(backend, make_warehouse):
    return clean_figures(backend, make_warehouse)


def _loader(extra: dict[str, list[tuple]], sql: tuple[str, ...] = (),
            drop: dict[str, list[tuple]] | None = None):
    """The fixture plus `extra` rows, after `sql`; a monthly table's rows at the (location,
    month) of a row in `drop` are deleted first (the metrics keep one row per key, so a hostile
    monthly row replaces the clean one; compare with the fixture without them)."""
    def load(engine, rows=None):
        rows = {k: list(v) for k, v in fw.ROWS.items()}
        fw.load(engine, rows)
        with engine.begin() as c:
            for stmt in sql:
                c.exec_driver_sql(stmt)
            for name, data in (drop or {}).items():
                if name in fw.META.tables and "month" in fw.META.tables[name].c:
                    t = fw.META.tables[name]
                    for r in data:
                        c.execute(t.delete().where(t.c.location_id == r[0], t.c.month == r[1]))
            for name, data in extra.items():
                # the columns the fixture created (no optional journey column: fw.tables)
                t = sa.table(name, *(sa.column(col.name) for col in fw.tables(rows).tables[name].c))
                c.execute(t.insert(), [dict(zip([col.name for col in t.c], r, strict=True))
                                       for r in data])
    return load


def quality(engine) -> dict[tuple[str, str, str], int]:
    return {(q.table, q.column, q.issue): q.rows for q in check(engine).quality}


def _everywhere(location: str, region: str) -> tuple[sc.Scope, ...]:
    return (sc.Scope(), sc.Scope(region=region), sc.Scope(region=region, location=location))


# A part above its whole --------------------------------------------------------------------------
PART_ROWS = {
    # L2: retained 11 of 10 at start, 6 referred of 5 new: both loyalty ratios break.
    "loyalty_monthly": [("L2", OCT, 10, 11, 5, 6)],
    # L1: 3 closed of 2 flagged; the row's other columns are NULL (excluded from those metrics).
    "leadership_monthly": [("L1", OCT, None, None, None, None, None, 2, 3)],
    # L2: 150 CX-linked of 100 variable pay; target flag NULL (payout alignment leaves it out).
    "incentives_monthly": [("L2", OCT, 100.0, 150.0, None)],
    # L1: 8 promoters + 5 detractors of 10 responses; recognitions/employees NULL.
    "culture_monthly": [("L1", OCT, 10, 8, 5, None, None)],
}


def test_part_above_its_whole_is_excluded_and_named(make_warehouse, capsys):
    clean = figures(make_warehouse(loader=_loader({}, drop=PART_ROWS), name="part_clean"))
    eng = make_warehouse(loader=_loader(PART_ROWS, drop=PART_ROWS), name="part")
    bad = figures(eng)  # before the fix: "math domain error" (a Wilson interval of 11/10)
    d = diff(bad, clean)
    # Only excluded counts move, by exactly one row per broken metric in every scope that
    # holds the row; every value, numerator, denominator, n and interval is the clean one.
    assert all(k[2] == "excluded" for k in d if len(k) == 3), d
    assert not [k for k in d if len(k) == 4], d  # children's values unchanged
    want = {}
    for metric in ("retention_rate", "referral_rate", "cx_linked_pay_share", "payout_alignment"):
        want |= {(s, metric): 1.0 for s in _everywhere("L2", "N")}
    for metric in ("detractor_followup_48h", "enps", "exec_owner_share",
                   "listening_hours_per_leader", "cx_agenda_share", "recognitions_per_employee"):
        want |= {(s, metric): 1.0 for s in _everywhere("L1", "N")}
    assert excluded_deltas(d) == want
    q = quality(eng)
    assert q[("loyalty_monthly", "customers_retained", "customers_retained > customers_start")] == 1
    assert q[("loyalty_monthly", "referred_new_customers",
              "referred_new_customers > new_customers")] == 1
    assert q[("leadership_monthly", "detractors_closed_48h",
              "detractors_closed_48h > detractors_flagged")] == 1
    assert q[("incentives_monthly", "cx_linked_pay", "cx_linked_pay > variable_pay")] == 1
    # the clean fixture already holds one (L3); the new row makes two
    assert q[("culture_monthly", "enps_promoters", "promoters + detractors > responses")] == 2
    code = cli.main(["check", "--url", eng.url.render_as_string(hide_password=False)])
    out = capsys.readouterr().out
    assert code == 0
    assert "EXCLUDED loyalty_monthly.customers_retained: 1 rows (customers_retained > " \
           "customers_start)" in out
    assert "passes WITH DATA PROBLEMS" in out and "Contract check passes;" not in out


# NaN and Infinity --------------------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")
FLOAT_SCORES = tuple(
    f"ALTER TABLE survey_responses ALTER COLUMN {c} TYPE FLOAT8"
    for c in ("nps_score", "sat_overall", "sat_expectations", "sat_ideal"))
NAN_ROWS = {
    # L2: NaN hours for 2 leaders, +Infinity agenda minutes; the rest NULL.
    "leadership_monthly": [("L2", OCT, None, NAN, 2, INF, 100.0, None, None)],
    # L1: -Infinity variable pay, NaN CX-linked pay.
    "incentives_monthly": [("L1", OCT, -INF, NAN, True)],
    # L1: one response (id 100) whose NPS is NaN and overall satisfaction +Infinity (the other
    # two items skipped, so ACSI's item means are the clean ones).
    "survey_responses": [(100, "L1", date(2026, 10, 11), NAN, INF, None, None)],
}


def test_nan_and_infinity_are_excluded_from_both_sides(make_warehouse):
    clean = figures(make_warehouse(loader=_loader({}, FLOAT_SCORES, drop=NAN_ROWS),
                                   name="nan_clean"))
    eng = make_warehouse(loader=_loader(NAN_ROWS, FLOAT_SCORES, drop=NAN_ROWS), name="nan")
    bad = figures(eng)
    d = diff(bad, clean)
    # The response itself arrived, so "responses" counts it (+1 where L1 is); its answers do not.
    responses = {k: v for k, v in d.items() if k[1] == "responses" or k[-1] == "responses"}
    moved = {k[:2]: v[1] - v[0] for k, v in responses.items() if len(k) == 3 and k[2] == "value"}
    assert moved == {(s, "responses"): 1.0 for s in _everywhere("L1", "N")}
    rest = {k: v for k, v in d.items() if k not in responses}
    assert all(len(k) == 3 and k[2] == "excluded" for k in rest), rest
    want = {}
    for metric in ("listening_hours_per_leader", "cx_agenda_share", "exec_owner_share",
                   "detractor_followup_48h"):
        want |= {(s, metric): 1.0 for s in _everywhere("L2", "N")}
    for metric in ("cx_linked_pay_share", "payout_alignment", "nps"):
        want |= {(s, metric): 1.0 for s in _everywhere("L1", "N")}
    # ACSI counts one excluded item answer (sat_overall = Infinity)
    want |= {(s, "acsi"): 1.0 for s in _everywhere("L1", "N")}
    assert {k: v for k, v in excluded_deltas(rest).items()} == want
    for k, v in bad.items():  # never "inf%": no figure anywhere is infinite
        assert not (isinstance(v, float) and math.isinf(v)), k
    q = quality(eng)
    assert q[("leadership_monthly", "leader_listening_hours", "NaN or Infinity")] == 1
    assert q[("leadership_monthly", "cx_agenda_minutes", "NaN or Infinity")] == 1
    assert q[("incentives_monthly", "variable_pay", "NaN or Infinity")] == 1
    assert q[("incentives_monthly", "cx_linked_pay", "NaN or Infinity")] == 1
    assert q[("survey_responses", "nps_score", "NaN or Infinity")] == 1
    assert q[("survey_responses", "sat_overall", "NaN or Infinity")] == 1
    # never also counted as "out of range" (NaN sorts above every number on both engines)
    assert ("leadership_monthly", "leader_listening_hours", "below 0") not in q
    # the rollup carries the same rule: raw and rolled-up components agree exactly
    _build_rollup(eng)
    for s in (sc.Scope(), sc.Scope(region="N")):
        raw = fetch(eng, s, OCT, date(2026, 11, 1), use_rollup=False)
        rolled = fetch(eng, s, OCT, date(2026, 11, 1), use_rollup=True)
        assert raw.equals(rolled)


def _writer(eng) -> sa.Engine:
    url = eng.url.render_as_string(hide_password=False)
    eng.dispose()
    return sa.create_engine(url)


def _build_rollup(eng) -> None:
    w = _writer(eng)
    rollup.build(w)
    w.dispose()


# Locations: duplicates, unknown and NULL regions -------------------------------------------------
LOCATION_ROWS = {
    "locations": [
        ("L2", "Ridge (again)", "S", 30.0, -90.0),  # L2 listed twice, the second time in S
        ("L4", "Orphan", "X", 40.0, -100.0),  # region X is not in regions
        ("L5", "Nowhere", None, 41.0, -101.0),  # no region
    ],
}


def test_bad_locations_are_named_and_never_double_counted(make_warehouse, clean):
    eng = make_warehouse(loader=_loader(LOCATION_ROWS), name="locs")
    assert diff(figures(eng), clean) == {}  # L2 counted once, in N (its lowest region_id)
    warnings = check(eng).warnings
    assert any(w.startswith("locations.location_id: 1 duplicated ('L2')") for w in warnings)
    assert any("1 locations in a region not in regions ('L4')" in w for w in warnings)
    assert any("1 locations with no region ('L5')" in w for w in warnings)
    dims = sc.load_dims(eng)
    assert list(dims.locations.location_id).count("L2") == 1
    nowhere = dims.locations.set_index("location_id").loc["L5", "region_id"]
    assert nowhere is None  # not NaN, not "nan"
    link = state.link(sc.Scope(region=nowhere, location="L5"), OCT)
    assert link == {"location": "L5", "month": "2026-10"}  # no region=nan in the URL
    assert dims.region_name(None) == "(no region)" and dims.region_name("X") == "(no region)"


def test_responses_of_a_location_outside_every_region_count_once(make_warehouse, clean):
    rows = dict(LOCATION_ROWS, survey_responses=[(300, "L5", date(2026, 10, 6), 10, 9, 9, 9)])
    eng = make_warehouse(loader=_loader(rows), name="orphan")
    d = diff(figures(eng), clean)
    company = sc.Scope()
    # Company: 1 more response, a promoter. Clean October: 7 valid NPS answers (ids 1,2,3,4,7,8,9),
    # 3 promoters (1,2,7), 2 detractors (4,8): NPS 100 * (3 - 2) / 7 = 14.29; with the new one
    # 100 * (4 - 2) / 8 = 25. Regions N and S are untouched; the children gain a "(no region)" row.
    assert d[(company, "nps", "value")][1] == pytest.approx(25.0)
    assert d[(company, "nps", "value")][0] == pytest.approx(100 / 7)
    assert not [k for k in d if len(k) == 3 and k[0] != company]
    assert (company, "child", None, "responses") in d


# Future-dated responses --------------------------------------------------------------------------
FUTURE_ROWS = {"survey_responses": [(400, "L1", date(2099, 5, 1), 0, 1, 1, 1)]}


def test_future_responses_are_excluded_counted_and_never_the_latest_month(make_warehouse, clean):
    eng = make_warehouse(loader=_loader(FUTURE_ROWS), name="future")
    assert freshness(eng) == (date(2025, 10, 5), date(2026, 10, 31))  # not 2099
    assert diff(figures(eng), clean) == {}
    today = date.today()
    assert quality(eng)[("survey_responses", "responded_on",
                         f"dated after today ({today.isoformat()})")] == 1
    may = fetch(eng, sc.Scope(), date(2099, 5, 1), date(2099, 6, 1), use_rollup=False)
    assert may.empty
    _build_rollup(eng)
    with eng.connect() as c:
        assert rollup.available(c)
    assert diff(figures(eng), clean) == {}


# month stored as TIMESTAMP, or not on the first day ----------------------------------------------
MONTH_SQL = (
    "ALTER TABLE loyalty_monthly ALTER COLUMN month TYPE TIMESTAMP",
    "UPDATE loyalty_monthly SET month = TIMESTAMP '2026-10-01 13:30:00' WHERE month = "
    "TIMESTAMP '2026-10-01 00:00:00' AND location_id = 'L1'",
    "UPDATE leadership_monthly SET month = DATE '2026-10-15' WHERE location_id = 'L1' AND "
    "month = DATE '2026-10-01'",
)


def test_month_as_timestamp_or_mid_month_is_read_as_its_month(make_warehouse, clean):
    eng = make_warehouse(loader=_loader({}, MONTH_SQL), name="month")
    assert diff(figures(eng), clean) == {}  # before: a pandas merge error (datetime vs date)
    warnings = check(eng).warnings
    assert any(w.startswith("loyalty_monthly.month: stored as TIMESTAMP") for w in warnings)
    # 13:30 on the first is still the first day: only the type is named for loyalty_monthly
    assert not any(w.startswith("loyalty_monthly.month: 1 rows") for w in warnings)
    assert "leadership_monthly.month: 1 rows not on the first day of their month (read as " \
           "that month)" in warnings
    assert check(eng).ok


# The rollup never serves stale numbers -----------------------------------------------------------
def _nps(eng, s: sc.Scope | None = None) -> float:
    dims, s = sc.load_dims(eng), s or sc.Scope()
    return scorecard.build(eng, dims, s, OCT, targets.load(), with_map=False).metrics["nps"].value


def test_changed_scores_make_the_rollup_stale(make_warehouse):
    eng = make_warehouse(loader=fw.load_with_rollup, name="stale_values")
    url = eng.url.render_as_string(hide_password=False)
    rollup._checked.clear()
    assert _nps(eng) == pytest.approx(100 / 7)  # 100 * (3 - 2) / 7, through the rollup
    with eng.connect() as c:
        assert rollup.available_cached(eng, c)  # cached: True
    w = _writer(eng)  # same count, same latest date: only values change
    with w.begin() as c:
        c.exec_driver_sql("UPDATE survey_responses SET nps_score = 0 "
                          "WHERE nps_score BETWEEN 0 AND 10")
    w.dispose()
    with eng.connect() as c:
        assert not rollup.available(c)  # the fingerprint sees the change
    # The page asks through available_cached: the change token (DuckDB file / WAL, PostgreSQL's
    # row-change counters) moves, so the cached True is dropped at once, not after a minute.
    deadline = _deadline(10)
    while _nps(eng) != pytest.approx(-100.0):  # all 7 valid answers are now detractors
        assert not deadline(), "the page kept the stale rollup"
    eng2 = make_url_engine(url)
    assert _nps(eng2) == pytest.approx(-100.0)
    eng2.dispose()


def test_delete_plus_insert_makes_the_rollup_stale(make_warehouse):
    eng = make_warehouse(loader=fw.load_with_rollup, name="stale_swap")
    w = _writer(eng)
    with w.begin() as c:  # same row count and same latest date, different answer
        c.exec_driver_sql("DELETE FROM survey_responses WHERE response_id = 1")
        c.exec_driver_sql("INSERT INTO survey_responses VALUES "
                          "(1, 'L1', DATE '2026-10-03', 0, 9, 8, 10)")
    w.dispose()
    with eng.connect() as c:
        assert not rollup.available(c)
    # promoters 2 (2, 7), detractors 3 (1, 4, 8) of 7: 100 * (2 - 3) / 7 = -14.29
    rollup._checked.clear()
    assert _nps(eng) == pytest.approx(-100 / 7)


def _deadline(seconds: float):
    import time

    stop = time.monotonic() + seconds
    return lambda: time.monotonic() > stop


def make_url_engine(url: str) -> sa.Engine:
    from queries.sql.engine import make_engine

    return make_engine(url)


def test_check_json_lists_warnings(make_warehouse, capsys):
    eng = make_warehouse(loader=_loader(LOCATION_ROWS), name="json")
    code = cli.main(["check", "--url", eng.url.render_as_string(hide_password=False),
                     "--format", "json"])
    rep = json.loads(capsys.readouterr().out)
    assert code == 0 and len(rep["warnings"]) == 3


def test_every_metric_is_covered_by_a_hostile_case():
    """Each ratio metric with a part and a whole is in the part-above-whole test."""
    parts = {m.name for m in METRICS if m.part_of_whole}
    assert parts == {"cx_agenda_share", "detractor_followup_48h", "cx_linked_pay_share",
                     "payout_alignment", "retention_rate", "referral_rate"}


def test_page_shows_a_location_in_no_region_without_nan(make_warehouse, page_env):
    from tests.page import heat_rows, run_page, tiles

    rows = dict(LOCATION_ROWS, survey_responses=[(300, "L5", date(2026, 10, 6), 10, 9, 9, 9)])
    eng = make_warehouse(loader=_loader(rows), name="orphan_page")
    page_env.setenv("CX_WAREHOUSE_URL", eng.url.render_as_string(hide_password=False))
    at = run_page(month="2026-10")  # the company: "(no region)" is one of the children
    listed = {name: link for _key, name, link in heat_rows(at)}
    assert listed.get("(no region)") == ""  # listed, not a link to a view that cannot be
    at = run_page(location="L5", month="2026-10")  # its own page, reached by a link
    params = {k: at.query_params[k] for k in at.query_params}
    assert params.keys() == {"location", "month"}, params  # no region=nan, no region at all
    assert "nan" not in str(params)
    nps = [t for t in tiles(at) if 'data-metric="nps"' in t]
    assert nps and re.search(r'<span class="cx-value[^"]*">100</span>', nps[0]), nps
    # one promoter of one answer: NPS 100
