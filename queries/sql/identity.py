"""The warehouse part of the cache rule (docs/architecture.md, "The cache rule").

Every store of results (the page's caches, the rollup's freshness check, the warm-up's record)
keys its entries by `WarehouseKey`: the URL, the DuckDB file's identity (a file replaced, rebuilt
or written under a running page is a new key at once) and the engine's freshness token (a server
database's row-change counters). Rights and view are added by the stores that depend on them.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

import sqlalchemy as sa
from cachetools import TTLCache
from sqlalchemy.engine import make_url

from queries.sql import dialect

# A server's token costs a round trip: read at most this often per warehouse (a load into a
# server database shows within this time plus the server's own reporting delay).
TOKEN_TTL_S = 5.0
_tokens: TTLCache = TTLCache(maxsize=32, ttl=TOKEN_TTL_S)
_tokens_lock = threading.Lock()


class WarehouseKey(NamedTuple):
    """Which warehouse, which file and how fresh: the same tuple means the same data."""

    url: str
    file: tuple | None  # DuckDB: (inode, size, mtime) of the file and its WAL; None: a server
    token: tuple | None  # a server's change counters; None: a file, or no cheap token
    config: tuple | None = None  # the page's: the targets file's identity (queries.targets)


def file_of(url: str) -> tuple | None:
    """The DuckDB file's identity for a URL (no connection), None for a server database."""
    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 - the engine reports a bad URL
        return None
    db = u.database or ""
    if u.get_backend_name() != "duckdb" or not db or db == ":memory:":
        return None
    return dialect.file_identity(db)


def key(engine: sa.Engine, url: str | None = None, conn: sa.Connection | None = None,
        sampled: bool = False) -> WarehouseKey:
    """The rule's warehouse part. With `conn`, a server's token is read on it now (`sampled`:
    only when none was read in the last TOKEN_TTL_S, and then kept); without, at most once per
    TOKEN_TTL_S on a connection of its own (an unreachable server gives None: its queries
    report it). A token read is one statement: a view's fetches sample it (issue 31)."""
    url = url or engine.url.render_as_string(hide_password=False)
    file = file_of(url)
    if file is not None:
        return WarehouseKey(url, file, None)
    if conn is not None and not sampled:
        return WarehouseKey(url, None, _plain(dialect.of(conn).change_token(engine, conn)))
    with _tokens_lock:
        if url in _tokens:
            return WarehouseKey(url, None, _tokens[url])
    if conn is not None:
        token = _plain(dialect.of(conn).change_token(engine, conn))
        with _tokens_lock:
            _tokens[url] = token
        return WarehouseKey(url, None, token)
    try:
        with engine.connect() as c:
            token = _plain(dialect.of(c).change_token(engine, c))
    except Exception:  # noqa: BLE001 - the page's own queries explain the failure
        token = None  # kept too: a server that is down costs one connection attempt, not five
    with _tokens_lock:
        _tokens[url] = token
    return WarehouseKey(url, None, token)


def _plain(token: object) -> tuple | None:
    """A hashable, picklable token (a database row becomes a tuple)."""
    if token is None:
        return None
    return tuple(token) if not isinstance(token, str | int) else (token,)


def forget() -> None:
    """Forget sampled tokens (tests; a loader that has just written)."""
    with _tokens_lock:
        _tokens.clear()
