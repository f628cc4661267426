"""One measurement in a fresh process: the page, the floor, the naive pandas page, start-up.

Each worker starts with the app's modules imported (like a running app process) but no engine,
connection, DuckDB instance or cache, so "cold" means what a new session on a new process pays.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks.common import ROOT
from benchmarks.page import FLOOR_SQL, ms_since

RESULT_TAG = "BENCH_RESULT "
# What the app process has imported before it draws a page (the SQLAlchemy dialects included).
PRELOAD = ["numpy", "pandas", "sqlalchemy", "duckdb", "duckdb_sqlalchemy", "psycopg",
           "streamlit", "queries.sql.aggregate", "queries.sql.rollup", "queries.scorecard",
           "queries.scope", "queries.sql.engine", "queries.targets", "queries.evaluate"]


def maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def pick_scope(dims, view: str):
    """Company; the region with most locations; that region's first location (by id)."""
    from queries.scope import Scope

    if view == "company":
        return Scope()
    counts = dims.locations.groupby("region_id").size().sort_index()
    region = str(counts.idxmax())
    if view == "region":
        return Scope(region=region)
    loc = dims.locations[dims.locations.region_id == region].location_id.sort_values().iloc[0]
    return Scope(region=region, location=str(loc))


def page_numbers(card) -> dict:
    """The numbers a page shows (tiles, league table, map), to check both paths agree."""
    out = {f"m:{k}": r.value for k, r in card.metrics.items()}
    kids = card.children
    if kids is not None and len(kids):
        for k, m, v in zip(kids["key"], kids["metric"], kids["value"], strict=True):
            out[f"c:{k}:{m}"] = None if v != v else float(v)
    pts = card.map_points
    if pts is not None and len(pts):
        for k, v in zip(pts["location_id"], pts["value"], strict=True):
            out[f"p:{k}"] = None if v != v else float(v)
    return out


def same_numbers(a: dict, b: dict, rel: float = 1e-6) -> bool:
    if a.keys() != b.keys():
        return False
    for k, x in a.items():
        y = b[k]
        if (x is None) != (y is None):
            return False
        if x is not None and abs(x - y) > rel * max(1.0, abs(x), abs(y)):
            return False
    return True


def worker_startup(job: dict) -> dict:
    """A new interpreter importing what the app process imports: start-up and baseline memory."""
    import importlib

    entered = time.time()
    t0 = time.perf_counter()
    for name in PRELOAD:
        importlib.import_module(name)
    return {"startup_ms": (entered - job["spawned"]) * 1000, "import_ms": ms_since(t0),
            "rss_after_import_mb": maxrss_mb()}


def worker_page(job: dict) -> dict:
    """The whole page cold, warm and from the page's cache; then the insights (job["insights"])."""
    import logging

    import streamlit as st

    from queries import scope as sc
    from queries import scorecard, targets
    from queries.insights import analyses
    from queries.sql import aggregate, rollup
    from queries.sql.engine import make_engine

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    out: dict = {"rss_start_mb": maxrss_mb()}
    raw_path = job["path"] == "raw"

    # Time spent inside the query layer's SQL round trips (fetch) and the rollup freshness check:
    # both wrapped in timers in this worker only; the raw path turns the rollup off.
    timers = {"fetch_ms": 0.0, "fetch_calls": 0, "available_ms": 0.0}
    real_fetch, real_available = aggregate.fetch, rollup.available

    def timed_fetch(*a, **k):
        if raw_path:
            k["use_rollup"] = False
        t = time.perf_counter()
        try:
            return real_fetch(*a, **k)
        finally:
            timers["fetch_ms"] += ms_since(t)
            timers["fetch_calls"] += 1

    def timed_available(*a, **k):
        t = time.perf_counter()
        try:
            return real_available(*a, **k)
        finally:
            timers["available_ms"] += ms_since(t)

    rollup.available = timed_available
    aggregate.fetch = timed_fetch

    t = time.perf_counter()
    engine = make_engine(job["url"])
    dims = sc.load_dims(engine)
    latest = aggregate.freshness(engine)[1]
    month = scorecard.latest_complete_month(latest)
    tg = targets.load()
    scope = pick_scope(dims, job["view"])
    out["setup_ms"] = ms_since(t)
    out |= {"month": month.isoformat(), "region": scope.region, "location": scope.location}

    def build():
        return scorecard.build(engine, dims, scope, month, tg, latest, with_map=True)

    def reset():
        timers.update(fetch_ms=0.0, fetch_calls=0, available_ms=0.0)

    t = time.perf_counter()
    card = build()
    out["cold_ms"] = ms_since(t)
    out |= {f"cold_{k}": v for k, v in timers.items()}
    out["responses"] = card.responses
    out["numbers"] = page_numbers(card)
    warm = []
    for _ in range(job["warm"]):
        reset()
        t = time.perf_counter()
        build()
        warm.append(ms_since(t))
    out["warm_ms"] = statistics.median(warm)
    out |= {f"warm_{k}": v for k, v in timers.items()}

    # The page's cache: st.cache_data keyed by url, scope, month and access (a Scope and a date,
    # as dashboard/data.py passes them). Its body is never what a hit costs, so it hands back the
    # card built above instead of building a third time; the miss then times only what the cache
    # adds (hashing the key, pickling the card).
    @st.cache_data(ttl=300, show_spinner=False)
    def cached_card(_engine, url: str, scope, month, allowed: str):
        return card

    key = (job["url"], scope, month, "all")
    t = time.perf_counter()
    cached_card(engine, *key)
    out["cache_store_ms"] = ms_since(t)
    hits = []
    for _ in range(max(5, job["warm"])):
        t = time.perf_counter()
        hit = cached_card(engine, *key)
        hits.append(ms_since(t))
    assert hit is not card and hit.responses == card.responses  # a real (unpickled) copy
    out["cache_hit_ms"] = statistics.median(hits)
    out["maxrss_page_mb"] = maxrss_mb()

    if job.get("insights"):
        try:
            reset()
            t = time.perf_counter()
            analyses(engine, dims, scope, month, tg)
            out["insights_cold_ms"] = ms_since(t)
            out["insights_fetch_ms"] = timers["fetch_ms"]
            if job.get("insights_warm"):
                t = time.perf_counter()
                analyses(engine, dims, scope, month, tg)
                out["insights_warm_ms"] = ms_since(t)
        except Exception as exc:  # noqa: BLE001 - reported, never fatal
            out["insights_error"] = f"{type(exc).__name__}: {exc}"[:300]
        out["maxrss_insights_mb"] = maxrss_mb()

    with engine.connect() as conn:
        out["rollup_used"] = not raw_path and bool(real_available(conn))
    engine.dispose()
    return out


def worker_floor(job: dict) -> dict:
    """One aggregate over every survey row: what a single scan of the table costs here."""
    import sqlalchemy as sa

    from queries.sql.engine import make_engine

    engine = make_engine(job["url"])
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1")).all()
        t = time.perf_counter()
        row = conn.execute(sa.text(FLOOR_SQL)).one()
        cold = ms_since(t)
        warm = []
        for _ in range(job["warm"]):
            t = time.perf_counter()
            conn.execute(sa.text(FLOOR_SQL)).one()
            warm.append(ms_since(t))
    engine.dispose()
    return {"cold_ms": cold, "warm_ms": statistics.median(warm), "rows": int(row[0]),
            "maxrss_mb": maxrss_mb()}


def naive_aggregate(raw, locations, view: str):
    """NPS, ACSI-style index (equal weights) and counts per month and per child, in pandas."""
    import pandas as pd

    raw = raw.sort_values(["response_id", "responded_on", "location_id"])
    raw = raw.drop_duplicates("response_id")  # duplicates count once, as the contract says
    raw["month"] = pd.to_datetime(raw["responded_on"]).dt.to_period("M")
    nps = raw["nps_score"].where(raw["nps_score"].between(0, 10))
    raw["nps_n"] = nps.notna()
    raw["nps_pos"] = nps >= 9
    raw["nps_neg"] = nps <= 6
    items = ["sat_overall", "sat_expectations", "sat_ideal"]
    for col in items:
        raw[col] = raw[col].where(raw[col].between(1, 10))
    if view == "company":
        raw = raw.merge(locations[["location_id", "region_id"]], on="location_id", how="left")
        raw["child"] = raw["region_id"]
    else:
        raw["child"] = raw["location_id"]

    def summarise(groups) -> pd.DataFrame:
        agg = groups.agg(responses=("response_id", "size"), nps_n=("nps_n", "sum"),
                         pos=("nps_pos", "sum"), neg=("nps_neg", "sum"),
                         **{c: (c, "mean") for c in items})
        agg["nps"] = 100 * (agg["pos"] - agg["neg"]) / agg["nps_n"].where(agg["nps_n"] > 0)
        agg["acsi"] = (agg[items].sum(axis=1) - 3) / 27 * 100
        return agg

    return summarise(raw.groupby("month")), summarise(raw.groupby(["child", "month"]))


def worker_naive(job: dict) -> dict:
    """The survey part of the page the naive way: read the raw rows, aggregate in pandas."""
    import pandas as pd
    import sqlalchemy as sa

    from queries import scope as sc
    from queries import scorecard
    from queries.months import add_months
    from queries.sql import aggregate
    from queries.sql.engine import make_engine

    engine = make_engine(job["url"])
    dims = sc.load_dims(engine)
    month = scorecard.latest_complete_month(aggregate.freshness(engine)[1])
    scope = pick_scope(dims, job["view"])
    start = add_months(month, -(scorecard.TREND_MONTHS - 1))
    stop = add_months(month, 1)
    sql = ("SELECT response_id, location_id, responded_on, nps_score, sat_overall, "
           "sat_expectations, sat_ideal FROM survey_responses "
           "WHERE responded_on >= :start AND responded_on < :stop")
    params: dict = {"start": start, "stop": stop}
    if scope.level == "region":
        sql += " AND location_id IN (SELECT location_id FROM locations WHERE region_id = :r)"
        params["r"] = scope.region
    elif scope.level == "location":
        sql += " AND location_id = :l"
        params["l"] = scope.location
    rss0 = maxrss_mb()
    t0 = time.perf_counter()
    with engine.connect() as conn:
        raw = pd.read_sql(sa.text(sql), conn, params=params)
    read = ms_since(t0)
    t = time.perf_counter()
    totals, children = naive_aggregate(raw, dims.locations, job["view"])
    out = {"read_ms": read, "agg_ms": ms_since(t), "total_ms": ms_since(t0), "rows": len(raw),
           "children": len(children), "rss_before_mb": rss0, "maxrss_mb": maxrss_mb()}
    engine.dispose()
    return out


WORKERS = {"page": worker_page, "floor": worker_floor, "naive": worker_naive,
           "startup": worker_startup}
_forkserver = None


def _child(job: dict, conn) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)  # DuckDB draws progress bars on long queries
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        conn.send(WORKERS[job["kind"]](job))
    except BaseException:  # noqa: BLE001 - the parent reports it
        import traceback

        conn.send({"error": traceback.format_exc()})
    finally:
        conn.close()


def run_worker(job: dict, isolation: str = "forkserver") -> dict:
    """Run one measurement in a new process and return its figures.

    forkserver (default): a server process imports PRELOAD once and forks a fresh child per
    measurement, so the child starts with the app's modules imported but no engine, connection,
    DuckDB instance or cache. subprocess: a new interpreter per measurement (imports included,
    about 2.5 s more each). Start-up and imports are measured separately by the "startup" job.
    """
    global _forkserver
    job = {**job, "spawned": time.time()}
    if isolation == "subprocess" or job["kind"] == "startup":
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.page", "--worker", json.dumps(job)],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=600,
        )
        for line in reversed(proc.stdout.splitlines()):
            if line.startswith(RESULT_TAG):
                return json.loads(line[len(RESULT_TAG):])
        raise RuntimeError(f"worker {job['kind']} failed ({proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}")
    import multiprocessing as mp

    if _forkserver is None:
        _forkserver = mp.get_context("forkserver")
        _forkserver.set_forkserver_preload(PRELOAD)
    recv, send = _forkserver.Pipe(duplex=False)
    proc = _forkserver.Process(target=_child, args=(job, send))
    proc.start()
    send.close()
    try:
        if not recv.poll(600):
            proc.kill()
            raise RuntimeError(f"worker {job['kind']} timed out")
        res = recv.recv()
    finally:
        proc.join(60)
    if "error" in res:
        raise RuntimeError(f"worker {job['kind']} failed:\n{res['error']}")
    return res


def worker_main(job_json: str) -> int:
    """`--worker JOB`: run one job in this interpreter and print its figures for the parent."""
    job = json.loads(job_json)
    print(RESULT_TAG + json.dumps(WORKERS[job["kind"]](job), default=str), flush=True)
    return 0
