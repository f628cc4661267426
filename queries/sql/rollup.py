"""Optional pre-aggregation: survey components per location and month, built by a command.

The page's cost then depends on locations x months, not on how many responses the warehouse
holds. The rollup is only used while it matches the raw table: a fingerprint of the survey table
(per month: rows, and sums of ids, scores and id x score, computed in SQL) is recorded at build time
and compared before use, so an UPDATE of scores, a delete plus an insert, or a new response all
send the query layer back to the raw rows. A stale rollup never shows old numbers.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from cachetools import TTLCache
from sqlalchemy.engine import Engine

from queries.scope import Scope
from queries.sql import identity
from queries.sql.compile import component_names, month_of, not_future, survey_components
from queries.sql.grouping import GroupBy, Periods, first_responses, grouped, survey_columns
from queries.sql.schema import table

ROLLUP = "cx_survey_monthly"
META = "cx_survey_monthly_meta"
FINGERPRINT = "cx_survey_monthly_fingerprint"
SCORES = ("nps_score", "sat_overall", "sat_expectations", "sat_ideal")
# A build scans every response once: far longer than a page's query may take (CX_QUERY_TIMEOUT).
BUILD_TIMEOUT_S = 3600


def rollup_table(md: sa.MetaData | None = None) -> sa.Table:
    md = md or sa.MetaData()
    return sa.Table(
        ROLLUP, md,
        sa.Column("location_id", sa.String()), sa.Column("month", sa.Date()),
        *(sa.Column(n, sa.Float()) for n in component_names("survey_responses")),
    )


def meta_table(md: sa.MetaData | None = None) -> sa.Table:
    md = md or sa.MetaData()
    return sa.Table(
        META, md,
        sa.Column("built_at", sa.String()), sa.Column("source_rows", sa.BigInteger()),
        sa.Column("source_max_date", sa.Date()),
        # The rollup's component columns when it was built (`layout`), read by `available` in
        # the same statement as the stored fingerprint: no listing of tables or columns.
        sa.Column("components", sa.String()),
    )


FP_COLUMNS = ("rows", "id_sum", *(f"{c}_sum" for c in SCORES), *(f"{c}_wsum" for c in SCORES),
              "loc_len_sum")


def fingerprint_table(md: sa.MetaData | None = None) -> sa.Table:
    md = md or sa.MetaData()
    return sa.Table(FINGERPRINT, md, sa.Column("month", sa.Date()),
                    *(sa.Column(n, sa.String()) for n in FP_COLUMNS))  # exact, NaN-proof


_MD = sa.MetaData()
RT, MT, FT = rollup_table(_MD), meta_table(_MD), fingerprint_table(_MD)

Fingerprint = frozenset[tuple]


def fingerprint_select(today: date | None = None) -> sa.Select:
    """Per month of (non-future) responses: the row count and integer sums that change when any
    score, id or month changes (id x score catches two scores swapped between responses; the
    length of location_id a response moved to a location with a longer or shorter id).

    Exact integers (no float rounding), NULL as -1 so a score set to NULL changes the sums too.
    One scan of the survey table, grouped by month: its cost is in docs/performance.md.
    """
    s = table("survey_responses")
    cols = [sa.func.count().label("rows"), sa.func.sum(s.c.response_id).label("id_sum")]
    for c in SCORES:
        v = sa.func.coalesce(s.c[c], -1)
        cols.append(sa.func.sum(v).label(f"{c}_sum"))
        cols.append(sa.func.sum(s.c.response_id * v).label(f"{c}_wsum"))
    cols.append(sa.func.sum(sa.func.coalesce(sa.func.length(s.c.location_id), -1))
                .label("loc_len_sum"))
    month = month_of(s.c.responded_on).label("month")  # grouped by label: see aggregate
    return (sa.select(month, *cols).where(not_future(s.c.responded_on, today))
            .group_by(month))


def fingerprint_text(today: date | None = None) -> sa.Subquery:
    """`fingerprint_select` with every sum as text, cast by the warehouse itself: what the
    build stores and what `available` compares it with, in the same spelling."""
    fp = fingerprint_select(today).subquery("live")
    # By position, as the build has always stored them (FP_COLUMNS names the stored table's
    # columns; the select interleaves each score's sum and weighted sum): rollups built before
    # stay comparable.
    sums = [c for c in fp.c if c.name != "month"]
    return sa.select(fp.c.month, *(sa.cast(c, sa.String()).label(n)
                                   for n, c in zip(FP_COLUMNS, sums, strict=True))
                     ).subquery("live_text")


def _token(v) -> str | None:
    """An exact, engine-neutral token of a sum: '123' for 123, 123.0 or '123.0'; NaN and
    Infinity (a score column of floats) stay stable tokens ('NaN', 'Infinity')."""
    if v is None:
        return None
    try:
        d = Decimal(str(v).strip())
    except InvalidOperation:
        return str(v)
    if d.is_nan():
        return "NaN"
    if d.is_infinite():
        return "Infinity" if d > 0 else "-Infinity"
    return str(int(d)) if d == d.to_integral_value() else str(d.normalize())


def _fingerprint(conn: sa.Connection, today: date | None = None) -> Fingerprint:
    rows = conn.execute(sa.select(*fingerprint_text(today).c)).all()
    return _tokens(rows)


def _tokens(rows) -> Fingerprint:
    """(month, token, ...) per row of a fingerprint: the form stored and live rows compare in."""
    return frozenset((_month(r[0]), *(_token(v) for v in r[1:])) for r in rows)


def _month(v) -> date | None:
    if v is None:
        return None
    return v.date() if isinstance(v, datetime) else v


def layout() -> str:
    """The rollup's component columns, as `build` records them in META."""
    return ",".join(component_names("survey_responses"))


def stored_select(today: date | None = None) -> sa.CompoundSelect:
    """What `available` needs from the warehouse, in one statement (issue 31: it was a listing
    of the tables, one of the rollup's columns, the stored fingerprint and then the live one):
    the META row's `components` (kind 'meta'), the stored fingerprint's rows (kind
    'fingerprint'), the live fingerprint's rows (kind 'live', its sums cast to text by the
    warehouse as the build's were), and no row at all from the rollup's own columns, which only
    have to exist. A rollup, META or fingerprint table missing, or a column of them, is a
    refusal before anything is scanned: no rollup (a rollup built before META recorded its
    layout too: rebuild it)."""
    text, day = sa.String(), sa.cast(sa.null(), sa.Date())
    none = [sa.cast(sa.null(), text).label(n) for n in FP_COLUMNS]
    meta = sa.select(sa.literal("meta").label("kind"), day.label("month"),
                     MT.c.components, *none)
    stored = sa.select(sa.literal("fingerprint").label("kind"), FT.c.month,
                       sa.cast(sa.null(), text).label("components"),
                       *(FT.c[n] for n in FP_COLUMNS))
    live = fingerprint_text(today)
    now = sa.select(sa.literal("live").label("kind"), live.c.month,
                    sa.cast(sa.null(), text).label("components"),
                    *(live.c[n] for n in FP_COLUMNS))
    columns = (sa.select(RT.c.location_id, RT.c.month,
                         *(RT.c[n] for n in component_names("survey_responses")))
               .where(sa.literal_column("1") == sa.literal_column("0")).subquery("built"))
    built = sa.select(sa.literal("rollup").label("kind"), day.label("month"),
                      sa.cast(sa.null(), text).label("components"), *none).select_from(columns)
    return sa.union_all(meta, stored, now, built)


def _stored(conn: sa.Connection) -> tuple[list[str], Fingerprint, Fingerprint] | None:
    """The layouts META records, the stored fingerprint and the live one; None when there is
    no (usable) rollup. `conn` is rolled back on a refusal (PostgreSQL and DuckDB refuse
    anything more in a failed transaction): a connection of `engine.connect()`, not inside
    `begin()`."""
    try:
        rows = conn.execute(stored_select()).all()
    except sa.exc.ProgrammingError:  # no such table or column (Spark's too: dialect.py)
        conn.rollback()
        return None
    layouts = [r[2] for r in rows if r[0] == "meta"]
    stored = _tokens([(r[1], *r[3:]) for r in rows if r[0] == "fingerprint"])
    live = _tokens([(r[1], *r[3:]) for r in rows if r[0] == "live"])
    return layouts, stored, live


def available(conn: sa.Connection) -> bool:
    """True when a rollup exists and was built from the survey table as it is now: one
    statement (`stored_select`) with a rollup or without."""
    stored = _stored(conn)
    if stored is None:
        return False  # no rollup, or one built before META recorded its layout
    layouts, fp, live = stored
    want = set(component_names("survey_responses"))
    if len(layouts) != 1 or layouts[0] is None or not want <= set(layouts[0].split(",")):
        return False  # built by an older version: rebuild with `cx-scorecard rollup`
    return fp == live


CHECK_TTL_S = 60.0
# "Rollup usable?" per warehouse key (queries/sql/identity.py: URL, DuckDB file, change token),
# so a change the token sees is rechecked within its sampling (identity.TOKEN_TTL_S, 5 s: a
# token read is a statement, not repeated per fetch); otherwise once per CHECK_TTL_S. Bounded.
_checked: TTLCache = TTLCache(maxsize=16, ttl=CHECK_TTL_S, timer=lambda: time.monotonic())
_checked_lock = threading.Lock()


def available_cached(engine: Engine, conn: sa.Connection) -> bool:
    """`available`, computed at most once a minute per warehouse key: the fingerprint is a full
    scan, and a page makes several fetches."""
    wkey = identity.key(engine, conn=conn, sampled=True)
    with _checked_lock:
        hit = _checked.get(wkey)
    if hit is not None:
        return hit
    ok = available(conn)
    with _checked_lock:
        _checked[wkey] = ok
    return ok


def build_insert(today: date | None = None) -> sa.Insert:
    """INSERT ... SELECT of every location-month's survey components (duplicates once, future
    responses left out)."""
    today = today or date.today()
    s = table("survey_responses")
    ranked = first_responses(s).where(not_future(s.c.responded_on, today)).subquery("ranked")
    r = sa.select(*survey_columns(ranked)).where(ranked.c.rn == 1).subquery("r")
    comps = survey_components(r)
    month = month_of(r.c.responded_on).label("month")  # grouped by label: see aggregate
    select = sa.select(r.c.location_id, month, *(v.label(k) for k, v in comps.items()))
    select = select.group_by(r.c.location_id, month)
    return sa.insert(RT).from_select(["location_id", "month", *comps], select)


def build(engine: Engine, today: date | None = None) -> dict[str, int]:
    """(Re)build the rollup in the warehouse; needs a writable connection."""
    today = today or date.today()
    with engine.begin() as conn:
        _MD.drop_all(conn, checkfirst=True)
        _MD.create_all(conn)
        fp = sorted(_fingerprint(conn, today), key=lambda r: (r[0] is None, r[0]))
        if fp:
            conn.execute(sa.insert(FT), [dict(zip(("month", *FP_COLUMNS), r, strict=True))
                                         for r in fp])
        rows = sum(int(r[1]) for r in fp)
        hi = max((r[0] for r in fp if r[0] is not None), default=None)
        conn.execute(build_insert(today))
        conn.execute(sa.insert(MT).values(
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),  # noqa: UP017
            source_rows=rows, source_max_date=hi, components=layout(),
        ))
        built = conn.execute(sa.select(sa.func.count()).select_from(RT)).scalar_one()
    _checked.clear()
    return {"rollup_rows": int(built), "source_rows": rows}


def rollup_select(scope: Scope, start: date, stop: date, by: GroupBy,
                  periods: Periods | None = None) -> sa.Select:
    """The rollup's survey components per key and month (or period), grouped as the raw path
    groups them."""
    comps = {n: sa.func.coalesce(sa.func.sum(RT.c[n]), 0) for n in component_names(
        "survey_responses")}
    where = [RT.c.month >= sa.bindparam("start", start), RT.c.month < sa.bindparam("stop", stop)]
    return grouped(RT, comps, RT.c.month, RT.c.location_id, scope, by, where, periods=periods)
