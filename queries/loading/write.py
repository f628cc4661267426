"""Stage a whole warehouse beside the live one and swap it in only when everything passed.

DuckDB: the new warehouse is a temporary file next to the target, moved over it with `os.replace`
(atomic on one file system). PostgreSQL: the tables are built in a fresh schema, checked there,
then moved into the live schema in one transaction (DDL is transactional), so readers see the old
tables or the new ones, never a mix. Either way a failure leaves the previous warehouse untouched.

A load killed outright (SIGKILL, a power cut) cannot clean up after itself, so each stage first
removes what dead loads left: DuckDB temporary files whose process id is no longer running, and
PostgreSQL `cx_load_*` schemas whose advisory lock no session holds (every stage holds its own
for as long as it lives; the server drops it with the session).
"""

from __future__ import annotations

import io
import os
import re
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.schema import CreateIndex, CreateTable

from queries.sql import rollup
from queries.sql.schema import CONTRACT, META, MONTHLY_TABLES, table
from queries.text import store as text_store

# The comments' tags are built in every stage (queries/text/store.py), like the rollup.
SWAPPED = (*(t.name for t in CONTRACT), rollup.ROLLUP, rollup.META, rollup.FINGERPRINT,
           text_store.TAGS, text_store.TAGS_META)


def _indexes() -> list[sa.Index]:
    """The same lookups the demo builder indexes: location and period. Built on copies of the
    tables, because an Index attaches itself to its table and the contract's must stay bare."""
    md = sa.MetaData()
    s = table("survey_responses").to_metadata(md)
    out = [sa.Index("ix_survey_responses_location_day", s.c.location_id, s.c.responded_on)]
    for name in MONTHLY_TABLES:
        t = table(name).to_metadata(md)
        out.append(sa.Index(f"ix_{name}_location_month", t.c.location_id, t.c.month))
    return out


class Stage:
    """A warehouse being built: `write` rows, then `engine()` to check it, then `commit`.
    `cleaned` names what interrupted loads had left and this one removed."""

    cleaned: list[str]

    def write(self, name: str, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def engine(self) -> Engine:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class DuckDBStage(Stage):
    def __init__(self, path: Path) -> None:
        self.target = path.expanduser().resolve()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.cleaned = _dead_tmp_files(self.target)
        self.tmp = self.target.with_name(
            f".{self.target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.load.tmp")
        self.dialect = make_url("duckdb://").get_dialect()()
        self._engine: Engine | None = None
        self.con: duckdb.DuckDBPyConnection | None = duckdb.connect(str(self.tmp))
        for t in META.sorted_tables:
            self.con.execute(self._sql(CreateTable(t)))

    def _sql(self, stmt) -> str:
        return str(stmt.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))

    def write(self, name: str, frame: pd.DataFrame) -> None:
        assert self.con is not None
        t = table(name)
        src = sa.table("_load_src", *(sa.column(c.name) for c in t.columns))
        select = sa.select(*(sa.cast(src.c[c.name], c.type).label(c.name) for c in t.columns))
        self.con.register("_load_src", frame)
        try:
            self.con.execute(self._sql(sa.insert(t).from_select(list(t.c.keys()), select)))
        finally:
            self.con.unregister("_load_src")

    def engine(self) -> Engine:
        if self._engine is None:
            assert self.con is not None
            for ix in _indexes():
                self.con.execute(self._sql(CreateIndex(ix)))
            self.con.execute("CHECKPOINT")
            self.con.close()
            self.con = None
            self._engine = sa.create_engine(f"duckdb:///{self.tmp}")
        return self._engine

    def _close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def commit(self) -> None:
        self._close()
        Path(f"{self.tmp}.wal").unlink(missing_ok=True)
        Path(f"{self.target}.wal").unlink(missing_ok=True)  # an old log must not replay onto it
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        self._close()
        for leftover in (self.tmp, Path(f"{self.tmp}.wal")):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _dead_tmp_files(target: Path) -> list[str]:
    """Remove temporary files of loads into `target` whose process is gone."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]+\.load\.tmp(\.wal)?$")
    removed = []
    for p in sorted(target.parent.iterdir()):
        m = pattern.match(p.name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            p.unlink(missing_ok=True)
            removed.append(p.name)
    return removed


LOCK_CLASS = 4_250_025  # the first key of every stage's advisory lock (the second: its schema)
STAGE_SCHEMA = re.compile(r"^cx_load_[0-9a-f]{12}$")


def _lock(conn: sa.Connection, schema: str, wait: bool) -> bool:
    fn = sa.func.pg_advisory_lock if wait else sa.func.pg_try_advisory_lock
    got = conn.execute(sa.select(fn(LOCK_CLASS, sa.func.hashtext(schema)))).scalar()
    conn.commit()  # the lock is the session's; no transaction stays open
    return wait or bool(got)


def _dead_schemas(conn: sa.Connection) -> list[str]:
    """Drop `cx_load_*` schemas whose stage's session is gone (their lock is free)."""
    names = conn.execute(sa.text("SELECT schema_name FROM information_schema.schemata "
                                 "WHERE schema_name LIKE :p"), {"p": "cx\\_load\\_%"}
                         ).scalars().all()
    conn.commit()
    q = conn.dialect.identifier_preparer.quote
    removed = []
    for name in names:
        if not STAGE_SCHEMA.match(name) or not _lock(conn, name, wait=False):
            continue
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {q(name)} CASCADE")
        conn.execute(sa.select(sa.func.pg_advisory_unlock(LOCK_CLASS, sa.func.hashtext(name))))
        conn.commit()
        removed.append(name)
    return removed


class PostgresStage(Stage):
    def __init__(self, url: URL) -> None:
        self.url = url
        self.schema = f"cx_load_{uuid.uuid4().hex[:12]}"
        self.base = sa.create_engine(url, connect_args={"connect_timeout": 10})
        # Held until the stage ends: while this session lives, the schema is in use.
        self.lock: sa.Connection | None = self.base.connect()
        _lock(self.lock, self.schema, wait=True)
        self.cleaned = _dead_schemas(self.lock)
        with self.base.begin() as c:
            self.live = c.execute(sa.text("SELECT current_schema()")).scalar()
            if self.live is None:
                raise ValueError("the PostgreSQL search_path names no existing schema to load into")
            c.execute(sa.schema.CreateSchema(self.schema))
        self.eng = sa.create_engine(url, connect_args={
            "connect_timeout": 10, "options": f"-c search_path={self.schema}"})
        self.conn: sa.Connection | None = self.eng.connect()
        META.create_all(self.conn)
        self.q = self.conn.dialect.identifier_preparer.quote

    def write(self, name: str, frame: pd.DataFrame) -> None:
        assert self.conn is not None
        buf = io.StringIO()
        frame.to_csv(buf, index=False, header=False, date_format="%Y-%m-%d")
        cols = ", ".join(self.q(c) for c in frame.columns)
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(
            f"COPY {self.q(self.schema)}.{self.q(name)} ({cols}) FROM STDIN (FORMAT csv)"
        ) as copy:
            copy.write(buf.getvalue())

    def engine(self) -> Engine:
        if self.conn is not None:
            for ix in _indexes():
                ix.create(self.conn)
            self.conn.commit()
            self.conn.exec_driver_sql("ANALYZE")
            self.conn.commit()
            self.conn.close()
            self.conn = None
        return self.eng

    def commit(self) -> None:
        self.engine()
        self.eng.dispose()
        q, live, stage = self.q, self.q(self.live), self.q(self.schema)
        with self.base.begin() as c:
            for name in SWAPPED:
                # No CASCADE: a view of the user's on the old tables makes the swap fail loudly
                # instead of silently dropping it.
                c.exec_driver_sql(f"DROP TABLE IF EXISTS {live}.{q(name)}")
                c.exec_driver_sql(f"ALTER TABLE {stage}.{q(name)} SET SCHEMA {live}")
            c.exec_driver_sql(f"DROP SCHEMA {stage}")
        self._unlock()

    def _unlock(self) -> None:
        if self.lock is not None:
            self.lock.close()  # the session's advisory lock goes with it
            self.lock = None
        self.base.dispose()

    def abort(self) -> None:
        if self.conn is not None:
            self.conn.rollback()
            self.conn.close()
            self.conn = None
        self.eng.dispose()
        with self.base.begin() as c:
            c.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.q(self.schema)} CASCADE")
        self._unlock()


def open_stage(url: str) -> Stage:
    """A stage for the warehouse at `url` (a DuckDB file or a PostgreSQL database)."""
    try:
        u = make_url(url)
    except Exception as exc:  # noqa: BLE001 - any parse failure becomes one clear message
        raise ValueError(f"Not a valid SQLAlchemy URL ({exc})") from exc
    backend = u.get_backend_name()
    if backend == "duckdb":
        if not u.database or u.database == ":memory:":
            raise ValueError("load needs a DuckDB file, e.g. duckdb:///warehouse.duckdb")
        return DuckDBStage(Path(u.database))
    if backend == "postgresql":
        return PostgresStage(u.set(drivername="postgresql+psycopg"))
    raise ValueError(f"load writes to DuckDB or PostgreSQL, not {u.drivername!r}")
