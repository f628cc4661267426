"""Rows of a location_id not in `locations` ('GHOST', NULL) are left out of every total, as
`check` says (issue 25, item 3): before, 1,095 answers for 'GHOST' moved company NPS 47 -> -28.

Hand-built on the fixture warehouse (tests/fixture_warehouse.py), on DuckDB and PostgreSQL, by
the raw rows and by the monthly rollup.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.dialects import postgresql

from queries import scope as sc
from queries import scorecard, targets, windows
from queries.sql import rollup
from queries.sql.aggregate import fetch
from queries.sql.check import check
from tests import fixture_warehouse as fw

OCT = date(2026, 10, 1)
# Four October detractors (NPS 0) and one promoter at an unknown location, one with no location.
GHOST_SURVEY = [(900 + i, "GHOST", date(2026, 10, 4), 0, 1, 1, 1) for i in range(4)] + [
    (904, "GHOST", date(2026, 10, 6), 10, 10, 10, 10),
    (905, None, date(2026, 10, 7), 0, 1, 1, 1),
]
# A loyalty row that would drag company retention from 90 % to 315 / 1350 = 23 %.
GHOST_LOYALTY = [("GHOST", OCT, 1000, 0, 100, 0)]
GHOST_CULTURE = [("GHOST", OCT, 100, 0, 100, 0, 100)]


def _with_ghosts(build_rollup: bool):
    def load(engine, rows=None):
        rows = {k: list(v) for k, v in fw.ROWS.items()}
        rows["survey_responses"] += GHOST_SURVEY
        rows["loyalty_monthly"] += GHOST_LOYALTY
        rows["culture_monthly"] += GHOST_CULTURE
        fw.load(engine, rows)
        if build_rollup:
            rollup.build(engine)
    return load


@pytest.mark.parametrize("use_rollup", [False, True], ids=["raw", "rollup"])
def test_rows_of_unknown_locations_count_in_no_total(make_warehouse, use_rollup):
    eng = make_warehouse(loader=_with_ghosts(use_rollup), name=f"ghost{int(use_rollup)}")
    with eng.connect() as c:
        assert rollup.available(c) is use_rollup
    dims = sc.load_dims(eng)
    card = scorecard.build(eng, dims, sc.Scope(), OCT, targets.load(), with_map=False)
    nps = card.metrics["nps"]
    # Known locations only (test_metrics): n = 7, promoters 3, detractors 2 -> 100 / 7.
    # Counting the ghosts gave n = 13, promoters 4, detractors 7 -> -23.1.
    assert (nps.numerator, nps.denominator, nps.n) == (1, 7, 7)
    assert nps.value == pytest.approx(100 / 7)
    assert card.metrics["responses"].value == 9  # ids 1..9, not 15
    # Retention (180 + 95 + 40) / (200 + 100 + 50) = 90 %, not 315 / 1350.
    assert card.metrics["retention_rate"].value == pytest.approx(90.0)
    # eNPS (10 + 3 - 4 - 5) / (20 + 10) = 13.33, not (13 - 109) / 130.
    assert card.metrics["enps"].value == pytest.approx(4 / 30 * 100)
    # No key for the ghost in any grouping, and no "(no region)" group made of it.
    for by in ("child", "location", "none"):
        df = fetch(eng, sc.Scope(), OCT, date(2026, 11, 1), by=by, use_rollup=use_rollup)
        assert "GHOST" not in set(df["key"]), by
        assert int(df["nps__n"].sum()) == 7, by
        if by != "none":
            assert None not in set(df["key"]), by
    # Pooled over rolling 3 months (Aug-Oct) as well: October's 7 valid answers plus September's
    # 3 (ids 10, 11, 12), never the ghosts.
    pooled = scorecard.build(eng, dims, sc.Scope(), OCT, targets.load(), with_map=False,
                             window=windows.WINDOWS["3m"])
    assert pooled.metrics["nps"].n == 10
    # Regions still sum to the company: North 6 answers, South 1.
    kids = card.children[card.children.metric == "nps"].set_index("key")
    assert kids.loc["N", "n"] + kids.loc["S", "n"] == 7
    # `check` still names them as excluded: 5 GHOST answers (the NULL one is a NULL location).
    q = {(r.table, r.column, r.issue): r.rows for r in check(eng).quality}
    assert q[("survey_responses", "location_id", "unknown location")] == 5
    assert q[("loyalty_monthly", "location_id", "unknown location")] == 1
    assert q[("culture_monthly", "location_id", "unknown location")] == 1


def test_the_filter_is_a_bound_semi_join():
    """Pushed down to the warehouse as SQL (a subquery on `locations`), no ids in the text."""
    from queries.sql.aggregate import monthly_select, survey_select

    for stmt in (survey_select(sc.Scope(), OCT, date(2026, 11, 1), "none"),
                 monthly_select(sc.Scope(), OCT, date(2026, 11, 1), "location"),
                 rollup.rollup_select(sc.Scope(), OCT, date(2026, 11, 1), "none")):
        sql = str(stmt.compile(dialect=postgresql.dialect()))
        assert "FROM locations" in sql and "GHOST" not in sql
