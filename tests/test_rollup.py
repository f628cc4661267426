"""The monthly rollup gives exactly the numbers the raw rows give, and is never used stale."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from queries import rollup
from queries import scope as sc
from queries.aggregate import fetch


def _with_rollup(engine, rows=None):
    from tests.fixture_warehouse import load

    load(engine, rows)
    rollup.build(engine)


def test_rollup_matches_raw(make_warehouse):
    eng = make_warehouse(loader=_with_rollup, name="rolled")
    start, stop = date(2025, 10, 1), date(2026, 11, 1)
    with eng.connect() as c:
        assert rollup.available(c)
    for scope in (sc.Scope(), sc.Scope(region="N"), sc.Scope(region="N", location="L1")):
        for by in ("child", "location", "none"):
            raw = fetch(eng, scope, start, stop, by=by, use_rollup=False)
            rolled = fetch(eng, scope, start, stop, by=by, use_rollup=True)
            pd.testing.assert_frame_equal(raw, rolled, check_dtype=False)


def test_stale_rollup_is_ignored(make_warehouse, tmp_path):
    eng = make_warehouse(loader=_with_rollup, name="stale")
    writer = sa.create_engine(eng.url)
    eng.dispose()
    with writer.begin() as c:  # a response arrives after the rollup was built
        c.exec_driver_sql(
            "INSERT INTO survey_responses VALUES (99, 'L2', DATE '2026-10-31', 10, 9, 9, 9)")
    with writer.connect() as c:
        assert not rollup.available(c)
    writer.dispose()


def test_rollup_from_an_older_version_is_ignored(make_warehouse):
    eng = make_warehouse(loader=_with_rollup, name="old")
    writer = sa.create_engine(eng.url)
    eng.dispose()
    with writer.begin() as c:  # a rollup built before the count of 10s was a component
        c.exec_driver_sql(f"ALTER TABLE {rollup.ROLLUP} DROP COLUMN nps__tens")
    with writer.connect() as c:
        assert not rollup.available(c)
    writer.dispose()
