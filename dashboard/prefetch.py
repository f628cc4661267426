"""Warm the views one click away in the background, so that a first click finds them cached.

After a view is drawn the page submits its plan (`plan`). One worker thread takes the newest
plan's views first from a bounded queue (the oldest fall off past `MAX_QUEUED`) and computes each
through the page's own cached functions: the same cache rule key, access check and build slots (a
click on a view being warmed waits for that build, never starts another). Before each step it
waits while a page runs and `GRACE_S` after (the browser draws what it was just sent), and stops
when a newer plan has arrived. A view warmed within the cache's lifetime is not warmed again. One
thread: on two cores a second slowed the live page more than it helped. `CX_PREFETCH=0` turns it
off.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import date
from typing import NamedTuple

from cachetools import TTLCache
from sqlalchemy.engine import Engine

from dashboard import caches
from queries import settings
from queries.scope import Scope
from queries.sql.identity import WarehouseKey

MAX_QUEUED = 8
CHILDREN = 3  # the children the verdict names as furthest behind
GRACE_S = 0.3
PAUSE_S = 5.0  # at most this long waiting for live runs: a busy server still warms


class Job(NamedTuple):
    """One view to warm (its card and ranking) and whether to test its verdict's findings."""

    wkey: WarehouseKey
    allowed: tuple
    scope: Scope
    month: date
    findings: bool  # a location's findings are its region's: warm already

    @property
    def region_scope(self) -> Scope:
        """The region's view (the company's for a region or the company): its ranking lists
        the job's view, its analyses are the job's findings."""
        return Scope(region=self.scope.region)


_queue: deque[tuple[Engine, Job]] = deque()
_done: TTLCache = TTLCache(maxsize=1024, ttl=caches.TTL_S * 0.8)
_cond = threading.Condition()
_worker: list[threading.Thread] = []
_live = [0, -1e9]  # page runs in progress, and when the last one ended (time.monotonic)
_plans = [0]  # plans submitted with work: a job started under an older one stops between steps
_running: list[Job | None] = [None]


def plan(wkey: WarehouseKey, allowed: tuple, scope: Scope, month: date,
         previous: date | None, children: Sequence[str], child_level: str | None,
         findings_here: bool) -> list[Job]:
    """The views one click away, likeliest first: the worst child, this view a month earlier,
    then the next children (`children`: the heat table's keys, worst first). `findings_here`:
    this view's verdict quotes findings (a location quotes its region's, if visible)."""
    kids = [Job(wkey, allowed, scope.child(key), month, child_level == "region")
            for key in list(children)[:CHILDREN] if child_level in ("region", "location")]
    if previous is not None:
        kids.insert(min(1, len(kids)), Job(wkey, allowed, scope, previous, findings_here))
    return kids


def enabled() -> bool:
    """On in a real Streamlit server unless CX_PREFETCH=0."""
    return settings.PREFETCH.value() != "0" and _in_server()


def _in_server() -> bool:
    """Not in AppTest, whose runtime is a stand-in: a thread there would outlive its test."""
    try:
        from streamlit import runtime

        return runtime.exists() and type(runtime.get_instance()) is runtime.Runtime
    except Exception:  # noqa: BLE001 - no runtime at all
        return False


def submit(engine: Engine, jobs: Sequence[Job]) -> int:
    """Queue a plan ahead of older ones; returns how many of its views were not warm yet."""
    with _cond:
        fresh = [j for j in jobs if j not in _done and j != _running[0]]
        _plans[0] += bool(fresh)
        for item in [item for item in _queue if item[1] in fresh]:
            _queue.remove(item)
        _queue.extendleft((engine, j) for j in reversed(fresh))
        while len(_queue) > MAX_QUEUED:
            _queue.pop()
        if fresh and not any(w.is_alive() for w in _worker):
            _worker[:] = [threading.Thread(target=_run, name="cx-prefetch", daemon=True)]
            _worker[0].start()
        _cond.notify()
    return len(fresh)


@contextlib.contextmanager
def live_run() -> Iterator[None]:
    """Mark a page run in progress: the worker waits for it (one interpreter lock)."""
    with _cond:
        _live[0] += 1
    try:
        yield
    finally:
        with _cond:
            _live[0] -= 1
            _live[1] = time.monotonic()


def _step_aside(started: int | None) -> bool:
    """Wait while a page runs (and GRACE_S after); True when a newer plan arrived since the job
    started: the reader has clicked on, and the worker turns to the new view's plan."""
    deadline = time.monotonic() + PAUSE_S
    while time.monotonic() < deadline and (_live[0] or time.monotonic() - _live[1] < GRACE_S):
        time.sleep(0.02)
    return started is not None and _plans[0] != started


def _run() -> None:
    # Cached functions run outside a script here; Streamlit's warning says just that.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR)
    while True:
        with _cond:
            while not _queue:
                _cond.wait()
            engine, job = _queue.popleft()
            _running[0], started, finished = job, _plans[0], True
        with contextlib.suppress(Exception):  # a failing view is reported when visited
            finished = warm(engine, job, started)
        with _cond:
            _running[0] = None
            if finished:  # a stopped job's steps done so far stay cached
                _done[job] = True


def warm(engine: Engine, job: Job, started: int | None = None) -> bool:
    """Compute one view through the page's cached functions (the keys a visit uses), stepping
    aside for live page runs before each step; False when it stopped for a newer plan."""
    from dashboard import data, insights_data
    from presentation import verdict as vd

    key = (engine, job.wkey, job.allowed)
    if _step_aside(started):
        return False
    data.build_card(*key, job.scope, job.month)
    if _step_aside(started):
        return False
    with contextlib.suppress(Exception):  # a location-only viewer may not see its region
        data.build_ranked(*key, job.region_scope, job.month)
    if job.findings:
        if _step_aside(started):
            return False
        results = insights_data.build(*key, job.region_scope, job.month)
        caches.remember_findings(caches.findings_key(job.wkey, job.scope.region, job.month,
                                                     job.allowed), vd.findings(results))
    return True


def child_keys(ranked) -> list[str]:
    """A ranking's keys, worst first, that are views one can open ("(no region)" is not)."""
    if ranked is None or not len(ranked):
        return []
    from dashboard import nav

    return [k for k in map(str, ranked["key"]) if k not in nav.NO_KEY]
