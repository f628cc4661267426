"""The background warm-up of the views one click away (dashboard/prefetch.py), without Streamlit:
which views it plans, in which order, that it warms them through the functions it is given, and
that a view the viewer may not see is skipped rather than shown."""

from __future__ import annotations

import threading
import time

from dashboard import prefetch
from queries import access
from queries.scope import Scope

ALL = access.EVERYTHING.key
URL = "duckdb:///x.duckdb"


def test_company_plan_is_the_worst_region_the_previous_month_then_the_next_regions() -> None:
    jobs = prefetch.plan(URL, None, None, "2026-10-01", "2026-09-01", ALL,
                         ["MW", "NE", "S", "W", "P"], "region", True)
    assert [(j.region, j.location, j.month_iso) for j in jobs] == [
        ("MW", None, "2026-10-01"), (None, None, "2026-09-01"), ("NE", None, "2026-10-01"),
        ("S", None, "2026-10-01")]  # three regions: those the verdict names
    # each region's verdict quotes that region's findings; the company's, the company's
    assert [(j.findings_region, j.findings) for j in jobs] == [
        ("MW", True), (None, True), ("NE", True), ("S", True)]


def test_region_plan_warms_locations_without_recomputing_the_region_findings() -> None:
    keys = [f"L{i}" for i in range(12)]
    jobs = prefetch.plan(URL, "MW", None, "2026-10-01", None, ALL, keys, "location", True)
    assert [j.location for j in jobs] == keys[:prefetch.CHILDREN]  # the worst few only
    assert all(j.region == "MW" and not j.findings for j in jobs)


def test_first_month_and_location_have_nothing_further() -> None:
    assert prefetch.plan(URL, "MW", "L1", "2026-10-01", None, ALL, [], None, True) == []
    only_month = prefetch.plan(URL, "MW", "L1", "2026-10-01", "2026-09-01", ALL, [], None, True)
    assert [(j.region, j.location, j.month_iso, j.findings_region) for j in only_month] == [
        ("MW", "L1", "2026-09-01", "MW")]


def test_warm_calls_the_page_functions_with_the_view_keys() -> None:
    calls: list[tuple] = []

    def card(eng, url, region, location, month, allowed):
        calls.append(("card", region, location, month, allowed))

    def ranked(eng, url, region, location, month, allowed):
        calls.append(("ranked", region, location, month, allowed))

    def analyses(eng, url, region, location, month, allowed):
        calls.append(("analyses", region, location, month, allowed))

    job = prefetch.Job(URL, "MW", "L1", "2026-10-01", ALL, "MW", True)
    prefetch.warm(object(), job, card=card, ranked=ranked, analyses=analyses)
    assert calls == [("card", "MW", "L1", "2026-10-01", ALL),
                     ("card", "MW", None, "2026-10-01", ALL),
                     ("ranked", "MW", None, "2026-10-01", ALL),
                     ("analyses", "MW", None, "2026-10-01", ALL)]


def test_warm_hands_the_ranked_children_to_follow_links_only() -> None:
    """The children come from the view's own ranking, worst first; a child outside every
    region (no key to link to) is not a view to warm."""
    import pandas as pd

    from dashboard import nav

    card = type("Card", (), {"scope": Scope(region="MW")})()
    ranking = pd.DataFrame({"key": ["L7", nav.NO_KEY[1], "L3"]})
    followed: list[tuple] = []
    job = prefetch.Job(URL, "MW", None, "2026-10-01", ALL, "MW", True)
    assert prefetch.warm(object(), job, card=lambda *a: card, ranked=lambda *a: ranking,
                         analyses=lambda *a: None,
                         follow=lambda keys, level: followed.append((keys, level)))
    assert followed == [(["L7", "L3"], "location")]
    empty = pd.DataFrame({"key": []})
    prefetch.warm(object(), job, card=lambda *a: card, ranked=lambda *a: empty,
                  analyses=lambda *a: None, follow=lambda *a: followed.append(a))
    assert len(followed) == 1  # nothing ranked, nothing followed


def test_a_view_outside_the_viewer_rights_is_not_computed() -> None:
    """The warm-up goes through the same access check as a visit: a location-only viewer's
    region is refused there, and nothing of it is computed."""
    only = access.Allowed(False, frozenset(), frozenset({"L1"}))
    computed: list[tuple] = []

    def card(eng, url, region, location, month, allowed):
        access.Allowed(allowed[0], frozenset(allowed[1]), frozenset(allowed[2])).check(
            Scope(region=region, location=location))
        computed.append((region, location))

    job = prefetch.Job(URL, "MW", "L1", "2026-10-01", only.key, "MW", False)
    prefetch.warm(object(), job, card=card, ranked=lambda *a: None, analyses=lambda *a: None)
    assert computed == [("MW", "L1")]  # its own location only, not the region it may not see


def _no_threads(monkeypatch) -> None:
    """The queue without its threads: the test takes and works the jobs itself, in order."""
    monkeypatch.setattr(prefetch, "_start", lambda: None)
    monkeypatch.setattr(prefetch, "_done", {})
    monkeypatch.setattr(prefetch, "_entries", {})
    monkeypatch.setattr(prefetch, "_pending", [])


def test_the_worker_warms_queued_views_newest_first(monkeypatch) -> None:
    _no_threads(monkeypatch)
    seen: list[str | None] = []
    monkeypatch.setattr(prefetch, "warm", lambda engine, job, **_: seen.append(job.region) or True)
    older = [prefetch.Job(URL, "A", None, "2026-10-01", ALL, "A", True)]
    newer = [prefetch.Job(URL, r, None, "2026-09-01", ALL, r, True) for r in ("B", "C")]
    assert prefetch.submit(object(), older) == 1
    assert prefetch.submit(object(), newer) == 2
    assert prefetch.submit(object(), newer) == 0  # already queued: not twice
    for _ in range(3):
        prefetch._work(*prefetch._take())
    assert seen == ["B", "C", "A"]


def test_a_superseded_job_goes_behind_the_newer_views(monkeypatch) -> None:
    _no_threads(monkeypatch)
    seen: list[tuple[str | None, bool]] = []
    newer = [prefetch.Job(URL, r, None, "2026-09-01", ALL, r, True) for r in ("B", "C")]

    def fake_warm(engine, job, superseded, **_):
        if job.region == "A" and not seen:  # the reader clicks on while A is being warmed
            assert not superseded()
            assert prefetch.submit(object(), newer) == 2
            finished = not superseded()
        else:
            finished = True
        seen.append((job.region, finished))
        return finished

    monkeypatch.setattr(prefetch, "warm", fake_warm)
    prefetch.submit(object(), [prefetch.Job(URL, "A", None, "2026-10-01", ALL, "A", True)])
    for _ in range(4):
        prefetch._work(*prefetch._take())
    assert seen == [("A", False), ("B", True), ("C", True), ("A", True)]
    assert not prefetch._pending


def test_one_worker_warms_one_view_at_a_time(monkeypatch) -> None:
    """Two warm-ups beside the live page made every job two to three times slower on two
    cores: one thread, and a second job waits for the first."""
    monkeypatch.setattr(prefetch, "_done", {})
    monkeypatch.setattr(prefetch, "_entries", {})
    monkeypatch.setattr(prefetch, "_pending", [])
    monkeypatch.setattr(prefetch, "_workers", [])
    long_started, release, both = threading.Event(), threading.Event(), threading.Event()
    seen: list[str | None] = []

    def fake_warm(engine, job, **_):
        seen.append(job.region)
        if job.region == "LONG":
            long_started.set()
            release.wait(10)
        else:
            both.set()
        return True

    monkeypatch.setattr(prefetch, "warm", fake_warm)
    prefetch.submit(object(), [prefetch.Job(URL, "LONG", None, "2026-10-01", ALL, None, True)])
    assert long_started.wait(10)
    prefetch.submit(object(), [prefetch.Job(URL, "Q", "L1", "2026-10-01", ALL, "Q", False)])
    try:
        assert not both.wait(0.3)  # the quick job waits: no second thread took it
        assert len(prefetch._workers) == prefetch.WORKERS == 1
    finally:
        release.set()
    assert both.wait(10) and seen == ["LONG", "Q"]


def test_a_warmed_views_worst_child_is_warmed_next_by_weight(monkeypatch) -> None:
    """Company -> worst region -> its worst location: the worst child of a warmed view is
    queued with half its view's weight, after the month change (0.5) and before the second
    child (0.2); a step further is never followed again."""
    _no_threads(monkeypatch)
    seen: list[tuple[str | None, str | None, str]] = []
    children = {None: ["MW", "SC", "PA"], "MW": ["L7", "L3"], "SC": ["L9"]}

    def fake_warm(engine, job, follow, **_):
        seen.append((job.region, job.location, job.month_iso))
        if job.location is None:  # a region's children are locations, the company's regions
            follow(children.get(job.region, []), "location" if job.region else "region")
        return True

    monkeypatch.setattr(prefetch, "warm", fake_warm)
    jobs = prefetch.plan(URL, None, None, "2026-10-01", "2026-09-01", ALL,
                         children[None], "region", True)
    assert prefetch.submit(object(), jobs) == 4
    while prefetch._pending:
        prefetch._work(*prefetch._take())
    assert seen == [
        ("MW", None, "2026-10-01"),   # 1.0   worst region
        (None, None, "2026-09-01"),   # 0.5   the month before
        ("MW", "L7", "2026-10-01"),   # 0.5   the worst region's worst location (a step further)
        ("MW", None, "2026-09-01"),   # 0.25  the month before's worst region (a step further)
        ("SC", None, "2026-10-01"),   # 0.2   second region
        ("PA", None, "2026-10-01"),   # 0.1   third region
        ("SC", "L9", "2026-10-01"),   # 0.1   second region's worst location, queued after PA
    ]  # the steps further were not followed again (no L7 in September, nothing under L7)


def test_a_step_further_is_not_queued_twice_or_after_its_view_was_warmed(monkeypatch) -> None:
    _no_threads(monkeypatch)
    entry = prefetch.Entry(object(), prefetch.Job(URL, None, None, "2026-10-01", ALL, None, True),
                           1.0, 1)
    assert prefetch._follow(entry, ["MW", "SC"], "region") is True
    assert prefetch._follow(entry, ["MW", "SC"], "region") is False  # already queued
    assert prefetch._follow(entry, [], "region") is False
    (queued,) = prefetch._pending
    assert (queued.job.region, queued.weight, queued.followed) == ("MW", 0.5, True)
    assert prefetch._follow(queued, ["L1"], "location") is False  # never two steps further
    loc = prefetch.Entry(object(), prefetch.Job(URL, "MW", "L1", "2026-10-01", ALL, "MW", False),
                         1.0, 1)
    assert prefetch._follow(loc, ["x"], None) is False  # a location has no children


def test_warm_steps_aside_between_steps_and_waits_for_live_runs() -> None:
    order: list[str] = []
    job = prefetch.Job(URL, "MW", None, "2026-10-01", ALL, "MW", True)
    prefetch.warm(object(), job, card=lambda *a: order.append("card"),
                  ranked=lambda *a: order.append("ranked"),
                  analyses=lambda *a: order.append("analyses"),
                  pause=lambda: order.append("pause"))
    assert order == ["pause", "card", "pause", "ranked", "pause", "analyses"]
    # _quiet returns once the live run ends (well before its limit)
    ended = threading.Event()

    def page_run() -> None:
        with prefetch.live_run():
            ended.wait(0.3)

    t = threading.Thread(target=page_run)
    t.start()
    while not prefetch._live:  # the run has started
        time.sleep(0.001)
    prefetch._quiet(limit_s=30)
    assert not prefetch._live
    # ... and the grace after it: the browser draws what the run sent before the next step
    assert time.monotonic() - prefetch._live_ended >= prefetch.GRACE_S
    t.join()
    t0 = time.monotonic()
    prefetch._quiet(limit_s=0.05, grace_s=60)  # the limit still holds (busy servers warm too)
    assert time.monotonic() - t0 < 5


def test_findings_are_remembered_per_key_for_the_cache_lifetime(monkeypatch) -> None:
    from dashboard import data
    from dashboard.panels import verdict as panel

    monkeypatch.setattr(panel, "_memo", type(panel._memo)())
    key = panel.findings_key(URL, "MW", "2026-10-01", ALL)
    other = panel.findings_key(URL, "MW", "2026-09-01", ALL)
    assert panel.known_findings(key) is None
    panel.remember_findings(key, ["Yes where it was tried."])
    assert panel.known_findings(key) == ["Yes where it was tried."]
    assert panel.known_findings(other) is None  # another month: not known
    narrower = panel.findings_key(URL, "MW", "2026-10-01",
                                  access.Allowed(False, frozenset({"MW"}), frozenset()).key)
    assert panel.known_findings(narrower) is None  # other rights: never shared
    now = time.monotonic()
    monkeypatch.setattr(panel.time, "monotonic", lambda: now + data.TTL_S + 1)
    assert panel.known_findings(key) is None  # expired with the cache


def test_warm_remembers_the_sentences_of_the_analyses_it_computed() -> None:
    got: list[tuple] = []
    job = prefetch.Job(URL, None, None, "2026-10-01", ALL, None, True)
    prefetch.warm(object(), job, card=lambda *a: None, ranked=lambda *a: None,
                  analyses=lambda *a: {"results": 1}, pause=lambda: None,
                  remember=lambda j, r: got.append((j, r)))
    assert got == [(job, {"results": 1})]


def test_off_outside_a_real_server(monkeypatch) -> None:
    assert prefetch.enabled() is False  # no Streamlit server in this process
    monkeypatch.setenv("CX_PREFETCH", "0")
    assert prefetch.enabled() is False


def test_warm_stops_between_steps_when_a_newer_view_queued_work() -> None:
    """A reader who clicked on is served first: the job stops at its next step, unfinished."""
    order: list[str] = []
    newer = iter([False, True])  # newer work arrives while the card is computed
    job = prefetch.Job(URL, "MW", None, "2026-10-01", ALL, "MW", True)
    finished = prefetch.warm(object(), job, card=lambda *a: order.append("card"),
                             ranked=lambda *a: order.append("ranked"),
                             analyses=lambda *a: order.append("analyses"),
                             pause=lambda: None, superseded=lambda: next(newer))
    assert finished is False and order == ["card"]
    assert prefetch.warm(object(), job, card=lambda *a: order.append("card"),
                         ranked=lambda *a: order.append("ranked"),
                         analyses=lambda *a: order.append("analyses"),
                         pause=lambda: None) is True
    assert order == ["card", "card", "ranked", "analyses"]


def test_a_step_further_moves_up_when_its_month_is_drawn(monkeypatch) -> None:
    """The month before's worst region sits low in the queue (a step further, 0.25) until the
    reader changes month: then it is that view's worst child and goes first, not behind."""
    _no_threads(monkeypatch)
    company = prefetch.plan(URL, None, None, "2026-10-01", "2026-09-01", ALL,
                            ["MW", "SC", "PA"], "region", True)
    prefetch.submit(object(), company)
    parent = next(e for e in prefetch._pending if e.job.month_iso == "2026-09-01")
    assert prefetch._follow(parent, ["MW"], "region")
    september = prefetch.plan(URL, None, None, "2026-09-01", "2026-08-01", ALL,
                              ["MW", "SC"], "region", True)
    assert prefetch.submit(object(), september) == 3  # MW moved up, August and SC queued
    first = prefetch._pending[0]
    assert (first.job.region, first.job.month_iso, first.weight) == ("MW", "2026-09-01", 1.0)
    assert first.followed is False  # now a direct job: its own worst child may follow
    assert len([e for e in prefetch._pending if e.job == first.job]) == 1  # moved, not copied
    assert prefetch.submit(object(), september) == 0  # the same view again: nothing changes


def test_a_running_job_the_newest_view_also_wants_is_not_superseded(monkeypatch) -> None:
    _no_threads(monkeypatch)
    seen: list[tuple[str | None, bool]] = []
    mw = prefetch.Job(URL, "MW", None, "2026-09-01", ALL, "MW", True)

    def fake_warm(engine, job, superseded, **_):
        if job == mw and not seen:  # the month is drawn while its worst region is warmed
            prefetch.submit(object(), [mw, prefetch.Job(URL, "SC", None, "2026-09-01", ALL,
                                                        "SC", True)])
        seen.append((job.region, not superseded()))
        return not superseded()

    monkeypatch.setattr(prefetch, "warm", fake_warm)
    prefetch.submit(object(), [mw])
    while prefetch._pending:
        prefetch._work(*prefetch._take())
    assert seen == [("MW", True), ("SC", True)]  # MW finished at once, warmed once


def test_an_older_views_job_taken_later_is_warmed_not_put_back_forever(monkeypatch) -> None:
    """A job of an older view, taken once the newer view's jobs are done, runs to its end: it
    yields only to work queued after it was taken (no loop that takes and puts it back)."""
    _no_threads(monkeypatch)
    seen: list[tuple[str | None, bool]] = []

    def fake_warm(engine, job, superseded, **_):
        seen.append((job.region, not superseded()))
        return not superseded()

    monkeypatch.setattr(prefetch, "warm", fake_warm)
    prefetch.submit(object(), [prefetch.Job(URL, "A", None, "2026-10-01", ALL, "A", True)])
    prefetch.submit(object(), [prefetch.Job(URL, "B", None, "2026-09-01", ALL, "B", True)])
    for _ in range(5):
        if not prefetch._pending:
            break
        prefetch._work(*prefetch._take())
    assert seen == [("B", True), ("A", True)] and not prefetch._pending
