"""How many statements a cold view sends to the warehouse, per engine (issue 31).

On Spark every statement is a scheduled job (0.2-1 s on tiny data) and on the cloud warehouses a
network round trip, often a billed query: the count, not the data, sets a cold view's time.
Counted with SQLAlchemy's `before_cursor_execute` event (every statement the app sends, the
dialect's own SHOW TABLES / DESCRIBE included), plus the pool's liveness pings (`do_ping`, which
bypasses that event) and new connections (on Spark each opens a Thrift session: `USE` and the
`SET` of its time limit, sent on the raw connection).

    python -m benchmarks.roundtrips [--pg URL]    # DuckDB always; PostgreSQL with --pg

Prints figures; no timing, nothing asserted (tests/test_roundtrips.py asserts the ceilings).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine.default import DefaultDialect

from benchmarks.common import git_commit

OCT = date(2026, 10, 1)


@dataclass
class Count:
    """Statements, pings and new connections seen while the counter was open."""

    statements: list[str] = field(default_factory=list)
    pings: int = 0
    connects: int = 0

    @property
    def kinds(self) -> Tally:
        """Statements by their first word (SELECT, SHOW, DESCRIBE, ...)."""
        return Tally((s.split() or ["?"])[0].upper() for s in self.statements)

    def __str__(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items()))
        return (f"{len(self.statements):>3} statements ({kinds}), {self.pings} pings, "
                f"{self.connects} new connections")


@contextlib.contextmanager
def counting() -> Iterator[Count]:
    """Count every statement, pool ping and new connection of every engine in the process."""
    out = Count()

    def statement(_conn, _cursor, text, _params, _context, _many) -> None:
        out.statements.append(str(text).strip())

    def connect(_dbapi_conn, _record) -> None:
        out.connects += 1

    real_ping = DefaultDialect._do_ping_w_event

    def ping(self, dbapi_connection) -> bool:
        out.pings += 1
        return real_ping(self, dbapi_connection)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", statement)
    sa.event.listen(sa.pool.Pool, "connect", connect)
    DefaultDialect._do_ping_w_event = ping  # type: ignore[method-assign]
    try:
        yield out
    finally:
        DefaultDialect._do_ping_w_event = real_ping  # type: ignore[method-assign]
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", statement)
        sa.event.remove(sa.pool.Pool, "connect", connect)


def cold_metrics(url: str, region: str | None = None, location: str | None = None) -> Count:
    """A cold `cx-scorecard metrics` (new process state: no cache of any kind), its output
    discarded."""
    from cli.main import main
    from queries.sql import identity, rollup

    identity.forget()
    rollup._checked.clear()
    argv = ["metrics", "--url", url, "--month", "2026-10"]
    argv += ["--region", region] if region else []
    argv += ["--location", location] if location else []
    with counting() as c, contextlib.redirect_stdout(None):
        main(argv)
    return c


def warehouse_facts(engine: sa.Engine) -> tuple[Count, tuple]:
    """What the page asks once per warehouse freshness (the cache rule: dimensions, date range,
    "is the rollup usable?"), counted from cold; returns the count and (dims, latest)."""
    from queries import scope as sc
    from queries.sql import aggregate, identity, rollup

    identity.forget()
    rollup._checked.clear()
    with counting() as c, engine.connect() as conn:
        dims = sc.load_dims(engine)
        latest = aggregate.freshness(engine)[1]
        rollup.available_cached(engine, conn)
    return c, (dims, latest)


VIEWS = (("company", None, None), ("region N", "N", None), ("location L1", None, "L1"))


def cold_view(engine: sa.Engine, facts: tuple, region: str | None = None,
              location: str | None = None) -> Count:
    """One view through the query layer as the page builds it on a cache miss (the company map
    comes from the league rows), the warehouse's facts already known."""
    from queries import scope as sc
    from queries import scorecard, targets

    dims, latest = facts
    scope = sc.resolve(dims, region, location)
    with counting() as c:
        scorecard.build(engine, dims, scope, OCT, targets.load(), latest,
                        with_map=scope.level != "company")
    return c


def report(name: str, url: str) -> None:
    from queries.sql.engine import make_engine

    print(f"\n{name}")
    for label, region, location in VIEWS:
        print(f"  cold `cx-scorecard metrics` {label:<12}{cold_metrics(url, region, location)}")
    eng = make_engine(url)
    try:
        count, facts = warehouse_facts(eng)
        print(f"  page, once per freshness    {'facts':<12}{count}")
        for label, region, location in VIEWS:
            print(f"  page, a view's cache miss   {label:<12}"
                  f"{cold_view(eng, facts, region, location)}")
    finally:
        eng.dispose()


def main(argv: list[str] | None = None) -> None:
    from tests import fixture_warehouse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", help="an empty PostgreSQL database's URL (its tables are replaced)")
    ap.add_argument("--spark", help="a Spark Thrift database's URL (hive://host:port/db)")
    args = ap.parse_args(argv)
    print(f"Statements per cold view on the fixture warehouse ({git_commit('queries', 'cli')})")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"duckdb:///{Path(tmp) / 'fixture.duckdb'}"
        writer = sa.create_engine(url)
        fixture_warehouse.load_with_rollup(writer)
        writer.dispose()
        report("DuckDB (rollup built)", url)
    for name, target in (("PostgreSQL", args.pg), ("Spark", args.spark)):
        if target:
            writer = sa.create_engine(target)
            fixture_warehouse.load_with_rollup(writer)
            writer.dispose()
            report(f"{name} (rollup built)", target)


if __name__ == "__main__":
    main()
