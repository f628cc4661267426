"""The page's caches and their one key rule (docs/architecture.md, "The cache rule").

Every cached value is keyed by what it was built from:
  warehouse identity + freshness token (`queries.sql.identity.WarehouseKey`: the URL, the DuckDB
  file's identity, a server's change counters), the viewer's rights (`access.Allowed.key`) and
  the view (region, location, month).
Results are cached by Streamlit (`dashboard/data.py`, `st.cache_data` with `ttl` and
`max_entries`); what the page derives from them, and the verdict's sentences, are kept here in
bounded cachetools stores. Values are shared between reruns and sessions: read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import date
from typing import TypeVar

from cachetools import LRUCache, TTLCache
from sqlalchemy.engine import Engine

from queries import targets
from queries.sql import identity
from queries.sql.identity import WarehouseKey

T = TypeVar("T")
TTL_S = 300  # a server database's results live this long at most (a file's: until it changes)
MAX_VIEWS = 256  # views per cached function: a region's locations for a few months, and more
MAX_DERIVED = 2048  # a few derived values per view: every view of the demo network twice over

_derived: LRUCache = LRUCache(maxsize=MAX_DERIVED)
_findings: TTLCache = TTLCache(maxsize=MAX_VIEWS, ttl=TTL_S)
_lock = threading.Lock()


def warehouse(engine: Engine, url: str) -> WarehouseKey:
    """The rule's first two parts for this warehouse, as of now, with the identity of the
    targets file every status is judged against (an edited file rebuilds the views)."""
    return identity.key(engine, url)._replace(config=targets.stamp())


def derived(key: Hashable, build: Callable[[], T]) -> T:
    """`build()`'s value under `key`, which starts with a scorecard's `build_id`.

    Streamlit's data cache hands every rerun a fresh copy of a cached scorecard, so neither
    identity nor a content hash (hashing the frames costs more than rebuilding) tells that two
    reruns show the same numbers; the build id does: it is made once per build, that is once
    per rule key, and kept by every copy. Least recently used entries go first."""
    with _lock:
        if key in _derived:
            return _derived[key]
    value = build()  # outside the lock: two sessions may build the same value once each
    with _lock:
        _derived[key] = value
    return value


def findings_key(wkey: WarehouseKey, region: str | None, month: date, allowed: tuple) -> tuple:
    """The verdict's findings of a region (None: the company) for a month and viewer."""
    return (wkey, allowed, region, month)


def known_findings(key: tuple) -> list[str] | None:
    """The findings' sentences computed for this key within TTL_S, else None: a view whose
    findings are known draws its verdict once, complete, instead of "testing..." first."""
    with _lock:
        hit = _findings.get(key)
    return None if hit is None else list(hit)


def remember_findings(key: tuple, found: list[str]) -> None:
    with _lock:
        _findings[key] = list(found)


def clear() -> None:
    """Forget everything (tests)."""
    with _lock:
        _derived.clear()
        _findings.clear()
    identity.forget()
