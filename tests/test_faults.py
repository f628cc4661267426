"""Fault injection at the query layer: every failure becomes a clear message, on both engines."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from queries import scope as sc
from queries import scorecard, targets
from queries.sql.aggregate import fetch, freshness
from queries.sql.check import check
from queries.sql.engine import WarehouseTimeout, execute, explain, make_engine
from tests import fixture_warehouse as fw

OCT = date(2026, 10, 1)


def _build(engine):
    dims = sc.load_dims(engine)
    return scorecard.build(engine, dims, sc.Scope(), OCT, targets.load())


def test_unreachable_at_start_is_explained():
    url = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    eng = make_engine(url)
    with pytest.raises(sa.exc.OperationalError) as info:
        _build(eng)
    msg = explain(info.value, url)
    assert msg.startswith("The warehouse at postgresql+psycopg://postgres@127.0.0.1:1/test is "
                          "unreachable")


def _drop_column(engine, rows=None):
    fw.load(engine, rows)
    with engine.begin() as c:
        c.exec_driver_sql("ALTER TABLE loyalty_monthly DROP COLUMN referred_new_customers")


def test_missing_column_names_the_problem(make_warehouse):
    eng = make_warehouse(loader=_drop_column, name="nocol")
    with pytest.raises(sa.exc.DBAPIError) as info:
        _build(eng)
    msg = explain(info.value, str(eng.url))
    assert "does not match the contract" in msg and "cx-scorecard check" in msg
    assert "referred_new_customers" in msg
    assert check(eng).problems == ["loyalty_monthly: missing column referred_new_customers"]


def _wrong_type(engine, rows=None):
    fw.load(engine, rows)
    with engine.begin() as c:
        c.exec_driver_sql("ALTER TABLE survey_responses DROP COLUMN responded_on")
        c.exec_driver_sql("ALTER TABLE survey_responses ADD COLUMN responded_on VARCHAR(20)")


def test_wrong_type_is_reported(make_warehouse):
    eng = make_warehouse(loader=_wrong_type, name="wrongtype")
    rep = check(eng)
    assert not rep.ok
    assert any(p.startswith("survey_responses.responded_on: type") and "date is expected" in p
               for p in rep.problems)


def _empty(engine, rows=None):
    fw.load(engine, {name: [] for name in fw.ROWS})


def test_empty_warehouse_gives_no_data_not_a_crash(make_warehouse):
    eng = make_warehouse(loader=_empty, name="empty")
    assert freshness(eng) == (None, None)
    assert scorecard.latest_complete_month(None) is None
    card = _build(eng)
    assert not card.has_data and card.children.empty and card.movers == []
    # The tables match the contract, but an empty warehouse must not "pass" (issue 25)
    problems = check(eng).problems
    assert len(problems) == 1 and problems[0].startswith("the warehouse holds no data")


def test_location_with_no_responses(warehouse):
    dims = sc.load_dims(warehouse)
    # L3 has monthly rows in October but its only response is ... in October; September has none
    card = scorecard.build(warehouse, dims, sc.Scope(region="S", location="L3"),
                           date(2026, 9, 1), targets.load())
    assert card.metrics["nps"].value is None and card.metrics["nps"].status == "no_data"
    assert card.metrics["responses"].value is None


def test_slow_query_times_out_with_a_message(warehouse):
    heavy = "SELECT sum((i * j) % 7) FROM range(1000000000) t(i), range(1000) u(j)"
    if warehouse.dialect.name == "postgresql":
        heavy = "SELECT pg_sleep(5)"
    elif warehouse.dialect.name == "hive":  # Spark: the server cancels at the session's limit
        heavy = "SELECT sum((i.id * j.id) % 7) FROM range(100000000000) i, range(1000) j"
    limit = 1 if warehouse.dialect.name == "postgresql" else 2
    if warehouse.dialect.name != "duckdb":  # the server's own limit is set when connecting
        eng = make_engine(str(warehouse.url.render_as_string(hide_password=False)),
                          timeout_s=limit)
    else:
        eng = warehouse
    with eng.connect() as c:
        with pytest.raises(WarehouseTimeout, match="did not answer within"):
            execute(c, sa.text(heavy), timeout_s=0.3 if eng is warehouse else limit)
        # the connection is usable again afterwards
        assert c.execute(sa.text("SELECT 1")).scalar_one() == 1
    if eng is not warehouse:
        eng.dispose()


@pytest.mark.postgres
def test_connection_lost_mid_session_recovers(pg_databases):
    url = pg_databases.create()
    writer = sa.create_engine(url)
    fw.load(writer)
    writer.dispose()
    eng = make_engine(url)
    first = _build(eng).metrics["nps"].value
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:  # the server drops every other session of this database
        c.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    admin.dispose()
    assert _build(eng).metrics["nps"].value == first  # pre-ping reconnects; no error
    eng.dispose()


def test_fetch_is_read_only(warehouse):
    with warehouse.connect() as c, pytest.raises(sa.exc.DBAPIError):
        c.execute(sa.text("DELETE FROM regions"))
    # nothing was lost
    assert len(fetch(warehouse, sc.Scope(), OCT, date(2026, 11, 1), by="child")) == 2
