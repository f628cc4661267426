"""`python -m benchmarks.page`: the command line of the page benchmark (see the package's doc)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import ROOT, log
from benchmarks.page import SEED, VIEWS
from benchmarks.page import __doc__ as PAGE_DOC
from benchmarks.page.measure import (
    explain_company,
    machine_info,
    measure_spark,
    measure_warehouse,
    repeated,
)
from benchmarks.page.report import write_plans, write_report, write_spark_report
from benchmarks.page.warehouses import (
    drop_postgres,
    ensure_duckdb,
    ensure_postgres,
    ensure_spark,
)
from benchmarks.page.workers import worker_main

COMMAND = "python -m benchmarks.page"


def scales(text: str) -> list[float]:
    """"1,10" -> [1.0, 10.0]; blanks and zeros dropped ("" or "0" = none)."""
    return [float(x) for x in text.split(",") if x.strip() and float(x) > 0]


def names(text: str) -> list[str]:
    return [v for v in text.split(",") if v]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=COMMAND, description=PAGE_DOC.splitlines()[0])
    p.add_argument("--sizes", default="1,10", help="DuckDB demo scales (1 = ~1.05M responses)")
    p.add_argument("--postgres", default="1", help="PostgreSQL demo scales ('' or 0: none)")
    p.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                   help="libpq URL of a database to CREATE/DROP the benchmark databases from")
    p.add_argument("--keep-postgres", action="store_true", help="keep cx_bench_s* for reuse")
    p.add_argument("--workdir", default="/tmp/cx-bench", help="cache of demo DuckDB files")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--repeats", type=int, default=5, help="worker processes per cell")
    p.add_argument("--warm", type=int, default=1, help="warm builds per worker")
    p.add_argument("--views", default=",".join(VIEWS))
    p.add_argument("--naive-views", default="company")
    p.add_argument("--insights-repeats", type=int, default=3,
                   help="workers per cell that also time queries.insights.analyses (slow)")
    p.add_argument("--no-explain", action="store_true",
                   help="skip EXPLAIN ANALYZE (its plans go to plans.md in --workdir)")
    p.add_argument("--isolation", choices=("forkserver", "subprocess"), default="forkserver",
                   help="how each measurement gets its new process (see workers.run_worker)")
    p.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    p.add_argument("--plot", default=None, help="PNG path (default: beside --out)")
    p.add_argument("--from-json", default=None, help="rewrite the report from saved results")
    p.add_argument("--spark", default="",
                   help="only measure Spark at these demo scales (e.g. 1,10), against Spark's "
                        "own one-scan floor; needs scripts/spark-cluster start")
    p.add_argument("--spark-url", default="hive://127.0.0.1:10001/default",
                   help="the Spark Thrift server; databases cx_bench_s<scale> are kept there")
    p.add_argument("--spark-views", default="company")
    p.add_argument("--spark-out", default=str(ROOT / "docs" / "scale-out.md"),
                   help="the Markdown file whose spark_bench section is rewritten")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.views = names(args.views)
    args.naive_views = names(args.naive_views)
    args.spark_views = names(args.spark_views)
    return args


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def run_spark(args, cmd: str) -> int:
    """`--spark SIZES`: the page on Spark against Spark's floor; writes into --spark-out."""
    started = time.time()
    info = machine_info(None)
    limit = os.environ.get("CX_QUERY_TIMEOUT")
    results: dict = {
        "command": (f"CX_QUERY_TIMEOUT={limit} " if limit else "") + cmd,
        "repeats": args.repeats,
        "date": now_utc(),
        "machine_text": f"{info['nproc']} cores and {info['ram_gb']:g} GB shared by the client"
                        " and Spark 4.3 standalone (scripts/spark-cluster: 2 workers x 1 core"
                        " and 1 GB, Thrift server on 127.0.0.1)",
        "spark": [],
    }
    for scale in scales(args.spark):
        url, build_s = ensure_spark(args.spark_url, scale, args.seed)
        results["spark"].append(measure_spark(scale, url, build_s, args))
        Path(args.workdir, "spark_results.json").write_text(json.dumps(results, indent=1,
                                                                       default=str))
    out = Path(args.spark_out)
    print(write_spark_report(results, out))
    log(f"wrote {out} in {(time.time() - started) / 60:.1f} min")
    return 0


def run_warehouses(args, cmd: str, workdir: Path) -> dict:
    """Every DuckDB and PostgreSQL warehouse of the run, measured; the results as saved."""
    pg_scales = scales(args.postgres)
    results: dict = {
        "command": cmd, "repeats": args.repeats, "isolation": args.isolation,
        "seed": args.seed, "insights_repeats": args.insights_repeats, "date": now_utc(),
        "machine": machine_info(args.pg_admin_url if pg_scales else None),
        "warehouses": [], "explain": {},
    }
    log("process start-up and imports")
    results["startup"] = repeated({"kind": "startup"}, args)
    targets = [("duckdb", scale, ensure_duckdb(workdir, scale, args.seed)[0])
               for scale in scales(args.sizes)]
    try:
        for scale in pg_scales:
            targets.append(("postgresql", scale,
                            ensure_postgres(args.pg_admin_url, scale, args.seed)[0]))
        for backend, scale, url in targets:
            results["warehouses"].append(measure_warehouse(backend, scale, url, args))
            (workdir / "results.json").write_text(json.dumps(results, indent=1, default=str))
        if not args.no_explain:
            for backend in ("duckdb", "postgresql"):
                mine = [t for t in targets if t[0] == backend]
                if mine:
                    b, s, url = max(mine, key=lambda t: t[1])
                    log(f"EXPLAIN ANALYZE on {b} x{s:g}")
                    results["explain"][f"{b} x{s:g}"] = explain_company(url)
    finally:
        if not args.keep_postgres:
            for scale in pg_scales:
                try:
                    drop_postgres(args.pg_admin_url, scale)
                except Exception as exc:  # noqa: BLE001
                    log(f"could not drop the PostgreSQL database: {exc}")
    results["machine"]["loadavg_end"] = os.getloadavg()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(args.worker)
    out = Path(args.out)
    plot = Path(args.plot) if args.plot else out.with_suffix(".png")
    if args.from_json:
        write_report(json.loads(Path(args.from_json).read_text()), out, plot)
        return 0
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    cmd = " ".join([COMMAND, *(a if " " not in a else repr(a)
                               for a in (argv if argv is not None else sys.argv[1:]))])
    if args.spark:
        return run_spark(args, cmd)
    results = run_warehouses(args, cmd, workdir)
    results["elapsed_s"] = time.time() - started
    (workdir / "results.json").write_text(json.dumps(results, indent=1, default=str))
    write_report(results, out, plot)
    if results.get("explain"):
        write_plans(results, workdir / "plans.md")
        log(f"query plans in {workdir / 'plans.md'}")
    log(f"wrote {out} and {plot} in {results['elapsed_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
