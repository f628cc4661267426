"""Repetitions and medians per cell, the query plans behind the figures, and the machine they
were measured on (a figure means little without its load average)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

from benchmarks.common import git_commit, log
from benchmarks.page import FLOOR_SQL, PATHS, ms_since
from benchmarks.page.report import number
from benchmarks.page.warehouses import pg_admin
from benchmarks.page.workers import run_worker, same_numbers


def medians(rows: list[dict]) -> dict:
    """Per key, the median of the numeric figures (with min and max of the cold time) or the
    first value of the others, over the repetitions of one cell."""
    out: dict = {"repeats": len(rows)}
    for k in rows[0]:
        vals = [r[k] for r in rows if k in r]
        if vals and all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
            out[k] = statistics.median(vals)
            if k in ("cold_ms", "total_ms"):
                out[f"{k}_min"], out[f"{k}_max"] = min(vals), max(vals)
        else:
            out[k] = vals[0] if vals else None
    return out


def repeated(job: dict, args) -> dict:
    """`args.repeats` fresh processes of one job, as medians."""
    return medians([run_worker(job, args.isolation) for _ in range(args.repeats)])


def interleaved_pages(url: str, view: str, paths: list[str], args, insights: bool) -> dict:
    """Per path, the medians of `args.repeats` page workers, the paths taking turns (A B A B ...)
    so a change of load on the shared machine hits every path alike; `same_numbers` says
    whether every path showed the first path's numbers."""
    rows: dict[str, list[dict]] = {p: [] for p in paths}
    for i in range(args.repeats):
        for path in paths:
            job = {"kind": "page", "url": url, "path": path, "view": view, "warm": args.warm,
                   "insights": insights and i < args.insights_repeats,
                   "insights_warm": path == "rollup"}
            rows[path].append(run_worker(job, args.isolation))
    ref = rows[paths[0]][0]["numbers"]
    out = {}
    for path in paths:
        same = all(same_numbers(ref, r.pop("numbers")) for r in rows[path])
        out[path] = medians(rows[path]) | {"same_numbers": same}
    return out


def measure_pages(backend: str, scale: float, url: str, views: list[str], args,
                  insights: bool) -> dict:
    """The floor, then every view on both paths, on one warehouse."""
    res: dict = {"backend": backend, "scale": scale, "pages": {}}
    log(f"{backend} x{scale:g}: floor")
    res["floor"] = repeated({"kind": "floor", "url": url, "warm": args.warm}, args)
    for view in views:
        for path, r in interleaved_pages(url, view, list(PATHS), args, insights).items():
            res["pages"][f"{path}/{view}"] = r
            log(f"{backend} x{scale:g} {path:6s} {view:8s} cold {r['cold_ms']:7.0f} ms  "
                f"warm {r['warm_ms']:7.0f} ms  hit {r['cache_hit_ms']:4.1f} ms  "
                f"rss {r['maxrss_page_mb']:4.0f} MB  floor {res['floor']['cold_ms']:7.0f} ms  "
                f"insights {number(r.get('insights_cold_ms'))} ms"
                + ("" if r["same_numbers"] else "  DIFFERENT NUMBERS"))
    res["rows"] = res["floor"]["rows"]
    return res


def measure_warehouse(backend: str, scale: float, url: str, args) -> dict:
    """The pages (with insights) and the naive page, on a DuckDB or PostgreSQL warehouse."""
    res = measure_pages(backend, scale, url, args.views, args, insights=True) | {"naive": {}}
    for view in args.naive_views:
        r = repeated({"kind": "naive", "url": url, "view": view}, args)
        res["naive"][view] = r
        log(f"{backend} x{scale:g} naive  {view:8s} {r['total_ms']:8.0f} ms  "
            f"rss {r['maxrss_mb']:4.0f} MB")
    return res


def measure_spark(scale: float, url: str, build_s: float, args) -> dict:
    """Spark's one-scan floor and the page (no insights) in the same run, with the load."""
    start = os.getloadavg()
    res = measure_pages("spark", scale, url, args.spark_views, args, insights=False)
    return res | {"build_s": build_s, "loadavg_start": start, "loadavg_end": os.getloadavg()}


def explain_company(url: str) -> dict:
    """EXPLAIN ANALYZE of the company view's survey queries (raw and rollup) and the floor."""
    import sqlalchemy as sa

    from queries import scorecard
    from queries.months import add_months
    from queries.scope import Scope
    from queries.sql import aggregate, rollup
    from queries.sql.engine import make_engine

    engine = make_engine(url)
    month = scorecard.latest_complete_month(aggregate.freshness(engine)[1])
    start = add_months(month, -(scorecard.TREND_MONTHS - 1))
    stop = add_months(month, 1)
    stmts = {
        "raw survey query (by region, 13 months)":
            aggregate.survey_select(Scope(), start, stop, "child"),
        "rollup survey query (by region, 13 months)":
            rollup.rollup_select(Scope(), start, stop, "child"),
        "rollup freshness check (count and max over the raw table)":
            sa.select(sa.func.count(), sa.func.max(sa.column("responded_on")))
            .select_from(sa.table("survey_responses")),
    }
    out = {}
    with engine.connect() as conn:
        sqls = {label: str(stmt.compile(dialect=engine.dialect,
                                        compile_kwargs={"literal_binds": True}))
                for label, stmt in stmts.items()} | {"floor": FLOOR_SQL}
        for label, sql in sqls.items():
            t = time.perf_counter()
            rows = conn.exec_driver_sql(f"EXPLAIN ANALYZE {sql}").all()
            ms = ms_since(t)
            text = "\n".join(str(r[-1]) for r in rows)
            out[label] = {"sql": sql, "plan": text, "ms": ms}
    engine.dispose()
    return out


def machine_info(pg_admin_url: str | None) -> dict:
    """Cores, CPU, memory, versions, load average and commit, for the report's header."""
    import duckdb
    import pandas
    import sqlalchemy

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                  if x.startswith("MemTotal"))
    info = {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1024**2, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__,
            "pandas": pandas.__version__, "sqlalchemy": sqlalchemy.__version__,
            "os": platform.platform(), "loadavg_start": os.getloadavg(),
            "git": git_commit("queries", "sample_data")}
    if pg_admin_url:
        try:
            with pg_admin(pg_admin_url) as c:
                info["postgresql"] = c.execute("SHOW server_version").fetchone()[0]
        except Exception as exc:  # noqa: BLE001
            info["postgresql"] = f"unavailable ({exc})"
    return info
