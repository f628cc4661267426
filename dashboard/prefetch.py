"""Warm the caches of the views a viewer is likely to open next, in the background.

A first visit of a view costs the server its scorecard (~0.3 s on the 1M demo), its ranking and the
verdict's findings (the iron-triangle analyses: ~0.3 s for a region, ~0.8 s for the company on
DuckDB), while the click itself costs ~0.3 s: the first click into a view would wait for all of
that. After a view is drawn, a background thread computes, through the page's own cached functions
(so with the same keys, the same access check and the same TTL), the views one click away: the
child furthest behind (the verdict names it), the same view one month earlier (the month picker's
next option), then the next two children; and, one step further, the child furthest behind of each
view warmed that has children (the path of a review: company, worst region, its worst location).
Each job carries a weight, how likely its click is (`PLAN_WEIGHTS`; a step further halves it), and
the queue runs the likeliest first. A click that arrives while its view is being warmed waits for
that computation (Streamlit holds one lock per cache key), it never computes it twice.

Bounded: `WORKERS` (1) thread, one queue of at most `MAX_QUEUED` views (the view drawn last
first: the next click starts there), each view warmed at most once per `data.TTL_S`; a view the
viewer may not see fails its access check and is skipped. One thread, not two: on two cores two
warm-ups and the live page competed for the interpreter lock and the CPU, and each job took two
to three times as long (a region 1.6-2.8 s instead of 0.6 s), so the likeliest view was warm later.
Live page runs go first: the thread waits between its steps while a page runs, and a job in
progress stops at its next step when a newer view queues work (the reader has clicked on), then
waits behind that view's jobs. The thread runs at the normal OS priority on purpose: a click that
needs the view being warmed waits on that cache key's lock, and a lower priority would make it
wait for a starved thread (seen: 10 s and more on a busy machine).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from queries import settings

MAX_QUEUED = 12
WORKERS = 1
PAUSE_S = 5.0
# After a page run the browser draws what it was sent; on a machine that also serves the page
# (two cores: the benchmark's, or a small server with its own reader) a warm-up starting at once
# slowed that drawing by a third. A job waits this long after the last run before its next step.
GRACE_S = 0.3
CHILDREN = 3  # the children the verdict names as furthest behind
# How likely each job of a plan is to be the next click, in the plan's order (worst child, the
# month before, the next two children); the worst child of a warmed view, one step further,
# gets half its view's weight, so company -> worst region -> its worst location (0.5) comes
# right after the month change (0.5), and the previous month's worst region (0.25) before the
# second and third children (0.2, 0.1).
PLAN_WEIGHTS = (1.0, 0.5, 0.2, 0.1)
FOLLOW_FACTOR = 0.5


@dataclass(frozen=True)
class Job:
    """One view to warm: its scorecard and ranking, and the analyses behind its findings."""

    url: str
    region: str | None
    location: str | None
    month_iso: str
    allowed: tuple
    findings_region: str | None  # the scope whose analyses the verdict quotes
    findings: bool


@dataclass
class Entry:
    """A queued job: its weight (how likely its click is), the generation of work it belongs
    to (newer views' jobs go first) and whether it is already a step further (never chained)."""

    engine: Engine
    job: Job
    weight: float
    generation: int
    followed: bool = False


_live = 0  # page runs in progress in this process: the warm-up steps aside for them
_live_lock = threading.Lock()
_live_ended = -1e9  # when the last page run ended (time.monotonic)
_pending: list[Entry] = []  # newest view's jobs first, then by weight
_done: dict[Job, float] = {}  # when each job was last warmed
_entries: dict[Job, Entry] = {}  # jobs queued or being warmed
_lock = threading.Condition()
_workers: list[threading.Thread] = []
_generation = 0  # bumped when a newly drawn view queues work: a job in progress yields to it


def plan(url: str, region: str | None, location: str | None, month_iso: str,
         previous_iso: str | None, allowed: tuple, children: Sequence[str],
         child_level: str | None, findings_here: bool) -> list[Job]:
    """The views one click away from this one, the likeliest first: the child furthest behind
    (the verdict names it, the heat table lists it first), this view one month earlier (the
    month picker's next option), then the next children, `CHILDREN` in all. `children` are the
    heat table's keys, worst first; a location's findings are its region's, already warm here."""
    kids = [Job(url, key, None, month_iso, allowed, key, True) if child_level == "region"
            else Job(url, region, key, month_iso, allowed, region, False)
            for key in list(children)[:CHILDREN] if child_level in ("region", "location")]
    if previous_iso is not None:
        kids.insert(min(1, len(kids)), Job(url, region, location, previous_iso, allowed,
                                           region, findings_here))
    return kids


@contextlib.contextmanager
def live_run() -> Iterator[None]:
    """Mark a page run in progress (the warm-up waits between its steps: one process shares one
    interpreter lock, and a live click must not queue behind a speculative computation)."""
    global _live, _live_ended
    with _live_lock:
        _live += 1
    try:
        yield
    finally:
        with _live_lock:
            _live -= 1
            _live_ended = time.monotonic()


def _quiet(limit_s: float = PAUSE_S, grace_s: float | None = None) -> None:
    """Wait until no page run is in progress and the last one ended `GRACE_S` ago (at most
    `limit_s`, so busy servers still warm)."""
    grace_s = GRACE_S if grace_s is None else grace_s
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and (
            _live or time.monotonic() - _live_ended < grace_s):
        time.sleep(0.02)


def enabled() -> bool:
    """On in a real Streamlit server (not in AppTest, whose runtime is a stand-in: a warm-up
    thread there would outlive its test); CX_PREFETCH=0 turns it off."""
    if settings.PREFETCH.value() == "0":
        return False
    try:
        from streamlit import runtime

        return runtime.exists() and type(runtime.get_instance()) is runtime.Runtime
    except Exception:  # noqa: BLE001 - no runtime at all
        return False


def submit(engine: Engine, jobs: Sequence[Job]) -> int:
    """Queue this view's plan (`plan`, likeliest first); returns how many jobs were queued or
    moved up. A job warmed within the cache's lifetime is skipped; one still queued (or being
    warmed) for an older view moves up to this view's place: the month before's worst region,
    queued one step further at a low weight, is the worst child once that month is drawn. The
    same plan submitted again (a rerun of the same view) changes nothing."""
    global _generation
    with _lock:
        if not any(_wanted(job) for job in jobs):
            return 0
        # The view just drawn is where the next click comes from: its jobs go first, older
        # views' jobs wait behind them and the least likely are dropped.
        _generation += 1
        changed = sum(_enqueue(engine, job, PLAN_WEIGHTS[min(i, len(PLAN_WEIGHTS) - 1)],
                               _generation, followed=False) for i, job in enumerate(jobs))
        _trim()
        _lock.notify_all()
        _start()
    return changed


def _wanted(job: Job) -> bool:
    """Not warmed recently, and not already queued for the newest view. Holds `_lock`."""
    from dashboard import data

    entry = _entries.get(job)
    if entry is not None:
        return entry.generation < _generation
    return time.monotonic() - _done.get(job, -1e9) >= data.TTL_S * 0.8


def _enqueue(engine: Engine, job: Job, weight: float, generation: int, followed: bool) -> bool:
    """Queue a job, or move a queued (or running) one up to a newer generation or a higher
    weight; False when it was warmed recently or already sits as high. Holds `_lock`."""
    entry = _entries.get(job)
    if entry is None:
        if not _wanted(job):
            return False
        entry = _entries[job] = Entry(engine, job, weight, generation, followed)
        _insert(entry)
        return True
    if (entry.generation, entry.weight) >= (generation, weight):
        return False
    entry.generation, entry.weight = generation, weight
    entry.followed = entry.followed and followed
    if entry in _pending:  # (a running one keeps going: it now belongs to the newest view)
        _pending.remove(entry)
        _insert(entry)
    return True


def _follow(entry: Entry, keys: Sequence[str], child_level: str | None) -> bool:
    """Queue the worst child of a view just warmed, one step further (with half its weight);
    True when it was queued. Called with the view's ranking, worst first."""
    if entry.followed or not keys:
        return False
    job = entry.job
    (child,) = plan(job.url, job.region, job.location, job.month_iso, None, job.allowed,
                    list(keys)[:1], child_level, job.findings) or (None,)
    if child is None:
        return False
    with _lock:
        queued = _enqueue(entry.engine, child, entry.weight * FOLLOW_FACTOR, entry.generation,
                          followed=True)
        _trim()
        _lock.notify_all()
    return queued


def _insert(entry: Entry) -> None:
    """Before the first job of an older generation, or of the same one with a lower weight."""
    for i, other in enumerate(_pending):
        if other.generation < entry.generation or (
                other.generation == entry.generation and other.weight < entry.weight):
            _pending.insert(i, entry)
            return
    _pending.append(entry)


def _trim() -> None:
    """Drop the least likely jobs (oldest views first) beyond MAX_QUEUED (they may be queued
    again later)."""
    while len(_pending) > MAX_QUEUED:
        dropped = _pending.pop()
        _entries.pop(dropped.job, None)


def _start() -> None:
    """Up to WORKERS threads (alive ones are kept; a dead one is replaced)."""
    _workers[:] = [w for w in _workers if w.is_alive()]
    while len(_workers) < WORKERS:
        worker = threading.Thread(target=_run, name=f"cx-prefetch-{len(_workers)}", daemon=True)
        worker.start()
        _workers.append(worker)


def _run() -> None:
    # The cached functions run outside a script here; Streamlit's "missing ScriptRunContext"
    # warning says just that.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR)
    while True:
        _work(*_take())


def _take() -> tuple[Entry, int]:
    """The next job (waiting for one) and the generation of work it started in."""
    with _lock:
        while not _pending:
            _lock.wait()
        return _pending.pop(0), _generation


def _work(entry: Entry, started: int) -> None:
    """Warm one job; when a newer view queues work meanwhile, the job goes back in the queue,
    behind that view's (unless that view wants it too: then it moved up and keeps going)."""
    job = entry.job

    def superseded() -> bool:
        return _generation != started and entry.generation != _generation

    try:
        finished = warm(entry.engine, job, remember=_remember, superseded=superseded,
                        follow=lambda keys, level: _follow(entry, keys, level))
    except Exception:  # noqa: BLE001 - a view that fails is computed (and reported) on visit
        with _lock:
            _entries.pop(job, None)
        return
    with _lock:
        if finished:
            _entries.pop(job, None)
            _done[job] = time.monotonic()
        else:
            _insert(entry)
            _trim()


def warm(engine: Engine, job: Job, *, card: Callable | None = None,
         ranked: Callable | None = None, analyses: Callable | None = None,
         pause: Callable[[], None] = _quiet,
         remember: Callable[[Job, object], None] | None = None,
         superseded: Callable[[], bool] = lambda: False,
         follow: Callable[[list[str], str | None], object] | None = None) -> bool:
    """Compute one view through the page's cached functions (the same keys a visit uses),
    stepping aside for live page runs between the steps (never while holding a cache key).
    `follow` gets the view's children, worst first, and their level, once they are ranked.

    Returns False when it stopped between steps because a newer view queued work (`superseded`):
    a reader who clicked on is served first; the steps done so far stay cached."""
    from dashboard import data, insights_data

    card = card or data.card
    ranked = ranked or data.ranked
    analyses = analyses or insights_data.analyses
    if _yield(pause, superseded):
        return False
    here = card(engine, job.url, job.region, job.location, job.month_iso, job.allowed)
    if _yield(pause, superseded):
        return False
    if job.location is None:
        keys = child_keys(ranked(engine, job.url, job.region, None, job.month_iso,
                                 job.allowed))
        if follow is not None and keys:
            follow(keys, here.scope.child_level)
    else:  # a location view shows its region's card and ranking beside its own
        with contextlib.suppress(Exception):  # a location-only viewer may not see its region
            card(engine, job.url, job.region, None, job.month_iso, job.allowed)
            ranked(engine, job.url, job.region, None, job.month_iso, job.allowed)
    if job.findings:
        if _yield(pause, superseded):
            return False
        results = analyses(engine, job.url, job.findings_region, None, job.month_iso,
                           job.allowed)
        if remember is not None:
            remember(job, results)
    return True


def child_keys(ranked) -> list[str]:
    """The keys of a view's ranked children, worst first, that are views one can open (a child
    outside every region has none): the plan's children and a step further both read them."""
    if ranked is None or not len(ranked):
        return []
    from dashboard import nav

    return [k for k in map(str, ranked["key"]) if k not in nav.NO_KEY]


def _yield(pause: Callable[[], None], superseded: Callable[[], bool]) -> bool:
    """Step aside for live runs; True when newer work arrived meanwhile (stop here)."""
    pause()
    return superseded()


def _remember(job: Job, results) -> None:
    """Keep the verdict's sentences too, so the view's first visit draws its verdict once."""
    from dashboard.panels import verdict as verdict_panel
    from presentation import verdict as vd

    key = verdict_panel.findings_key(job.url, job.findings_region, job.month_iso, job.allowed)
    verdict_panel.remember_findings(key, vd.findings(results))
