"""Uncached views under load: a bounded number of builds at once, one build per view.

An uncached view costs the warehouse seconds (6-7 s for a company view on PostgreSQL with 24M
responses); 25 sessions opening distinct views ran that many builds at once, and the server's
statement timeout ended 32 of them in two minutes (issue 25). So at most `slots()` builds run at
once per process (`CX_BUILD_SLOTS`; sizing in docs/scale-out.md), the others wait their turn with
"Preparing this view…" on the page, and sessions asking for a view that is being built wait for
that build and share its result (single-flight). Cache hits never come here: the page's cached
functions call `GATE.run` only on a miss.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import TypeVar

from queries import settings

T = TypeVar("T")


class _Abandoned(Exception):
    """The building session stopped (a rerun, a closed tab): a waiting one builds instead."""


def slots() -> int:
    """`CX_BUILD_SLOTS` as a positive whole number (a bad value falls back to the default)."""
    raw = settings.BUILD_SLOTS.value() or ""
    return int(raw) if raw.isdigit() and int(raw) > 0 else int(settings.BUILD_SLOTS.default)


class Gate:
    """At most `size` builds at once; one build per key, its result shared."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.Semaphore(size)
        self._lock = threading.Lock()
        self._flights: dict[Hashable, Future] = {}
        self.running = 0

    def busy(self) -> bool:
        """Every slot taken: a new view will wait for one."""
        return self.running >= self.size

    def run(self, key: Hashable, build: Callable[[], T],
            on_wait: Callable[[str], None] | None = None) -> T:
        """`build()`'s value; `on_wait` hears "shared" or "queued" before this call waits."""
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if leader:
                flight = self._flights[key] = Future()
        if not leader:
            if on_wait is not None:
                on_wait("shared")
            try:
                return flight.result()
            except _Abandoned:
                return self.run(key, build, on_wait)
        try:
            value = self._build(build, on_wait)
        except Exception as exc:
            flight.set_exception(exc)  # the waiting sessions see the same error
            raise
        except BaseException:
            flight.set_exception(_Abandoned())
            raise
        else:
            flight.set_result(value)
            return value
        finally:
            with self._lock:
                del self._flights[key]

    def _build(self, build: Callable[[], T], on_wait: Callable[[str], None] | None) -> T:
        if not self._free.acquire(blocking=False):
            if on_wait is not None:
                on_wait("queued")
            self._free.acquire()
        with self._lock:
            self.running += 1
        try:
            return build()
        finally:
            with self._lock:
                self.running -= 1
            self._free.release()


GATE = Gate(slots())
