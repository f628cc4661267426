"""Write the demo warehouse to DuckDB, PostgreSQL or Spark, fast, with exactly the contract's types.

Every path bypasses row-by-row SQLAlchemy inserts: DuckDB scans the pandas frames natively,
PostgreSQL takes COPY from CSV, and Spark gets parquet files plus `CREATE TABLE ... USING parquet
LOCATION`. A failed build never leaves a half warehouse behind: the DuckDB file is built beside the
target and moved into place, the PostgreSQL build is one transaction, and the Spark tables are
switched to their new files only once every file is written.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.schema import CreateTable
from tqdm import tqdm

from queries import settings
from queries.sql import rollup
from queries.sql.schema import CONTRACT, META, MONTHLY_TABLES
from queries.text import store as text_store
from sample_data.generate import DEFAULT_SEED, Demo, generate


def build_demo(
    url: str,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    progress: bool = True,
    replace: bool = True,
) -> dict[str, int]:
    """Generate the demo and write every contract table at `url`; returns rows per table."""
    u = _parse(url)
    backend = u.get_backend_name()
    if backend == "duckdb":
        db = u.database or ""
        if not db or db == ":memory:":
            raise ValueError("build_demo needs a DuckDB file path, e.g. duckdb:///demo.duckdb")
        return _build_duckdb(Path(db), generate(scale, seed), progress, replace)
    if backend == "postgresql":
        return _build_postgres(u.set(drivername="postgresql+psycopg"), generate(scale, seed),
                               progress, replace)
    if backend == "hive":
        return _build_spark(url, generate(scale, seed), progress, replace)
    raise ValueError(
        f"Unsupported warehouse URL scheme {u.drivername!r}: build_demo writes to "
        "duckdb:///path/to/file.duckdb, postgresql+psycopg://user@host:port/database or "
        "hive://host:port/database (a Spark Thrift server)"
    )


def build_demo_with_rollup(url: str, scale: float = 1.0, seed: int = DEFAULT_SEED,
                           progress: bool = True) -> dict[str, int]:
    """The demo as the app uses it: the contract tables, the monthly survey rollup and the
    comments' tags (queries/text/store.py)."""
    from queries.sql.engine import make_engine

    counts = build_demo(url, scale=scale, seed=seed, progress=progress)
    writer = make_engine(url, read_only=False, timeout_s=rollup.BUILD_TIMEOUT_S)
    try:
        counts |= rollup.build(writer)
        counts["comments_tagged"] = int(text_store.build(writer)["total"])  # type: ignore[call-overload]
    finally:
        writer.dispose()
    return counts


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except Exception as exc:  # noqa: BLE001 - any parse failure becomes one clear message
        raise ValueError(f"Not a valid SQLAlchemy URL: {url!r} ({exc})") from exc


def _survey_bar(demo: Demo, progress: bool) -> tqdm:
    return tqdm(total=demo.survey_rows, unit="rows", unit_scale=True, desc="survey_responses",
                file=sys.stderr, disable=not progress)


def _load_all(demo: Demo, progress: bool, write: Callable[[str, pd.DataFrame], None]) -> None:
    """Hand every frame to `write`: small tables first, then survey responses month by month."""
    for name, frame in demo.frames().items():
        write(name, frame)
    with _survey_bar(demo, progress) as bar:
        for m, chunk in enumerate(demo.iter_survey_chunks()):
            write("survey_responses", chunk)
            comments = demo.comment_chunk(m, chunk)
            if len(comments):
                write("survey_comments", comments)
            items = demo.items_chunk(m, chunk)
            if len(items):
                write("survey_items", items)
            bar.update(len(chunk))


# --- DuckDB ---------------------------------------------------------------------------------


def _build_duckdb(path: Path, demo: Demo, progress: bool, replace: bool) -> dict[str, int]:
    path = path.expanduser().resolve()
    if path.exists() and not replace:
        raise FileExistsError(f"{path} exists; pass replace=True to rebuild it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    dialect = make_url("duckdb://").get_dialect()()
    casts = {
        t.name: ", ".join(
            f'CAST("{c.name}" AS {dialect.type_compiler_instance.process(c.type)}) AS "{c.name}"'
            for c in t.columns
        )
        for t in META.sorted_tables
    }
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("SET memory_limit = '1GB'")
            for t in META.sorted_tables:
                con.execute(str(CreateTable(t).compile(dialect=dialect)))

            def write(name: str, frame: pd.DataFrame) -> None:
                con.register("_demo_src", frame)
                con.execute(f"INSERT INTO {name} SELECT {casts[name]} FROM _demo_src")
                con.unregister("_demo_src")

            _load_all(demo, progress, write)
            for name in MONTHLY_TABLES:
                con.execute(f"CREATE INDEX ix_{name}_location_month ON {name} (location_id, month)")
            counts = _counts(lambda q: con.execute(q).fetchone()[0])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        Path(f"{path}.wal").unlink(missing_ok=True)  # a stale log would replay onto the new file
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}.wal")):
            leftover.unlink(missing_ok=True)
    return counts


def _counts(scalar: Callable[[str], object]) -> dict[str, int]:
    return {t.name: int(scalar(f"SELECT count(*) FROM {t.name}")) for t in CONTRACT}


# --- PostgreSQL -----------------------------------------------------------------------------


def _build_postgres(url: URL, demo: Demo, progress: bool, replace: bool) -> dict[str, int]:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn, conn.begin():
            existing = [t.name for t in CONTRACT if sa.inspect(conn).has_table(t.name)]
            if existing and not replace:
                raise FileExistsError(
                    f"tables {', '.join(existing)} exist; pass replace=True to rebuild them"
                )
            # A rollup built from the old rows must not outlive them.
            for name in (*(t.name for t in CONTRACT), rollup.ROLLUP, rollup.META,
                         rollup.FINGERPRINT, text_store.TAGS, text_store.TAGS_META):
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE')
            META.create_all(conn)
            raw = conn.connection.driver_connection

            def write(name: str, frame: pd.DataFrame) -> None:
                buf = io.StringIO()
                frame.to_csv(buf, index=False, header=False, date_format="%Y-%m-%d")
                cols = ", ".join(f'"{c}"' for c in frame.columns)
                with raw.cursor() as cur, cur.copy(
                    f"COPY {name} ({cols}) FROM STDIN (FORMAT csv)"
                ) as copy:
                    copy.write(buf.getvalue())

            _load_all(demo, progress, write)
            conn.exec_driver_sql(
                "CREATE INDEX ix_survey_responses_location_day "
                "ON survey_responses (location_id, responded_on)"
            )
            for name in MONTHLY_TABLES:
                conn.exec_driver_sql(
                    f"CREATE INDEX ix_{name}_location_month ON {name} (location_id, month)"
                )
            conn.exec_driver_sql("ANALYZE")
            return _counts(lambda q: conn.exec_driver_sql(q).scalar_one())
    finally:
        engine.dispose()


# --- Spark (Thrift server) -----------------------------------------------------------------


def _arrow_schema(name: str):
    import pyarrow as pa

    kinds = [(sa.Boolean, pa.bool_()), (sa.Date, pa.date32()), (sa.BigInteger, pa.int64()),
             (sa.Integer, pa.int32()), (sa.Float, pa.float64()), (sa.String, pa.string())]
    fields = []
    for col in META.tables[name].columns:
        kind = next(k for t, k in kinds if isinstance(col.type, t))
        fields.append(pa.field(col.name, kind, nullable=True))
    return pa.schema(fields)


def _arrow_table(name: str, frame: pd.DataFrame):
    """The frame with exactly the contract's column types (dates as DATE, not timestamps)."""
    import pyarrow as pa

    schema = _arrow_schema(name)
    arrays = []
    for f in schema:
        col = frame[f.name]
        if pa.types.is_date32(f.type):
            col = pd.to_datetime(col).dt.date
        arrays.append(pa.array(col, type=f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def spark_data_dir(conn: sa.Connection, database: str) -> Path:
    """Where the demo's parquet files go: $CX_SPARK_DATA_DIR, else the server's warehouse folder.

    The files are written by this process and read by the cluster, so they must be on a file
    system both see (a local cluster, or a shared mount named by $CX_SPARK_DATA_DIR)."""
    raw = settings.SPARK_DATA_DIR.value()
    if not raw:
        rows = conn.exec_driver_sql("SET spark.sql.warehouse.dir").all()
        raw = str(rows[0][1]) if rows else ""
        if raw.startswith("file:"):
            raw = raw[len("file:"):]
        if not raw.startswith("/"):
            raise ValueError(
                f"build-demo on Spark writes parquet files the cluster reads; the server's "
                f"spark.sql.warehouse.dir is {raw!r}, not a local folder: set CX_SPARK_DATA_DIR "
                "to a folder the cluster can read")
    return Path(raw).expanduser() / "cx_demo" / database


def write_spark_tables(url: str, frames: Callable[[Callable[[str, pd.DataFrame], None]], None],
                       replace: bool = True) -> dict[str, int]:
    """Write contract tables as parquet files and point Spark tables at them.

    `frames(write)` calls `write(name, frame)` for every chunk of every table. The tables are
    dropped and recreated only after every file is written, and the rollup is dropped with them
    (a rollup built from the old rows must not outlive them)."""
    import shutil

    import pyarrow.parquet as pq

    from queries.sql.engine import make_engine

    engine = make_engine(url, read_only=False, timeout_s=rollup.BUILD_TIMEOUT_S)
    database = make_url(url).database or "default"
    token = uuid.uuid4().hex[:8]
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            existing = [t.name for t in CONTRACT if insp.has_table(t.name)]
            if existing and not replace:
                raise FileExistsError(
                    f"tables {', '.join(existing)} exist; pass replace=True to rebuild them")
            root = spark_data_dir(conn, database)
            parts: dict[str, int] = {}

            def write(name: str, frame: pd.DataFrame) -> None:
                folder = root / f"{name}-{token}"
                folder.mkdir(parents=True, exist_ok=True)
                n = parts.get(name, 0)
                pq.write_table(_arrow_table(name, frame), folder / f"part-{n:05d}.parquet")
                parts[name] = n + 1

            try:
                frames(write)
                for t in CONTRACT:  # a table with no rows still needs its (empty) file
                    if t.name not in parts:
                        write(t.name, pd.DataFrame({c.name: [] for c in t.columns}))
            except BaseException:
                for t in CONTRACT:
                    shutil.rmtree(root / f"{t.name}-{token}", ignore_errors=True)
                raise
            prep = engine.dialect.identifier_preparer
            for name in (rollup.ROLLUP, rollup.META, text_store.TAGS, text_store.TAGS_META,
                         *(t.name for t in CONTRACT)):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {prep.quote(name)}")
            for t in META.sorted_tables:
                cols = ", ".join(
                    f"{prep.quote(c.name)} "
                    f"{engine.dialect.type_compiler_instance.process(c.type)}" for c in t.columns)
                where = str(root / f"{t.name}-{token}").replace("\\", "\\\\").replace("'", "\\'")
                conn.exec_driver_sql(
                    f"CREATE TABLE {prep.quote(t.name)} ({cols}) USING parquet LOCATION '{where}'")
            for old in root.glob("*-*"):  # the files of the tables just replaced
                if old.is_dir() and not old.name.endswith(f"-{token}"):
                    shutil.rmtree(old, ignore_errors=True)
            return _counts(lambda q: conn.exec_driver_sql(q).scalar_one())
    finally:
        engine.dispose()


def _build_spark(url: str, demo: Demo, progress: bool, replace: bool) -> dict[str, int]:
    return write_spark_tables(url, lambda write: _load_all(demo, progress, write), replace)


def main(argv: list[str] | None = None) -> int:
    """`python -m sample_data.load URL [--scale S] [--seed N]`: build the demo warehouse."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url", help="duckdb:///path.duckdb or postgresql+psycopg://user@host/db")
    p.add_argument("--scale", type=float, default=1.0, help="survey volume multiplier")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    counts = build_demo(args.url, args.scale, args.seed, progress=not args.quiet)
    for name, rows in counts.items():
        print(f"{name:20s} {rows:>12,d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
