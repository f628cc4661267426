"""Tagging as batch work: every comment's themes and sentiment written once into the warehouse,
like the rollup, so the page reads aggregates by SQL and never tags text on a page view.

`cx_comment_tags` holds one row per tagged comment: the response's location, month and NPS group
(copied from its first survey row, the scorecard's one deduplication rule), the sentiment, a 0/1
column per codeframe theme (`theme_<id>`: so a view's theme shares are one grouped SUM on every
engine), and the comment itself with e-mail addresses and phone numbers already masked (what the
page, the pack and the CLI show as examples). `cx_comment_tags_meta` records the codeframe
version: a new version re-tags everything; the same version tags only comments not yet tagged.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timezone

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.sql.compile import month_of, not_future
from queries.sql.grouping import first_responses
from queries.sql.schema import table
from queries.text.codeframe import Codeframe
from queries.text.pii import mask
from queries.text.tagger import Tagger

TAGS = "cx_comment_tags"
TAGS_META = "cx_comment_tags_meta"
SHOWN_CHARS = 1000  # the stored (masked) comment is cut here; the tags read the first 4,000
CHUNK = 50_000  # comments fetched, tagged and written (and committed) at a time
NPS_GROUPS = ("detractor", "passive", "promoter")


def theme_column(theme_id: str) -> str:
    """The 0/1 column of a theme: its id (checked by the codeframe: [a-z][a-z0-9_]*)."""
    return f"theme_{theme_id}"


def tags_table(codeframe: Codeframe, md: sa.MetaData | None = None) -> sa.Table:
    md = md or sa.MetaData()
    return sa.Table(
        TAGS, md,
        sa.Column("response_id", sa.BigInteger()), sa.Column("location_id", sa.String()),
        sa.Column("month", sa.Date()), sa.Column("nps_group", sa.String()),
        sa.Column("sentiment", sa.String()), sa.Column("themes", sa.String()),
        sa.Column("n_themes", sa.Integer()),
        *(sa.Column(theme_column(t), sa.Integer()) for t in codeframe.ids),
        sa.Column("comment", sa.String()),
    )


def meta_table(md: sa.MetaData | None = None) -> sa.Table:
    md = md or sa.MetaData()
    return sa.Table(TAGS_META, md, sa.Column("codeframe_version", sa.String()),
                    sa.Column("tagged_at", sa.String()), sa.Column("comments", sa.BigInteger()))


def available(conn: sa.Connection, codeframe: Codeframe) -> bool:
    """True when the tags table exists and was written with this codeframe's themes."""
    insp = sa.inspect(conn)
    if not insp.has_table(TAGS):
        return False
    have = {c["name"] for c in insp.get_columns(TAGS)}
    return {theme_column(t) for t in codeframe.ids} <= have


def _stored_version(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table(TAGS_META):
        return None
    row = conn.execute(sa.select(meta_table().c.codeframe_version)).first()
    return None if row is None else str(row[0])


def untagged_select(today: date, tagged: sa.Table | None) -> sa.Select:
    """Comments not yet tagged, each with its response's location, month and NPS score (first
    survey row of the response; comments of no response, or of a future date, left out)."""
    c, s = table("survey_comments"), table("survey_responses")
    ranked = first_responses(s).where(not_future(s.c.responded_on, today)).subquery("ranked")
    stmt = (sa.select(c.c.response_id, ranked.c.location_id,
                      month_of(ranked.c.responded_on).label("month"), ranked.c.nps_score,
                      c.c.comment)
            .select_from(c.join(ranked, sa.and_(ranked.c.response_id == c.c.response_id,
                                                ranked.c.rn == 1)))
            .where(c.c.comment.is_not(None)))
    if tagged is not None:
        stmt = stmt.where(c.c.response_id.not_in(sa.select(tagged.c.response_id)
                                                 .scalar_subquery()))
    return stmt.order_by(c.c.response_id, c.c.comment)


def _group(score) -> str:
    if score is None or pd.isna(score) or not 0 <= score <= 10:
        return "none"
    return "detractor" if score <= 6 else ("promoter" if score >= 9 else "passive")


def tag_rows(rows: list[tuple], tagger: Tagger, seen: set[int]) -> pd.DataFrame:
    """The tags table's rows for fetched comments: the first comment of a response only, blank
    comments left out, each distinct text tagged once."""
    ids = tagger.codeframe.ids
    cache: dict[str, tuple[tuple[str, ...], str]] = {}
    out: dict[str, list] = {k: [] for k in ("response_id", "location_id", "month", "nps_group",
                                            "sentiment", "themes", "n_themes")}
    flags: dict[str, list[int]] = {t: [] for t in ids}
    shown: list[str] = []
    for rid, loc, month, score, text in rows:
        if rid in seen or text is None or not str(text).strip():
            continue
        seen.add(rid)
        text = str(text)
        if text not in cache:
            got = tagger.tag(text)
            cache[text] = (got.themes, got.sentiment)
        themes, sentiment = cache[text]
        for k, v in (("response_id", int(rid)), ("location_id", loc), ("month", month),
                     ("nps_group", _group(score)), ("sentiment", sentiment),
                     ("themes", ";".join(themes)), ("n_themes", len(themes))):
            out[k].append(v)
        for t in ids:
            flags[t].append(int(t in themes))
        shown.append(mask(text[: SHOWN_CHARS * 2])[:SHOWN_CHARS])
    frame = pd.DataFrame(out)
    for t in ids:
        frame[theme_column(t)] = pd.array(flags[t], dtype="int64")
    frame["comment"] = pd.array(shown, dtype="str")
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def _write(conn: sa.Connection, t: sa.Table, frame: pd.DataFrame) -> None:
    """Append rows: DuckDB scans the frame natively; other engines take multi-row INSERTs."""
    if not len(frame):
        return
    if conn.dialect.name == "duckdb":
        raw = conn.connection.driver_connection
        raw.register("_cx_tags_src", frame)
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        raw.execute(f'INSERT INTO "{t.name}" ({cols}) SELECT {cols} FROM _cx_tags_src')
        raw.unregister("_cx_tags_src")
        return
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for i in range(0, len(records), 500):
        conn.execute(sa.insert(t).values(records[i:i + 500]))


def build(engine: Engine, full: bool = False, today: date | None = None,
          tagger: Tagger | None = None) -> dict[str, object]:
    """Tag the comments not yet tagged (all of them with `full` or a new codeframe version);
    needs a writable connection. Works in chunks of CHUNK comments by response id, each chunk
    committed, so an interrupted run resumes where it stopped. Returns what was done."""
    today = today or date.today()
    tagger = tagger or Tagger()
    cf = tagger.codeframe
    md = sa.MetaData()
    tags, meta = tags_table(cf, md), meta_table(md)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("survey_comments"):
            return {"tagged": 0, "total": 0, "skipped": "no survey_comments table"}
        redo = full or _stored_version(conn) != cf.version or not available(conn, cf)
        if redo:
            md.drop_all(conn, checkfirst=True)
            md.create_all(conn)
    tagged, last, seen = 0, None, set()
    c = table("survey_comments")
    while True:
        stmt = untagged_select(today, tags)
        if last is not None:
            stmt = stmt.where(c.c.response_id > sa.bindparam("after", last, type_=sa.BigInteger()))
        with engine.begin() as conn:
            rows = [tuple(r) for r in conn.execute(stmt.limit(CHUNK))]
            if not rows:
                break
            frame = tag_rows(rows, tagger, seen)
            _write(conn, tags, frame)
        tagged += len(frame)
        last = rows[-1][0]
    with engine.begin() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(tags)).scalar_one())
        meta.drop(conn, checkfirst=True)  # not DELETE: Spark's parquet tables refuse it
        meta.create(conn)
        conn.execute(sa.insert(meta).values(
            codeframe_version=cf.version, comments=total,
            tagged_at=datetime.now(timezone.utc).isoformat(timespec="seconds")))  # noqa: UP017
    return {"tagged": tagged, "total": total, "codeframe": cf.version, "retagged_all": redo,
            "seconds": round(time.perf_counter() - t0, 2)}
