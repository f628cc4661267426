"""The demo warehouse at a given scale on each engine, built once and reused while its scale,
seed (and DuckDB version) match: building 10M responses takes minutes, measuring seconds."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchmarks.common import log


def scale_tag(scale: float) -> str:
    """The scale as a name part: 0.5 -> "0_5"."""
    return f"{scale:g}".replace(".", "_")


def bench_database(scale: float) -> str:
    return f"cx_bench_s{scale_tag(scale)}"


def build_demo(url: str, scale: float, seed: int) -> dict:
    from sample_data.load import build_demo_with_rollup

    return build_demo_with_rollup(url, scale=scale, seed=seed, progress=False)


def ensure_duckdb(workdir: Path, scale: float, seed: int) -> tuple[str, float]:
    """The cached demo file for (scale, seed), built (with its rollup) if absent."""
    import duckdb

    path = workdir / f"demo_s{scale_tag(scale)}_seed{seed}.duckdb"
    marker = path.with_suffix(".json")
    want = {"scale": scale, "seed": seed, "duckdb": duckdb.__version__}
    if path.exists() and marker.exists():
        have = json.loads(marker.read_text())
        if all(have.get(k) == v for k, v in want.items()):
            log(f"reusing {path}")
            return f"duckdb:///{path}", have.get("build_s", float("nan"))
    log(f"building DuckDB demo scale {scale:g} at {path}")
    t = time.perf_counter()
    counts = build_demo(f"duckdb:///{path}", scale, seed)
    build_s = time.perf_counter() - t
    marker.write_text(json.dumps({**want, "build_s": build_s, "counts": counts}))
    return f"duckdb:///{path}", build_s


def pg_admin(admin_url: str):
    """An autocommit libpq connection for CREATE/DROP DATABASE."""
    import psycopg

    return psycopg.connect(admin_url, autocommit=True, connect_timeout=5)


def ensure_postgres(admin_url: str, scale: float, seed: int) -> tuple[str, float]:
    """A throwaway database cx_bench_s<scale> holding the demo and its rollup."""
    import psycopg
    import sqlalchemy as sa

    name = bench_database(scale)
    base = sa.engine.make_url(admin_url)
    url = base.set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    with pg_admin(admin_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    if exists:
        try:
            with psycopg.connect(base.set(database=name).render_as_string(False)) as c:
                row = c.execute("SELECT scale, seed, build_s FROM cx_bench_info").fetchone()
            if row and float(row[0]) == scale and int(row[1]) == seed:
                log(f"reusing PostgreSQL database {name}")
                return url, float(row[2])
        except psycopg.Error:
            pass
    log(f"building PostgreSQL demo scale {scale:g} in database {name}")
    t = time.perf_counter()
    build_demo(url, scale, seed)
    build_s = time.perf_counter() - t
    with psycopg.connect(base.set(database=name).render_as_string(False), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS cx_bench_info")
        c.execute("CREATE TABLE cx_bench_info (scale float, seed int, build_s float)")
        c.execute("INSERT INTO cx_bench_info VALUES (%s, %s, %s)", (scale, seed, build_s))
    return url, build_s


def drop_postgres(admin_url: str, scale: float) -> None:
    name = bench_database(scale)
    with pg_admin(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    log(f"dropped PostgreSQL database {name}")


def ensure_spark(admin_url: str, scale: float, seed: int) -> tuple[str, float]:
    """A Spark database cx_bench_s<scale> holding the demo (parquet tables) and its rollup."""
    import sqlalchemy as sa

    from queries.sql.engine import make_engine

    name = bench_database(scale)
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(False)
    admin = make_engine(admin_url, read_only=False)
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS {name}")
    finally:
        admin.dispose()
    eng = make_engine(url, read_only=False)
    try:
        with eng.connect() as c:
            if sa.inspect(c).has_table("cx_bench_info"):
                row = c.exec_driver_sql("SELECT scale, seed, build_s FROM cx_bench_info").first()
                if row and float(row[0]) == scale and int(row[1]) == seed:
                    log(f"reusing Spark database {name}")
                    return url, float(row[2])
        log(f"building Spark demo scale {scale:g} in database {name}")
        t = time.perf_counter()
        build_demo(url, scale, seed)
        build_s = time.perf_counter() - t
        with eng.connect() as c:
            c.exec_driver_sql("DROP TABLE IF EXISTS cx_bench_info")
            c.exec_driver_sql("CREATE TABLE cx_bench_info (scale DOUBLE, seed INT, build_s DOUBLE)"
                              " USING parquet")
            c.exec_driver_sql(f"INSERT INTO cx_bench_info VALUES ({float(scale)!r}, {int(seed)}, "
                              f"{float(build_s)!r})")
    finally:
        eng.dispose()
    return url, build_s
