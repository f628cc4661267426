"""Review actions: validation, persistence, concurrency and status, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from queries.scope import Dims, Scope
from store import actions as ac
from store.actions import (
    ActionInput,
    ActionStore,
    ActionsUnavailable,
    InvalidAction,
    UnknownAction,
)

TODAY = date(2026, 11, 16)  # the November meeting reviews October
NOV, DEC, JAN, FEB = date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)
DIMS = Dims(
    locations=pd.DataFrame({"location_id": ["L1", "L2", "L3"],
                            "location_name": ["Lakeside", "Ridge", "Bayou"],
                            "region_id": ["N", "N", "S"]}),
    regions=pd.DataFrame({"region_id": ["N", "S"], "region_name": ["North", "South"]}),
)


def action(**over) -> ActionInput:
    base = {"scope": Scope(region="N"), "metric": "nps", "owner": "Ana Ruiz",
            "text": "Call every detractor from October within the week.", "due_month": DEC}
    return ActionInput(**(base | over))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, tmp_path) -> str:
    """An empty actions database on each engine (the file or database does not exist yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sub' / 'actions.sqlite'}"
    return request.getfixturevalue("pg_databases").create()


@pytest.fixture
def store(url):
    s = ActionStore(url)
    yield s
    s.dispose()


@pytest.mark.parametrize("over, field, words", [
    ({"owner": "   "}, "owner", "Owner is required"),
    ({"owner": "x" * 81}, "owner", "at most 80"),
    ({"owner": "Ana\nRuiz"}, "owner", "control characters"),
    ({"text": ""}, "text", "Action is required"),
    ({"text": "y" * 501}, "text", "at most 500"),
    ({"metric": "bogus"}, "metric", "Unknown metric 'bogus'"),
    ({"metric": "exec_owner"}, "metric", "Unknown metric"),
    ({"due_month": date(2026, 10, 1)}, "due_month", "Oct 2026 is in the past"),
    ({"due_month": date(2030, 1, 1)}, "due_month", "more than 36 months"),
    ({"scope": Scope(location="L1")}, "scope", "needs its region"),
    ({"scope": Scope(region="N;drop table")}, "scope", "is not valid"),
])
def test_validation_names_the_field_and_stores_nothing(store, over, field, words):
    with pytest.raises(InvalidAction, match=words) as err:
        store.add(action(**over), TODAY)
    assert err.value.field == field
    assert isinstance(err.value, ValueError)
    assert store.list(month=NOV) == []


def test_scope_is_checked_against_the_dimensions(store):
    with pytest.raises(InvalidAction, match="Unknown region 'ZZ'"):
        store.add(action(scope=Scope(region="ZZ")), TODAY, DIMS)
    with pytest.raises(InvalidAction, match="not in region"):
        store.add(action(scope=Scope(region="S", location="L1")), TODAY, DIMS)
    a = store.add(action(scope=Scope(location="L1")), TODAY, DIMS)  # a location fixes its region
    assert (a.scope_level, a.region_id, a.location_id) == ("location", "N", "L1")


def test_inputs_are_cleaned_and_the_due_month_normalised(store):
    a = store.add(action(owner="  Ana Ruiz ", text="\n Fix it.  ", due_month=date(2026, 11, 30),
                         created_by=" lead "), TODAY)
    assert (a.owner, a.text, a.due_month, a.created_by) == ("Ana Ruiz", "Fix it.", NOV, "lead")
    assert a.status == "open"  # due this month is not overdue
    assert a.created_at.tzinfo is not None
    got = store.get(a.id)
    assert (got.owner, got.text, got.due_month) == ("Ana Ruiz", "Fix it.", NOV)
    assert got.created_at == a.created_at


def test_unicode_and_limits_exactly_at_the_edge(store):
    a = store.add(action(owner="Zoë Ø’Brien – CX" + "x" * (80 - 16), text="±" * 500), TODAY)
    assert len(store.get(a.id).owner) == 80 and store.get(a.id).text == "±" * 500


def test_a_restart_loses_nothing(url):
    first = ActionStore(url)
    ids = [first.add(action(owner=f"Owner {i}"), TODAY).id for i in range(3)]
    first.mark_done(ids[1], datetime(2026, 11, 20, tzinfo=UTC))
    first.dispose()
    again = ActionStore(url)  # a new process on the same file/database
    listed = {a.id: a for a in again.list(month=NOV)}
    assert sorted(listed) == sorted(ids)
    assert listed[ids[1]].status == "done" and listed[ids[0]].status == "open"
    again.dispose()


def test_two_sessions_adding_at_once_lose_nothing(url):
    """Four sessions, each its own engine and connections, add 15 actions each at once."""
    sessions, per = 4, 15
    stores = [ActionStore(url) for _ in range(sessions)]
    stores[0].list()  # create the table once, as the first page view would
    start = threading.Barrier(sessions)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            start.wait()
            for i in range(per):
                stores[k].add(action(owner=f"s{k}-{i}"), TODAY)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    fresh = ActionStore(url)
    owners = sorted(a.owner for a in fresh.list(month=NOV))
    assert owners == sorted(f"s{k}-{i}" for k in range(sessions) for i in range(per))
    assert len({a.id for a in fresh.list(month=NOV)}) == sessions * per
    for s in [*stores, fresh]:
        s.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    path = tmp_path / "a.sqlite"
    s = ActionStore(f"sqlite:///{path}")
    s.list()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.dispose()


def test_status_is_derived_per_review_month(store):
    a = store.add(action(due_month=DEC), TODAY)
    by_month = {m: store.list(month=m)[0].status for m in (NOV, DEC, JAN)}
    assert by_month == {NOV: "open", DEC: "open", JAN: "overdue"}
    assert a.status_in(JAN) == "overdue"
    done = store.mark_done(a.id, datetime(2027, 1, 12, 9, 30, tzinfo=UTC))
    assert done.status == "done" and done.done_at == datetime(2027, 1, 12, 9, 30, tzinfo=UTC)
    assert [x.status for x in store.list(month=JAN)] == ["done"]  # done in the review month
    assert [x.status for x in store.list(month=DEC)] == ["done"]  # the meeting after sees it
    assert store.list(month=FEB) == []  # done before February: off the agenda
    again = store.mark_done(a.id, datetime(2027, 3, 1, tzinfo=UTC))  # idempotent
    assert again.done_at == done.done_at


def test_overdue_first_then_by_due_month(store):
    late = store.add(action(due_month=NOV, owner="late"), TODAY)
    later = store.add(action(due_month=JAN, owner="later"), TODAY)
    soon = store.add(action(due_month=DEC, owner="soon"), TODAY)
    listed = store.list(month=DEC)
    assert [a.id for a in listed] == [late.id, soon.id, later.id]
    assert [a.status for a in listed] == ["overdue", "open", "open"]
    assert [a.id for a in store.list(month=DEC, statuses=["overdue"])] == [late.id]


def test_listing_by_scope(store):
    company = store.add(action(scope=Scope()), TODAY)
    north = store.add(action(scope=Scope(region="N")), TODAY)
    lakeside = store.add(action(scope=Scope(region="N", location="L1")), TODAY)
    south = store.add(action(scope=Scope(region="S")), TODAY)

    def ids(*args, **kw) -> set[int]:
        return {a.id for a in store.list(*args, month=NOV, **kw)}

    assert ids() == ids(Scope()) == {company.id, north.id, lakeside.id, south.id}
    assert ids(Scope(), include_children=False) == {company.id}
    assert ids(Scope(region="N")) == {north.id, lakeside.id}
    assert ids(Scope(region="N"), include_children=False) == {north.id}
    assert ids(Scope(region="N", location="L1")) == {lakeside.id}


def test_unknown_action(store):
    with pytest.raises(UnknownAction, match="#999"):
        store.mark_done(999)


def test_a_locked_sqlite_database_is_reported_not_hung(tmp_path):
    path = tmp_path / "locked.sqlite"
    store = ActionStore(f"sqlite:///{path}", busy_timeout_s=0.3)
    store.list()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ActionsUnavailable, match="busy"):
            store.add(action(), TODAY)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.add(action(), TODAY).id == 1  # works again once the lock is gone
    store.dispose()


@pytest.mark.parametrize("make_url", [
    lambda tmp: "postgresql+psycopg://nobody@127.0.0.1:1/none",  # nothing listens on port 1
    lambda tmp: f"sqlite:///{tmp / 'a-file'}/actions.sqlite",  # parent is a file, not a folder
    lambda tmp: "not a url",
])
def test_an_unavailable_database_raises_actions_unavailable(tmp_path, make_url):
    (tmp_path / "a-file").write_text("x")
    store = ActionStore(make_url(tmp_path))  # constructing never connects
    with pytest.raises(ActionsUnavailable):
        store.list()
    with pytest.raises(ActionsUnavailable):
        store.add(action(), TODAY)


def test_default_url_and_reading_without_creating(monkeypatch, tmp_path):
    monkeypatch.delenv(ac.ENV_URL, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ac.default_url() == f"sqlite:///{tmp_path}/.cache/cx-scorecard/actions.sqlite"
    assert ac.store_for_reading() == []
    assert not (tmp_path / ".cache").exists()
    monkeypatch.setenv(ac.ENV_URL, f"sqlite:///{tmp_path}/env.sqlite")
    assert isinstance(ac.store_for_reading(), ActionStore)
    assert ActionStore().url == f"sqlite:///{tmp_path}/env.sqlite"


def test_the_table_has_the_documented_columns(store, url):
    store.list()
    cols = {c["name"] for c in sa.inspect(sa.create_engine(url)).get_columns(ac.TABLE)}
    assert cols == {"id", "scope_level", "region_id", "location_id", "metric", "owner", "text",
                    "due_month", "created_at", "created_by", "done_at", "status", "review_month"}


def test_an_action_shows_only_from_the_review_month_it_was_recorded_in(store):
    # Recorded at the October review (held on 16 November): not in September's view.
    a = store.add(action(due_month=DEC, review_month=date(2026, 10, 1)), TODAY)
    assert [x.id for x in store.list(month=date(2026, 10, 1))] == [a.id]
    assert store.list(month=date(2026, 9, 1)) == []
    # Without a review month it counts from the month it was recorded (November).
    b = store.add(action(due_month=DEC), TODAY)
    assert b.id not in {x.id for x in store.list(month=date(2026, 10, 1))}
    assert b.id in {x.id for x in store.list(month=NOV)}


def test_an_old_table_without_review_month_gets_the_column(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    eng = sa.create_engine(url)
    ac.META.create_all(eng)
    with eng.begin() as c:  # the table as it was before review_month existed
        c.execute(sa.text(f"ALTER TABLE {ac.TABLE} DROP COLUMN review_month"))
    eng.dispose()
    s = ac.ActionStore(url)
    a = s.add(action(due_month=DEC), TODAY)
    assert [x.id for x in s.list(month=NOV)] == [a.id]
    s.dispose()


# --- the panel, through Streamlit's AppTest ----------------------------------------------------

def _panel_script(url: str | None, broken: bool) -> None:
    from datetime import date

    from dashboard.panels.actions import render_actions
    from queries.scope import Scope
    from store.actions import ActionStore

    store = None if url is None else ActionStore(url)
    if broken:
        store = ActionStore("postgresql+psycopg://nobody@127.0.0.1:1/none")
    render_actions(store, Scope(region="N"), date(2026, 10, 1),
                   {"nps": "Net Promoter Score", "enps": "Employee NPS"}, "act",
                   scope_names={"N": "North", "L1": "Lakeside"}, today=date(2026, 11, 16))


def _app(url: str | None, broken: bool = False):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_function(_panel_script, args=(url, broken), default_timeout=30)


def test_panel_keeps_inputs_on_error_then_adds_and_marks_done(tmp_path):
    url = f"sqlite:///{tmp_path / 'panel.sqlite'}"
    at = _app(url).run()
    assert not at.exception
    assert any("No actions recorded" in c.value for c in at.caption)
    at.text_area(key="act-text").input("Call the three detractors at Lakeside.")
    at.button[0].click().run()  # the form's submit button, with no owner
    assert [e.value for e in at.error] == ["Owner is required."]
    assert at.text_area(key="act-text").value == "Call the three detractors at Lakeside."
    at.text_input(key="act-owner").input("Ana Ruiz")
    at.button[0].click().run()
    assert not at.error
    assert any("added for Ana Ruiz" in s.value for s in at.success)
    assert at.text_input(key="act-owner").value == ""  # cleared after a good submit only
    md = " ".join(m.value for m in at.markdown)
    assert ":blue-badge[Open]" in md and "Ana Ruiz" in md
    listed = ActionStore(url).list(month=date(2026, 10, 1))
    assert [(a.owner, a.region_id, a.metric) for a in listed] == [("Ana Ruiz", "N", "nps")]
    assert at.text_area(key="act-text").value == ""
    # the same action sent again (a second click): refused, said, the form cleared
    at.text_input(key="act-owner").input("Ana Ruiz")
    at.text_area(key="act-text").input("Call the three detractors at Lakeside.")
    next(b for b in at.button if b.label == "Add action").click().run()
    assert any(f"already recorded as #{listed[0].id}" in s.value for s in at.success)
    assert len(ActionStore(url).list(month=date(2026, 10, 1))) == 1
    assert at.text_input(key="act-owner").value == ""
    at.button(key=f"act-done-{listed[0].id}").click().run()
    assert ":green-badge[Done]" in " ".join(m.value for m in at.markdown)
    assert ActionStore(url).get(listed[0].id).done_at is not None


def test_panel_warns_when_the_database_is_down_and_without_a_store():
    at = _app(None, broken=True).run()
    assert not at.exception
    assert any("Actions are unavailable" in w.value for w in at.warning)
    at = _app(None).run()
    assert any("not set up" in c.value for c in at.caption)


def test_the_store_module_does_not_import_streamlit():
    src = Path(ac.__file__).read_text(encoding="utf-8")
    assert "import streamlit" not in src


def test_a_second_click_saves_no_duplicate(store):
    """'Add action' clicked twice sends the same action twice: the second is refused with the
    first one's id, and nothing is added; the same words recorded at another review, or again
    once the first is done, are a new action."""
    a = store.add(action(review_month=date(2026, 10, 1)), TODAY)
    with pytest.raises(ac.DuplicateAction) as exc:
        store.add(action(review_month=date(2026, 10, 1)), TODAY)
    assert exc.value.existing == a.id and f"#{a.id}" in str(exc.value)
    assert [x.id for x in store.list(month=date(2026, 10, 1))] == [a.id]
    other_owner = store.add(action(owner="Bo Li", review_month=date(2026, 10, 1)), TODAY)
    assert other_owner.id != a.id
    store.mark_done(a.id)
    again = store.add(action(review_month=date(2026, 10, 1)), TODAY)
    assert again.id not in (a.id, other_owner.id)
