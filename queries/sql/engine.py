"""One read-only engine per warehouse URL, and errors a person can act on."""

from __future__ import annotations

import math
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from queries import settings
from queries.config import redact
from queries.sql import dialect
from queries.sql.errors import WarehouseError, WarehouseTimeout

ENV_TIMEOUT = settings.QUERY_TIMEOUT.name
DEFAULT_TIMEOUT_S = float(settings.QUERY_TIMEOUT.default or 30)


def parse_timeout(raw: str | None) -> float:
    """CX_QUERY_TIMEOUT in seconds: a positive, finite number (0 would switch PostgreSQL's
    statement_timeout off, so it is refused rather than read as "no limit")."""
    if raw is None or raw.strip() == "":
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value <= 0:
        raise WarehouseError(f"{ENV_TIMEOUT} must be a positive number of seconds (e.g. 30 or "
                             f"0.5), not {raw[:40]!r}.")
    return value


def query_timeout() -> float:
    return parse_timeout(settings.QUERY_TIMEOUT.value())


def execute(conn: sa.Connection, stmt, timeout_s: float | None = None) -> sa.CursorResult:
    """Run a statement with a time limit on every backend.

    PostgreSQL and Spark enforce their own limit (set at connect); DuckDB has none, so a timer
    interrupts the query from another thread and the connection is rolled back for reuse. Each
    engine's way is in queries/sql/dialect.py.
    """
    timeout_s = query_timeout() if timeout_s is None else timeout_s
    eng = dialect.of(conn)
    timer = dialect.cancel_after(timeout_s, eng.interrupter(conn))
    try:
        return conn.execute(stmt)
    except sa.exc.DBAPIError as exc:
        text = str(exc.orig) if exc.orig is not None else str(exc)
        if eng.is_timeout(text):
            conn.rollback()
            raise WarehouseTimeout(
                f"The warehouse did not answer within {timeout_s:g} s; the query was cancelled. "
                "Try again, or ask for the monthly rollup (`cx-scorecard rollup`)."
            ) from exc
        raise
    finally:
        if timer is not None:
            timer.cancel()


def make_engine(url: str, read_only: bool = True, timeout_s: float | None = None) -> Engine:
    """Create the engine; read-only where the driver allows it (DuckDB file, PostgreSQL session,
    a guard on Spark). Engine differences live in queries/sql/dialect.py: there a DuckDB file is
    opened per use (no lock held between queries, a deleted file named in words) and the time
    limit is rounded for each server."""
    timeout_s = query_timeout() if timeout_s is None else timeout_s
    try:
        u = make_url(url)
    except Exception as exc:  # noqa: BLE001 - any parse failure becomes one clear message
        raise WarehouseError(f"Not a valid SQLAlchemy URL: {redact(url)!r} ({exc})") from exc
    backend = u.get_backend_name()
    if backend == "hive" and dialect.spark_missing_reason():
        raise WarehouseError(dialect.spark_missing_reason())
    if backend == "duckdb":
        db = u.database or ""
        if db and db != ":memory:" and not Path(db).exists():
            raise WarehouseError(f"DuckDB warehouse file not found: {db}")
    eng = dialect.for_backend(backend)
    try:
        eng.check_url(u)
    except ValueError as exc:
        raise WarehouseError(f"{redact(url)}: {exc}") from exc
    try:
        engine = sa.create_engine(url, **eng.engine_kwargs(u, read_only, timeout_s))
    except Exception as exc:  # noqa: BLE001
        raise WarehouseError(f"Cannot create an engine for {redact(url)}: {exc}") from exc
    eng.after_create(engine, read_only, timeout_s)
    return engine


def explain(exc: BaseException, url: str) -> str:
    """A one-paragraph reason for a failed query, naming the warehouse and the next step."""
    if isinstance(exc, WarehouseError):
        return str(exc)
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
    where = redact(url)
    if isinstance(exc, sa.exc.OperationalError) and "timeout" in text.lower():
        return f"The warehouse at {where} did not answer in time: {text}"
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
        return f"The warehouse at {where} is unreachable: {text}"
    if isinstance(exc, sa.exc.ProgrammingError | sa.exc.NoSuchTableError):
        return (
            f"The warehouse at {where} does not match the contract: {text}. "
            "Run `cx-scorecard check` for the full list."
        )
    return f"Query against {where} failed: {type(exc).__name__}: {text}"
