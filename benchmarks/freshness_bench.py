"""What the rollup's freshness check and the per-use DuckDB connection cost.

    python -m benchmarks.freshness_bench --scale 1 [--postgres] [--repeats 5]

On the demo warehouse (scale 1 = about 1.05M survey responses), in one run:

- OLD CHECK: the previous freshness test, `count(*)` and `max(responded_on)` of the survey table.
- FINGERPRINT: `queries.sql.rollup.fingerprint_select` (per month: rows and integer sums of ids,
  scores and id x score), what `rollup.available` now compares with the stored one.
- RATIO: fingerprint / old check, both measured here, same warehouse, same load.
- DUCKDB POOL: the company page (`scorecard.build`, warm OS cache) with the engine the page now
  uses (a DuckDB file opened per use, NullPool) against a pooled read-only engine (the old one).

Medians of `--repeats`; the machine's load average is printed with the figures. The demo
warehouses are the page benchmark's (`benchmarks/page/warehouses.py`): a DuckDB file cached in
`--workdir`, a PostgreSQL database `cx_bench_s<scale>` dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.page import SEED
from benchmarks.page.warehouses import drop_postgres, ensure_duckdb, ensure_postgres
from queries import scope as sc
from queries import scorecard, targets
from queries.sql import rollup
from queries.sql.engine import make_engine
from queries.sql.schema import table


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _old_check(eng: sa.Engine) -> None:
    s = table("survey_responses")
    with eng.connect() as c:
        c.execute(sa.select(sa.func.count(), sa.func.max(s.c.responded_on))).one()


def _fingerprint(eng: sa.Engine) -> None:
    with eng.connect() as c:
        rollup._fingerprint(c)


def _page(eng: sa.Engine, dims: sc.Dims, month) -> None:
    scorecard.build(eng, dims, sc.Scope(), month, targets.load(), with_map=True)


def measure(url: str, repeats: int, label: str) -> None:
    eng = make_engine(url)
    with eng.connect() as c:
        rows = c.execute(sa.select(sa.func.count()).select_from(
            table("survey_responses"))).scalar_one()
    _old_check(eng)
    _fingerprint(eng)  # warm the OS cache for both
    old = _median(lambda: _old_check(eng), repeats)
    new = _median(lambda: _fingerprint(eng), repeats)
    print(f"{label}: {rows:,} responses; old check {old * 1000:.0f} ms, fingerprint "
          f"{new * 1000:.0f} ms, ratio {new / old:.1f}x (load {os.getloadavg()[0]:.1f})")
    if eng.dialect.name == "duckdb":
        from queries.sql.aggregate import freshness

        latest = freshness(eng)[1]
        month = scorecard.latest_complete_month(latest)
        dims = sc.load_dims(eng)
        pooled = sa.create_engine(url, connect_args={"read_only": True})
        _page(eng, dims, month)
        _page(pooled, dims, month)
        per_use = _median(lambda: _page(eng, dims, month), repeats)
        pool = _median(lambda: _page(pooled, dims, month), repeats)
        print(f"{label}: company page, file opened per use {per_use:.2f} s, pooled "
              f"{pool:.2f} s, ratio {per_use / pool:.2f}x (load {os.getloadavg()[0]:.1f})")
        pooled.dispose()
    eng.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--workdir", default=".bench")
    p.add_argument("--postgres", action="store_true", help="also on a PostgreSQL copy")
    p.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                   help="libpq URL of a database to CREATE/DROP the benchmark database from")
    args = p.parse_args()
    work = Path(args.workdir).resolve()
    work.mkdir(exist_ok=True)
    url, _ = ensure_duckdb(work, args.scale, SEED)
    print(f"uptime load average at start: {os.getloadavg()}")
    measure(url, args.repeats, f"DuckDB s{args.scale:g}")
    if args.postgres:
        pg, _ = ensure_postgres(args.pg_admin_url, args.scale, SEED)
        try:
            measure(pg, args.repeats, f"PostgreSQL s{args.scale:g}")
        finally:
            drop_postgres(args.pg_admin_url, args.scale)


if __name__ == "__main__":
    main()
