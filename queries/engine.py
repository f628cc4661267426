"""One read-only engine per warehouse URL, and errors a person can act on."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from queries.config import redact

QUERY_TIMEOUT_S = 30


class WarehouseError(RuntimeError):
    """A warehouse problem explained in words: unreachable, missing, or not the contract."""


def make_engine(url: str, read_only: bool = True, timeout_s: int = QUERY_TIMEOUT_S) -> Engine:
    """Create the engine; read-only where the driver allows it (DuckDB file, PostgreSQL session)."""
    try:
        u = make_url(url)
    except Exception as exc:  # noqa: BLE001 - any parse failure becomes one clear message
        raise WarehouseError(f"Not a valid SQLAlchemy URL: {redact(url)!r} ({exc})") from exc
    backend = u.get_backend_name()
    kwargs: dict = {"pool_pre_ping": True}
    if backend == "duckdb":
        db = u.database or ""
        if db and db != ":memory:" and not Path(db).exists():
            raise WarehouseError(f"DuckDB warehouse file not found: {db}")
        kwargs["connect_args"] = {"read_only": read_only} if db != ":memory:" else {}
        kwargs.pop("pool_pre_ping")
    elif backend == "postgresql":
        options = f"-c statement_timeout={timeout_s * 1000}"
        if read_only:
            options += " -c default_transaction_read_only=on"
        kwargs["connect_args"] = {"options": options, "connect_timeout": 5}
    try:
        return sa.create_engine(url, **kwargs)
    except Exception as exc:  # noqa: BLE001
        raise WarehouseError(f"Cannot create an engine for {redact(url)}: {exc}") from exc


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
