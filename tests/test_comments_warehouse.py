"""Comments in the warehouse: the optional contract table and `check`'s counts, the batch
tagging step, a view's theme figures worked out by hand (the same on DuckDB and PostgreSQL), the
CLI, and hostile or personal text never shown as markup or unmasked."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from cli import main as cli
from queries.scope import Scope
from queries.sql.check import check
from queries.sql.engine import make_engine
from queries.text import figures, store
from queries.windows import WINDOWS
from tests import fixture_warehouse as fw

OCT = date(2026, 10, 1)
PHONE, EMAIL = "555-123-4567", "jo.doe@example.com"
HOSTILE = ("<b>x</b> [click](http://evil.example) =cmd|' /C calc'!A0 \u202eevil\u202c "
           + "waited " * 1500)
# response 4 (L1, Oct, NPS 3) and 8 (L2, Oct, NPS 6) are October's detractors, 11 (L1, Sep,
# NPS 5) September's; 3 (NPS 7) a passive, 1 (NPS 10) a promoter, 6 (NPS 11) out of range.
COMMENTS = [
    (1, "Quick service and friendly staff!"),
    (3, "Fair price but I waited two hours"),
    (4, f"Waited 3 hours and nobody called me back. Call me at {PHONE} or {EMAIL}"),
    (8, "Way overpriced, and the wait was forever"),
    (8, "a second comment for the same response"),  # duplicate id: the first in order kept
    (11, "The bill was higher than the quote"),
    (99, "a comment of no response"),  # orphan
    (7, "   "),  # empty
    (6, HOSTILE),
]


def rows_with_comments(comments=COMMENTS) -> dict[str, list[tuple]]:
    return dict(fw.ROWS, survey_comments=comments)


def load_and_tag(engine, rows=None) -> None:
    fw.load(engine, rows)
    store.build(engine, today=date(2026, 11, 15))


@pytest.fixture
def wh(make_warehouse):
    return make_warehouse(rows_with_comments(), loader=load_and_tag)


def test_check_counts_empty_duplicate_and_orphan_comments(wh):
    rep = check(wh, today=date(2026, 11, 15))
    found = {(q.table, q.column, q.issue): q.rows for q in rep.quality
             if q.table == "survey_comments"}
    assert found == {
        ("survey_comments", "comment", "empty (NULL or blank; not tagged)"): 1,
        ("survey_comments", "response_id", "duplicate id (the first comment kept)"): 1,
        ("survey_comments", "response_id", "orphan (no such survey response)"): 1,
    }
    assert rep.ok


def test_a_warehouse_without_comments_checks_as_before(make_warehouse):
    eng = make_warehouse()
    rep = check(eng, today=date(2026, 11, 15))
    assert rep.ok and "survey_comments: empty table" in rep.notes
    assert figures.status(eng) == "absent"  # an empty table: nothing to show


def test_the_tags_hold_one_masked_row_per_comment(wh):
    with wh.connect() as c:
        rows = {r.response_id: r for r in c.execute(sa.text(
            "SELECT response_id, nps_group, sentiment, themes, comment FROM cx_comment_tags"))}
    # 1, 3, 4, 8 (once), 11 and 6; not the orphan 99, not the blank 7.
    assert sorted(rows) == [1, 3, 4, 6, 8, 11]
    assert rows[4].nps_group == "detractor" and rows[4].sentiment == "negative"
    assert rows[4].themes == "wait_time;communication"
    assert PHONE not in rows[4].comment and EMAIL not in rows[4].comment
    assert "[phone]" in rows[4].comment and "[e-mail]" in rows[4].comment
    assert rows[8].comment.startswith("Way overpriced")
    assert rows[6].nps_group == "none" and len(rows[6].comment) == store.SHOWN_CHARS
    assert rows[3].sentiment == "mixed" and rows[1].nps_group == "promoter"


def test_tagging_again_tags_only_new_comments(make_warehouse, backend, new_url):
    url = new_url("again")
    writer = sa.create_engine(url)
    try:
        fw.load(writer, rows_with_comments(COMMENTS[:3]))
        first = store.build(writer, today=date(2026, 11, 15))
        with writer.begin() as c:
            c.execute(sa.text("INSERT INTO survey_comments VALUES (11, 'Too expensive')"))
        again = store.build(writer, today=date(2026, 11, 15))
        full = store.build(writer, full=True, today=date(2026, 11, 15))
    finally:
        writer.dispose()
    assert (first["tagged"], first["retagged_all"]) == (3, True)
    assert (again["tagged"], again["total"], again["retagged_all"]) == (1, 4, False)
    assert (full["tagged"], full["retagged_all"]) == (4, True)


def test_company_figures_worked_by_hand(wh):
    """October (1m): detractor comments 4 and 8. Waiting: both (100%); price: 8 (50%);
    communication: 4 (50%). September: one detractor comment (11), price: 100%."""
    fig = figures.build(wh, Scope(), OCT, WINDOWS["1m"])
    assert (fig.comments, fig.detractor_comments, fig.prev_detractor_comments) == (5, 2, 1)
    assert fig.by_group == {"detractor": 2, "passive": 1, "promoter": 1}
    shares = {t.id: (t.count, t.share, t.prev_share) for t in fig.themes if t.count}
    assert shares == {"wait_time": (2, 1.0, 0.0), "price_fees": (1, 0.5, 1.0),
                      "communication": (1, 0.5, 0.0)}
    assert [t.id for t in fig.top(3)] == ["wait_time", "price_fees", "communication"]
    assert all(t.change == "steady" for t in fig.themes if t.count)  # 2 against 1: noise
    assert fig.standout() is None  # fewer than 20 detractor comments
    wait = fig.themes[0]
    assert wait.examples[0].startswith("Waited 3 hours") and PHONE not in wait.examples[0]
    assert fig.sentiment["negative"] >= 2


def test_region_and_location_figures_and_children(wh):
    north = figures.build(wh, Scope(region="N"), OCT, WINDOWS["1m"])
    assert north.detractor_comments == 2  # L1 and L2 are both in North
    l2 = figures.build(wh, Scope(location="L2"), OCT, WINDOWS["1m"])
    assert (l2.detractor_comments, [t.id for t in l2.top(3)]) == (1, ["wait_time", "price_fees"])
    assert figures.child_shares(wh, Scope(), OCT, WINDOWS["1m"], "price_fees") == {
        "N": (1, 2)}
    listed = figures.theme_comments(wh, Scope(region="N"), OCT, WINDOWS["1m"], "wait_time")
    assert [r["comment"][:6] for r in listed] == ["Waited", "Way ov"]


def test_the_cli_prints_a_views_themes_masked(wh, capsys):
    url = wh.url.render_as_string(hide_password=False)
    assert cli.main(["themes", "--url", url, "--month", "2026-10", "--window", "1m",
                     "--format", "json"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["label"] == "Company detractors: waiting 100%, price 50%"
    assert doc["themes"][0]["id"] == "wait_time" and doc["detractor_comments"] == 2
    assert PHONE not in out and EMAIL not in out
    assert cli.main(["themes", "--url", url, "--month", "2026-10", "--region", "N",
                     "--window", "1m"]) == 0
    table = capsys.readouterr().out
    assert "North detractors: waiting 100%" in table and PHONE not in table


def test_hostile_comments_come_back_as_inert_text(make_warehouse, capsys):
    eng = make_warehouse(rows_with_comments([(4, HOSTILE), (8, HOSTILE)]), loader=load_and_tag)
    fig = figures.build(eng, Scope(), OCT, WINDOWS["1m"])
    ex = fig.themes[0].examples[0]
    assert fig.themes[0].id == "wait_time" and len(ex) == figures.EXAMPLE_CHARS
    assert ex.startswith("<b>x</b>")  # stored as typed: escaped where shown (page, pack)


def test_the_cli_says_when_there_is_nothing_to_show(make_warehouse, capsys):
    eng = make_warehouse()
    url = eng.url.render_as_string(hide_password=False)
    assert cli.main(["themes", "--url", url, "--month", "2026-10"]) == 2
    assert "no comments" in capsys.readouterr().err


def test_the_tags_need_no_comments_table(tmp_path):
    url = f"duckdb:///{tmp_path / 'none.duckdb'}"
    writer = sa.create_engine(url)
    fw.load(writer)
    with writer.begin() as c:
        c.execute(sa.text("DROP TABLE survey_comments"))
    assert store.build(writer)["skipped"] == "no survey_comments table"
    writer.dispose()
    eng = make_engine(url)
    rep = check(eng, today=date(2026, 11, 15))
    assert rep.ok and "optional table survey_comments absent" in rep.notes
    assert figures.status(eng) == "absent"
    eng.dispose()
