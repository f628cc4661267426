"""Few round trips (issue 31): the statements a view sends, counted on every engine.

On Spark each statement is a scheduled job and on the cloud warehouses a round trip, so these
counts are the cold page's cost there. Counted with SQLAlchemy's `before_cursor_execute` event
(benchmarks/roundtrips.py, which prints the same counts before and after, docs/scale-out.md).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from cachetools import TTLCache

from benchmarks.roundtrips import VIEWS, cold_view, counting, warehouse_facts
from queries import scope as sc
from queries.sql import identity
from tests import fixture_warehouse as fw

# A view's cache miss: its figures in one statement (every table's part in one UNION ALL), plus
# one per pooled window: a region's locations and a location's own tiles on rolling 3 months.
# The children's furthest behind on rolling 12 months is summed from the view's own monthly
# rows (scorecard._behind; it was one statement more for a company and a region view).
PER_VIEW = {"company": 1, "region N": 2, "location L1": 2}
# Once per warehouse freshness (the cache rule): the dimensions (regions and locations in one
# statement), the date range, and "is the rollup usable?": what the rollup's build stored and the
# live fingerprint, in one statement that a warehouse without a rollup refuses before scanning.
# PostgreSQL adds its change token. No listing of tables or columns (it was 8 on DuckDB).
FACTS = {"rollup": 3, "raw": 3}


def _facts(engine: sa.Engine, path: str) -> int:
    return FACTS[path] + (engine.dialect.name == "postgresql")


@pytest.fixture(autouse=True)
def _token_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL's change token is sampled at most once per identity.TOKEN_TTL_S (5 s): on a
    slow machine a view may straddle a new sample (one statement more). Kept for the test, so
    the counts are the same on every run."""
    monkeypatch.setattr(identity, "_tokens", TTLCache(maxsize=32, ttl=3600))


def _check_views(engine: sa.Engine, path: str) -> None:
    count, facts = warehouse_facts(engine)
    assert len(count.statements) == _facts(engine, path), count.statements
    # No table discovery at all: no SHOW TABLES or DESCRIBE on Spark, no duckdb_tables() or
    # information_schema (the coordinates and the rollup's tables are simply asked for).
    listing = re.compile(r"^(SHOW|DESCRIBE)|duckdb_|information_schema|pg_catalog|current_database",
                         re.IGNORECASE)
    assert not any(listing.search(s) for s in count.statements), count.statements
    for label, region, location in VIEWS:
        view = cold_view(engine, facts, region, location)
        assert len(view.statements) == PER_VIEW[label], (label, view.statements)
        assert len(view.statements) <= 4  # the ceiling for a cold view
        if engine.dialect.name != "postgresql":  # a server that may drop idle connections
            assert view.pings == 0, label


def test_a_cold_view_sends_one_statement_per_window(warehouse) -> None:
    """On DuckDB, PostgreSQL and Spark (the raw rows: the fixture warehouse has no rollup)."""
    _check_views(warehouse, "raw")


def test_a_cold_view_through_the_rollup_sends_as_few(make_warehouse) -> None:
    _check_views(make_warehouse(loader=fw.load_with_rollup, name="rollup"), "rollup")


def test_a_cold_cli_view_is_the_facts_plus_the_view(make_warehouse) -> None:
    """`cx-scorecard metrics` starts cold every time: facts and view, nothing asked twice."""
    from benchmarks.roundtrips import cold_metrics

    eng = make_warehouse(loader=fw.load_with_rollup, name="cli")
    url = eng.url.render_as_string(hide_password=False)
    count = cold_metrics(url)
    assert len(count.statements) == _facts(eng, "rollup") + PER_VIEW["company"], count.statements
    assert len(set(count.statements)) == len(count.statements), "a statement sent twice"


def test_locations_without_coordinates_still_load(make_warehouse) -> None:
    """The coordinates are asked for without listing the columns first: a `locations` table
    without them is read again without them, and the map simply has no points."""

    def load(writer: sa.Engine, rows) -> None:
        fw.load(writer, rows)
        with writer.begin() as c:
            c.exec_driver_sql("ALTER TABLE locations DROP COLUMN latitude")
            c.exec_driver_sql("ALTER TABLE locations DROP COLUMN longitude")

    eng = make_warehouse(loader=load, name="nocoords")
    with counting() as count:
        dims = sc.load_dims(eng)
    assert sorted(dims.locations.location_id) == ["L1", "L2", "L3"]
    assert dims.locations[["latitude", "longitude"]].isna().all().all()
    assert len(count.statements) == 2  # the refused dimensions, the dimensions again


def test_the_counter_sees_what_the_app_sends(make_warehouse) -> None:
    """The counter is not blind: a statement sent is a statement counted."""
    eng = make_warehouse(name="counter")
    with counting() as count, eng.connect() as c:
        c.execute(sa.select(sa.literal(1)))
    assert len(count.statements) == 1
