"""What the page derives from a scorecard, built once per scorecard instead of once per rerun.

Streamlit's data cache hands every rerun a fresh copy of a cached scorecard, so neither object
identity nor a content hash (hashing the frames costs more than rebuilding) can tell that two
reruns show the same numbers. Each scorecard carries the id of the build that made it
(`Scorecard.build_id`, kept by every copy); a table, map points or a label derived from it is
kept here under that id. A new build (new data, another month, another viewer's rights) has a
new id, so nothing derived from older numbers is ever shown.

Values are shared between reruns and sessions: callers treat them as read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
MAX_ENTRIES = 2048  # a few per view: every view of the demo network twice over, a few MB
_store: OrderedDict[Hashable, object] = OrderedDict()
_lock = threading.Lock()


def derived(key: Hashable, build: Callable[[], T]) -> T:
    """`build()`'s value, remembered under `key` (which starts with a `build_id`); the least
    recently used entries go first past MAX_ENTRIES."""
    with _lock:
        if key in _store:
            _store.move_to_end(key)
            return _store[key]  # type: ignore[return-value]
    value = build()  # outside the lock: two sessions may build the same value once each
    with _lock:
        _store[key] = value
        _store.move_to_end(key)
        while len(_store) > MAX_ENTRIES:
            _store.popitem(last=False)
    return value


def clear() -> None:
    """Forget everything (tests)."""
    with _lock:
        _store.clear()
