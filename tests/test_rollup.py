"""The monthly rollup gives exactly the numbers the raw rows give, and is never used stale."""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
import sqlalchemy as sa

from queries import scope as sc
from queries.sql import rollup
from queries.sql.aggregate import fetch
from queries.sql.engine import make_engine
from tests.fixture_warehouse import load_with_rollup


def test_rollup_matches_raw(make_warehouse):
    eng = make_warehouse(loader=load_with_rollup, name="rolled")
    start, stop = date(2025, 10, 1), date(2026, 11, 1)
    with eng.connect() as c:
        assert rollup.available(c)
    for scope in (sc.Scope(), sc.Scope(region="N"), sc.Scope(region="N", location="L1")):
        for by in ("child", "location", "none"):
            raw = fetch(eng, scope, start, stop, by=by, use_rollup=False)
            rolled = fetch(eng, scope, start, stop, by=by, use_rollup=True)
            pd.testing.assert_frame_equal(raw, rolled, check_dtype=False)


def _october_nps(eng) -> tuple[float, float]:
    """(valid answers, promoters) of the company in October, as the page fetches them."""
    df = fetch(eng, sc.Scope(), date(2026, 10, 1), date(2026, 11, 1), by="none")
    return float(df["nps__n"].iloc[0]), float(df["nps__pos"].iloc[0])


def test_stale_rollup_is_ignored(make_warehouse, monkeypatch):
    """What the page uses (`fetch` deciding through `available_cached`), not `available` alone."""
    eng = make_warehouse(loader=load_with_rollup, name="stale")
    url = eng.url.render_as_string(hide_password=False)
    # Fixture, October: 7 valid answers (10, 9, 7, 3, 10, 6, 8), promoters 10, 9, 10 -> 3.
    assert _october_nps(eng) == (7, 3)  # read from the fresh rollup (the check is now cached)
    eng.dispose()
    writer = sa.create_engine(url)
    with writer.begin() as c:  # a response arrives after the rollup was built: a 10 in October
        c.exec_driver_sql(
            "INSERT INTO survey_responses VALUES (99, 'L2', DATE '2026-10-31', 10, 9, 9, 9)")
    writer.dispose()
    # The check is cached for CHECK_TTL_S per warehouse; once that has passed, the page reads
    # the raw rows: 8 answers, 4 promoters (the stale rollup would still say 7 and 3).
    assert rollup.CHECK_TTL_S <= 60
    later = time.monotonic() + rollup.CHECK_TTL_S + 1
    monkeypatch.setattr(rollup.time, "monotonic", lambda: later)
    eng = make_engine(url)
    try:
        with eng.connect() as c:
            assert not rollup.available(c)
        assert _october_nps(eng) == (8, 4)
    finally:
        eng.dispose()


def test_rollup_from_an_older_version_is_ignored(make_warehouse):
    eng = make_warehouse(loader=load_with_rollup, name="old")
    writer = sa.create_engine(eng.url)
    eng.dispose()
    with writer.begin() as c:  # a rollup built before the count of 10s was a component
        c.exec_driver_sql(f"ALTER TABLE {rollup.ROLLUP} DROP COLUMN nps__tens")
    with writer.connect() as c:
        assert not rollup.available(c)
    writer.dispose()



def _altered(eng, *statements):
    """The warehouse's URL after `statements` ran on a writable engine (the fixture's is
    read-only, as the page's is)."""
    url = eng.url.render_as_string(hide_password=False)
    eng.dispose()
    writer = sa.create_engine(url)
    with writer.begin() as c:
        for statement in statements:
            if isinstance(statement, str):
                c.exec_driver_sql(statement)
            else:
                c.execute(statement)
    writer.dispose()
    return url


def test_a_rollup_built_before_its_layout_was_recorded_is_ignored(make_warehouse):
    """`available` reads the layout META records (no listing of tables or columns, issue 31):
    a rollup built before META had it is refused, and the page reads the raw rows, on the same
    connection (PostgreSQL refuses anything more in a failed transaction until rolled back)."""
    url = _altered(make_warehouse(loader=load_with_rollup, name="nolayout"),
                   f"ALTER TABLE {rollup.META} DROP COLUMN components")
    eng = make_engine(url)
    try:
        with eng.connect() as c:
            assert not rollup.available(c)
            assert c.execute(sa.select(sa.literal(1))).scalar_one() == 1
        rollup._checked.clear()
        assert _october_nps(eng) == (7, 3)  # the raw rows' figures (the fixture's October)
    finally:
        eng.dispose()


def test_a_layout_without_every_component_is_ignored(make_warehouse):
    """Recorded by a version that had fewer components: rebuild."""
    url = _altered(make_warehouse(loader=load_with_rollup, name="layout"),
                   sa.update(rollup.MT).values(components="responses__n,nps__n"))
    eng = make_engine(url)
    try:
        with eng.connect() as c:
            assert not rollup.available(c)
    finally:
        eng.dispose()


def test_no_rollup_is_one_refused_statement(make_warehouse):
    from benchmarks.roundtrips import counting

    eng = make_warehouse(name="norollup")
    with counting() as count, eng.connect() as c:
        assert not rollup.available(c)
        assert c.execute(sa.select(sa.literal(1))).scalar_one() == 1  # still usable
    assert len(count.statements) == 2, count.statements


def test_fingerprint_tokens_are_engine_neutral() -> None:
    """The stored and the live fingerprint compare as tokens: an engine's text of a sum ('123',
    '123.0', 'nan', 'NaN', 'Infinity') and a number give one token, so a rollup whose stored
    tokens were written by Python (before the live fingerprint came back as the warehouse's
    text) stays usable, and a changed sum never compares equal."""
    tok = rollup._token  # noqa: SLF001
    assert tok(123) == tok(123.0) == tok("123") == tok("123.0") == tok("1.23E2") == "123"
    assert tok(float("nan")) == tok("nan") == tok("NaN") == "NaN"
    assert tok(float("inf")) == tok("Infinity") == tok("inf") == "Infinity"
    assert tok("-Infinity") == "-Infinity" and tok(None) is None
    assert tok("12345678901234567") == "12345678901234567"  # exact beyond a double's 2^53
    assert tok("123.5") == "123.5" and tok("124") != tok("123")


def _old_token(v) -> str | None:
    """How builds before the one-statement check wrote a sum (Python's text of the number)."""
    if v is None:
        return None
    try:
        return str(int(v))
    except (ValueError, OverflowError):
        return str(v)


def test_a_fingerprint_stored_by_an_earlier_build_still_matches(make_warehouse):
    """Builds before the live fingerprint came back as the warehouse's text stored Python's text
    of each sum, by position: such a rollup stays usable, and a changed score still stales it."""
    eng = make_warehouse(loader=load_with_rollup, name="oldfp")
    url = eng.url.render_as_string(hide_password=False)
    eng.dispose()
    writer = sa.create_engine(url)
    with writer.begin() as c:
        old = c.execute(rollup.fingerprint_select()).all()
        c.execute(sa.delete(rollup.FT))
        c.execute(sa.insert(rollup.FT), [
            dict(zip(("month", *rollup.FP_COLUMNS), (r[0], *(_old_token(v) for v in r[1:])),
                     strict=True)) for r in old])
    writer.dispose()
    assert _available(url)
    _altered(make_engine(url), "UPDATE survey_responses SET nps_score = 9 WHERE nps_score = 10")
    assert not _available(url)


def _available(url: str) -> bool:
    eng = make_engine(url)
    try:
        with eng.connect() as c:
            return rollup.available(c)
    finally:
        eng.dispose()
