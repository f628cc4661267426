"""The background warm-up of the views one click away (dashboard/prefetch.py): which views it
plans, that its one worker warms the newest plan first from a bounded queue, through the page's
own cached functions and access check, never twice within the cache's lifetime, and that
CX_PREFETCH=0 turns it off. Threads are synchronised with events: no timing is asserted."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from cachetools import TTLCache

from dashboard import caches, data, insights_data, prefetch
from queries import access
from queries.scope import Scope
from queries.sql.identity import WarehouseKey

ALL = access.EVERYTHING.key
WK = WarehouseKey("duckdb:///x.duckdb", ((1, 2, 3), None), None)
WAIT_S = 30  # a guard against a hung test, never a measured time
OCT, SEP = date(2026, 10, 1), date(2026, 9, 1)
COMPANY, MW, L1 = Scope(), Scope("MW"), Scope("MW", "L1")


def test_company_plan_is_the_worst_region_the_previous_month_then_the_next_regions() -> None:
    jobs = prefetch.plan(WK, ALL, COMPANY, OCT, SEP, ["MW", "NE", "S", "W", "P"], "region", True)
    assert [(j.scope, j.month) for j in jobs] == [
        (MW, OCT), (COMPANY, SEP), (Scope("NE"), OCT),
        (Scope("S"), OCT)]  # three regions: those the verdict names
    assert all(j.findings and j.wkey == WK and j.allowed == ALL for j in jobs)


def test_region_plan_warms_locations_without_recomputing_the_region_findings() -> None:
    keys = [f"L{i}" for i in range(12)]
    jobs = prefetch.plan(WK, ALL, MW, OCT, None, keys, "location", True)
    assert [j.scope.location for j in jobs] == keys[:prefetch.CHILDREN]  # the worst few only
    assert all(j.scope.region == "MW" and not j.findings for j in jobs)


def test_first_month_and_location_have_nothing_further() -> None:
    assert prefetch.plan(WK, ALL, L1, OCT, None, [], None, True) == []
    (prev,) = prefetch.plan(WK, ALL, L1, OCT, SEP, [], None, False)
    assert (prev.scope, prev.month, prev.findings) == (
        L1, SEP, False)  # a viewer who may not see the region: no findings


def _fake_page(monkeypatch, allowed_check: bool = False) -> list[tuple]:
    """The page's cached functions replaced by recorders (with the real access check)."""
    calls: list[tuple] = []

    def record(name):
        def fn(_eng, wkey, allowed, scope, month):
            assert wkey == WK
            access.check_scope(scope, allowed)
            calls.append((name, scope, month))
            return {"results": name}
        return fn

    monkeypatch.setattr(data, "build_card", record("card"))
    monkeypatch.setattr(data, "build_ranked", record("ranked"))
    monkeypatch.setattr(insights_data, "build", record("analyses"))
    return calls


def test_warm_calls_the_page_functions_with_the_rule_key(monkeypatch) -> None:
    calls = _fake_page(monkeypatch)
    caches.clear()
    prefetch.warm(object(), prefetch.Job(WK, ALL, MW, OCT, True))
    assert calls == [("card", MW, OCT), ("ranked", MW, OCT), ("analyses", MW, OCT)]
    # the verdict's sentences are kept under the page's findings key
    assert caches.known_findings(caches.findings_key(WK, "MW", OCT, ALL)) == []
    caches.clear()


def test_a_view_outside_the_viewer_rights_is_not_computed(monkeypatch) -> None:
    calls = _fake_page(monkeypatch)
    only = access.Allowed(False, frozenset(), frozenset({"L1"}))
    prefetch.warm(object(), prefetch.Job(WK, only.key, L1, OCT, False))
    assert calls == [("card", L1, OCT)]  # not the region it may not see
    with pytest.raises(access.AccessDenied):
        prefetch.warm(object(), prefetch.Job(WK, only.key, MW, OCT, False))
    assert Scope(region="MW") and len(calls) == 1


def test_a_job_stops_between_steps_when_a_newer_plan_arrives(monkeypatch) -> None:
    """The reader clicked on while a view was warmed: its next step waits, the worker turns to
    the newer plan; what was computed stays cached."""
    calls = _fake_page(monkeypatch)
    record = data.build_card

    def card_then_a_click(*args):
        prefetch._plans[0] += 1  # what submit does for a newer plan
        return record(*args)

    monkeypatch.setattr(data, "build_card", card_then_a_click)
    job = prefetch.Job(WK, ALL, MW, OCT, True)
    assert prefetch.warm(object(), job, started=prefetch._plans[0]) is False
    assert calls == [("card", MW, OCT)]  # no ranking, no analyses
    assert prefetch.warm(object(), job, started=prefetch._plans[0]) is False  # each step
    assert prefetch.warm(object(), job) is True  # no newer plan: all three steps


class _Worker:
    """The real worker thread, with `warm` recording its jobs and stopping at a gate."""

    def __init__(self, monkeypatch) -> None:
        self.warmed: list[prefetch.Job] = []
        self.started = threading.Event()
        self.gate = threading.Event()
        self.idle = threading.Condition()
        monkeypatch.setattr(prefetch, "_queue", type(prefetch._queue)())
        monkeypatch.setattr(prefetch, "_done", TTLCache(maxsize=64, ttl=600))
        monkeypatch.setattr(prefetch, "warm", self.warm)

    def warm(self, _engine, job, _started) -> bool:
        self.started.set()
        assert self.gate.wait(WAIT_S)
        with self.idle:
            self.warmed.append(job)
            self.idle.notify_all()
        return True

    def wait_for(self, n: int) -> list[prefetch.Job]:
        with self.idle:
            assert self.idle.wait_for(lambda: len(self.warmed) >= n, WAIT_S), self.warmed
        return self.warmed


def _jobs(*months: str) -> list[prefetch.Job]:
    return [prefetch.Job(WK, ALL, COMPANY, date.fromisoformat(m), False) for m in months]


def test_the_newest_plan_goes_first_and_the_queue_is_bounded(monkeypatch) -> None:
    w = _Worker(monkeypatch)
    first = _jobs("2026-01-01", "2026-02-01")
    assert prefetch.submit(object(), first) == 2
    assert w.started.wait(WAIT_S)  # the worker holds 2026-01 and waits at the gate
    older = _jobs(*(f"2025-{m:02d}-01" for m in range(1, 13)))
    prefetch.submit(object(), older)
    newest = _jobs("2026-05-01", "2026-06-01")
    prefetch.submit(object(), newest)
    assert len(prefetch._queue) == prefetch.MAX_QUEUED  # the oldest plans' tails fell off
    w.gate.set()
    warmed = w.wait_for(1 + prefetch.MAX_QUEUED)
    assert warmed[:3] == first[:1] + newest  # newest plan first, in its own order
    assert warmed[3:] == older[:prefetch.MAX_QUEUED - 2]  # then the older, likeliest first
    assert first[1] not in warmed  # dropped: the queue keeps MAX_QUEUED views


def test_a_warm_view_is_not_warmed_again_and_a_queued_one_moves_up(monkeypatch) -> None:
    w = _Worker(monkeypatch)
    a, b, c, d = _jobs("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01")
    prefetch.submit(object(), [a])
    assert w.started.wait(WAIT_S)
    prefetch.submit(object(), [b, c])
    assert prefetch.submit(object(), [c]) == 1  # c moves ahead of b, queued once
    assert list(j for _e, j in prefetch._queue) == [c, b]
    w.gate.set()
    assert w.wait_for(3) == [a, c, b]
    prefetch.submit(object(), [d])  # one worker: once d is warmed, b's record is written
    assert w.wait_for(4)[-1] == d
    assert prefetch.submit(object(), [a, b, c]) == 0  # all warm within the cache's lifetime


def test_switch_turns_it_off(monkeypatch) -> None:
    monkeypatch.setattr(prefetch, "_in_server", lambda: True)
    monkeypatch.delenv("CX_PREFETCH", raising=False)
    assert prefetch.enabled() is True  # a real server: on by default
    monkeypatch.setenv("CX_PREFETCH", "0")
    assert prefetch.enabled() is False
    monkeypatch.setenv("CX_PREFETCH", "1")
    assert prefetch.enabled() is True


def test_off_outside_a_real_server(monkeypatch) -> None:
    monkeypatch.delenv("CX_PREFETCH", raising=False)
    assert prefetch.enabled() is False  # AppTest and plain Python: no thread left behind
