"""Uncached views under load (dashboard/builds.py): at most `size` builds at once, one build per
view shared by every session asking for it, and the page's "Preparing this view" words. Threads
are synchronised with events and the gate's own callbacks: no timing is asserted."""

from __future__ import annotations

import contextlib
import threading
from datetime import date

import pytest

from dashboard import builds, data
from queries.scope import Scope

WAIT_S = 30  # a guard against a hung test, never a measured time


class Blocked:
    """A build that records itself and waits until released."""

    def __init__(self, value: object = None) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self.value = value if value is not None else object()

    def __call__(self) -> object:
        self.calls += 1
        self.started.set()
        assert self.release.wait(WAIT_S)
        return self.value


def _in_thread(fn) -> tuple[threading.Thread, list]:
    out: list = []
    t = threading.Thread(target=lambda: out.append(_outcome(fn)), daemon=True)
    t.start()
    return t, out


def _outcome(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - handed to the test
        return exc


def test_sessions_asking_for_the_same_view_share_one_build() -> None:
    gate, build = builds.Gate(2), Blocked()
    lead, lead_out = _in_thread(lambda: gate.run("view", build))
    assert build.started.wait(WAIT_S)
    joined = threading.Event()
    heard: list[str] = []
    other = Blocked()
    follow, follow_out = _in_thread(lambda: gate.run(
        "view", other, on_wait=lambda why: (heard.append(why), joined.set())))
    assert joined.wait(WAIT_S)  # the second session waits for the first one's build
    build.release.set()
    lead.join(WAIT_S), follow.join(WAIT_S)
    assert lead_out == [build.value] and follow_out == [build.value]  # one result, shared
    assert (build.calls, other.calls, heard) == (1, 0, ["shared"])
    assert gate.run("view", lambda: "built again") == "built again"  # nothing kept after


def test_no_more_builds_at_once_than_slots_the_next_one_waits_its_turn() -> None:
    gate = builds.Gate(2)
    first, second, third = Blocked(), Blocked(), Blocked()
    threads = [_in_thread(lambda b=b, k=k: gate.run(k, b))
               for k, b in (("a", first), ("b", second))]
    assert first.started.wait(WAIT_S) and second.started.wait(WAIT_S)
    assert gate.busy() and gate.running == 2
    queued = threading.Event()
    late, late_out = _in_thread(lambda: gate.run("c", third, on_wait=lambda why: queued.set()))
    assert queued.wait(WAIT_S)  # told to wait: both slots are taken
    assert third.calls == 0 and gate.running == 2
    third.release.set()  # ready to finish, but it has not started: no slot yet
    assert not third.started.is_set()
    first.release.set()  # a slot frees up: the waiting view is built
    late.join(WAIT_S)
    assert late_out == [third.value] and third.calls == 1
    second.release.set()
    for t, _out in threads:
        t.join(WAIT_S)
    assert gate.running == 0 and not gate.busy()


def test_a_failed_build_fails_every_waiting_session_then_is_tried_afresh() -> None:
    gate = builds.Gate(1)
    started, release = threading.Event(), threading.Event()

    def failing():
        started.set()
        assert release.wait(WAIT_S)
        raise TimeoutError("statement timeout")

    lead, lead_out = _in_thread(lambda: gate.run("view", failing))
    assert started.wait(WAIT_S)
    joined = threading.Event()
    follow, follow_out = _in_thread(lambda: gate.run("view", lambda: "unused",
                                                     on_wait=lambda why: joined.set()))
    assert joined.wait(WAIT_S)
    release.set()
    lead.join(WAIT_S), follow.join(WAIT_S)
    assert isinstance(lead_out[0], TimeoutError) and follow_out[0] is lead_out[0]
    assert gate.run("view", lambda: "second try") == "second try"


class _Stopped(BaseException):
    """Like Streamlit's StopException: the building session's script was stopped."""


def test_when_the_building_session_stops_a_waiting_one_builds_for_itself() -> None:
    gate = builds.Gate(1)
    started, release = threading.Event(), threading.Event()

    def stopped():
        started.set()
        assert release.wait(WAIT_S)
        raise _Stopped

    def lead_run():
        try:
            gate.run("view", stopped)
        except _Stopped:
            return "stopped"

    lead, lead_out = _in_thread(lead_run)
    assert started.wait(WAIT_S)
    joined = threading.Event()
    follow, follow_out = _in_thread(lambda: gate.run("view", lambda: "own build",
                                                     on_wait=lambda why: joined.set()))
    assert joined.wait(WAIT_S)
    release.set()
    lead.join(WAIT_S), follow.join(WAIT_S)
    assert lead_out == ["stopped"] and follow_out == ["own build"]


@pytest.mark.parametrize(("raw", "expected"), [("3", 3), ("", 2), ("0", 2), ("x", 2)])
def test_slots_come_from_the_setting(monkeypatch, raw: str, expected: int) -> None:
    monkeypatch.setenv("CX_BUILD_SLOTS", raw)
    assert builds.slots() == expected


def test_the_page_says_when_a_view_waits_its_turn(monkeypatch) -> None:
    """A miss shows the cache's spinner "Preparing this view…" (never a hit); the page adds
    that the view waits its turn only while every slot is taken."""
    assert data.build_card._info.show_spinner == data.PREPARING  # noqa: SLF001
    gate = builds.Gate(1)
    monkeypatch.setattr(builds, "GATE", gate)
    spinners: list[str] = []
    monkeypatch.setattr(data.st, "spinner", lambda text, **kw: (
        spinners.append(text), contextlib.nullcontext())[1])
    monkeypatch.setattr(data, "build_card", lambda *a: "card")
    monkeypatch.setattr(data, "warehouse", lambda *a: "key")
    assert data.card(None, "u", Scope(), date(2026, 10, 1), ()) == "card"
    assert spinners == []  # a free slot: nothing added
    build = Blocked()
    t, _out = _in_thread(lambda: gate.run("busy", build))
    assert build.started.wait(WAIT_S)
    assert data.card(None, "u", Scope(), date(2026, 10, 1), ()) == "card"
    assert len(spinners) == 1 and "waits its turn" in spinners[0]
    build.release.set()
    t.join(WAIT_S)
