"""Grouped SQL over the warehouse: one grouped query per contract table, components per (key,
month), sent together as one statement (`view_select`).

`key` is the child of the scope (region at company level, location at region level), a location
(for the map), or nothing (scope totals). Only aggregates cross the wire: at most a few thousand
rows, however many survey responses the warehouse holds.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.scope import Scope
from queries.sql import dialect, rollup
from queries.sql.compile import month_of, monthly_components, not_future, survey_components
from queries.sql.engine import execute
from queries.sql.grouping import (
    GroupBy,
    Periods,
    first_responses,
    grouped,
    journey_filter,
    scope_filter,
    survey_columns,
)
from queries.sql.schema import MONTHLY_TABLES, TABLES, table


def survey_select(scope: Scope, start: date, stop: date, by: GroupBy,
                  periods: Periods | None = None) -> sa.Select:
    """Raw survey rows, each response_id counted once (first_responses), per key and month;
    with `scope.journey`, only responses whose first row names that journey."""
    dedup = responses(scope, start, stop)
    return grouped(
        dedup, survey_components(dedup), month_of(dedup.c.responded_on), dedup.c.location_id,
        scope, by, [], periods=periods,
    )


def responses(scope: Scope, start: date, stop: date, journey_column: bool = False
              ) -> sa.Subquery:
    """The window's responses, each response_id once, at its first row (for a region or a
    location only its own; the company's known-location test is left to the caller), and of
    `scope.journey` only when one is chosen (its `journey` column kept then, or when
    `journey_column`). Shared by the figures and the touchpoints (queries/sql/items.py)."""
    s = table("survey_responses")
    by_journey = scope.journey is not None or journey_column
    in_window = [s.c.responded_on >= sa.bindparam("start", start),
                 s.c.responded_on < sa.bindparam("stop", stop), not_future(s.c.responded_on)]
    if scope.level != "company":  # the company's known-location test is left to `grouped`:
        in_window.append(scope_filter(s.c.location_id, scope))  # one semi-join per scan, not two
    # Rank only the ids seen in the window and scope, but over all of their rows anywhere.
    ids = sa.select(s.c.response_id).where(*in_window)
    ranked = first_responses(s, by_journey).where(s.c.response_id.in_(ids.scalar_subquery()),
                                                  not_future(s.c.responded_on))  # as the rollup
    ranked = ranked.subquery("ranked")
    keep = [ranked.c.rn == 1, ranked.c.responded_on >= sa.bindparam("start", start),
            ranked.c.responded_on < sa.bindparam("stop", stop)]
    if scope.journey is not None:
        keep.append(journey_filter(ranked.c.journey, scope.journey))
    return sa.select(*survey_columns(ranked, by_journey)).where(*keep).subquery("r")


TABLE_TAG = "cx_table"  # which monthly table a row of `monthly_rows` comes from


def monthly_rows(names: tuple[str, ...], start: date, stop: date) -> sa.Subquery:
    """The window's rows of the monthly tables `names`, as one UNION ALL (each table's measure
    columns, NULL in the other tables' rows, `cx_table` its number in `names`), keeping one
    row per (table, location_id, calendar month): a row loaded twice must not count twice (eNPS
    n 32 -> 64). Warehouse rows have no order, so the rule is the table's own columns: the
    earliest `month` date, then each measure in contract order, smallest first, NULL last (the
    other tables' columns are NULL throughout a partition, so they do not reorder it).
    Identical copies give the same figures whichever is kept; `check` names them.

    One UNION ALL, ranked and grouped once, instead of one ranked and grouped statement per
    table: on Spark each was two shuffle stages of its own (issue 31, docs/scale-out.md).
    The window is whole calendar months, so filtering before the ranking keeps every copy of a
    (location, month) together."""
    measures = [(n, c.name) for n in names for c in TABLES[n].columns
                if c.name not in ("location_id", "month")]
    plain = [TABLE_TAG, "location_id", "month", *(c for _, c in measures)]
    # The UNION ALL's columns are `src_<name>` and the ranking selects them AS <name>: Spark 4's
    # optimizer turned the ranking's `monthly.x AS x` into an invalid plan
    # (PLAN_VALIDATION_FAILED_RULE_IN_BATCH in RemoveRedundantAliases).
    branches = []
    for i, name in enumerate(names):
        t = table(name)
        cols = [sa.literal(i, sa.Integer()), t.c.location_id, t.c.month,
                *(t.c[c] if own == name else sa.cast(sa.null(), table(own).c[c].type)
                  for own, c in measures)]
        branches.append(sa.select(*(v.label(f"src_{n}") for n, v in zip(plain, cols,
                                                                         strict=True)))
                        .where(t.c.month >= sa.bindparam("start", start),
                               t.c.month < sa.bindparam("stop", stop)))
    u = (sa.union_all(*branches) if len(branches) > 1 else branches[0]).subquery("monthly")
    src = {n: u.c[f"src_{n}"] for n in plain}
    order = [src["month"].asc().nulls_last(), *(src[c].asc().nulls_last() for _, c in measures)]
    rn = sa.func.row_number().over(
        partition_by=(src[TABLE_TAG], src["location_id"], month_of(src["month"])),
        order_by=order)
    ranked = sa.select(*(src[n].label(n) for n in plain), rn.label("rn")).subquery("ranked")
    return sa.select(*(ranked.c[n] for n in plain)).where(ranked.c.rn == 1).subquery("m")


def monthly_select(scope: Scope, start: date, stop: date, by: GroupBy,
                   periods: Periods | None = None,
                   names: tuple[str, ...] = MONTHLY_TABLES) -> sa.Select:
    """Every monthly table's components per key and month, in one grouped statement over
    `monthly_rows`: each table's components summed over its own rows only (`cx_table`)."""
    m = monthly_rows(names, start, stop)
    comps: dict[str, sa.ColumnElement] = {}
    for i, name in enumerate(names):
        comps |= monthly_components(name, m, m.c[TABLE_TAG] == i)
    # month_of: a TIMESTAMP or a mid-month date is read as its calendar month (`check` says so).
    return grouped(m, comps, month_of(m.c.month), m.c.location_id, scope, by, [],
                   periods=periods)


PART = "cx_part"  # which table's statement a row of view_select comes from


def parts(scope: Scope, start: date, stop: date, by: GroupBy, use_rollup: bool,
          survey_only: bool = False, periods: Periods | None = None) -> list[sa.Select]:
    """The survey statement (rollup or raw rows), then the monthly tables' one. A journey's view
    reads the raw rows: the rollup holds no journey (docs/journeys.md)."""
    use_rollup = use_rollup and scope.journey is None
    survey = (rollup.rollup_select(scope, start, stop, by, periods)
              if use_rollup else survey_select(scope, start, stop, by, periods))
    if survey_only:
        return [survey]
    return [survey, monthly_select(scope, start, stop, by, periods)]


def view_select(selects: list[sa.Select]) -> sa.CompoundSelect | sa.Select:
    """Every part's rows in one statement (one round trip, issue 31): UNION ALL over the shared
    (key, month), each part's components in their own columns (NULL in the other parts' rows),
    as DOUBLE (what the frame holds anyway), and the part's number in `cx_part`. Each part is
    the same grouped statement as when it was sent alone, so the figures are too."""
    if len(selects) == 1:
        return selects[0]
    names = [[c.name for c in s.selected_columns if c.name not in ("key", "month")]
             for s in selects]
    every = [n for part in names for n in part]
    branches = []
    for i, (stmt, own) in enumerate(zip(selects, names, strict=True)):
        b = stmt.subquery(f"part{i}")
        cols = [sa.cast(b.c[n] if n in own else sa.null(), sa.Double()).label(n) for n in every]
        branches.append(sa.select(b.c.key, b.c.month,
                                  sa.literal(i, sa.Integer()).label(PART), *cols))
    return sa.union_all(*branches)


def _split(df: pd.DataFrame, selects: list[sa.Select]) -> list[pd.DataFrame]:
    """view_select's rows back into one frame per part, each with its own columns only."""
    if len(selects) == 1:
        return [df]
    out = []
    for i, stmt in enumerate(selects):
        own = ["key", "month", *(c.name for c in stmt.selected_columns
                                 if c.name not in ("key", "month"))]
        out.append(df.loc[df[PART] == i, own].reset_index(drop=True))
    return out


def _frame(conn: sa.Connection, stmt: sa.Select | sa.CompoundSelect) -> pd.DataFrame:
    result = execute(conn, stmt)
    df = dialect.of(conn).native_frame(result)
    if df is None:
        # Plain tuples: pandas inspects every SQLAlchemy Row otherwise (a third of the CPU time).
        df = pd.DataFrame([tuple(r) for r in result.fetchall()], columns=list(result.keys()))
    result.close()
    first = df["month"].iloc[0] if len(df) else None
    if pd.api.types.is_datetime64_any_dtype(df["month"]) or (
            first is not None and (not isinstance(first, date) or isinstance(first, datetime))):
        # Calendar months as `date`s on every backend (a columnar fetch gives datetime64, even
        # for an empty result, which would then not compare with the `date` months elsewhere).
        df["month"] = pd.Series(pd.to_datetime(df["month"]).dt.date, index=df.index,
                                dtype=object)
    df["key"] = df["key"].map(lambda v: None if v is None or pd.isna(v) else str(v))
    return df


def fetch(
    engine: Engine, scope: Scope, start: date, stop: date, by: GroupBy = "child",
    use_rollup: bool | None = None, survey_only: bool = False, periods: Periods | None = None,
) -> pd.DataFrame:
    """Components of every metric for months in [start, stop), one row per (key, month).

    `survey_only` skips the four monthly tables (the map needs NPS alone). With `periods`
    ((label, start, stop), ...) each row pools a whole period instead, its `month` the period's
    label; [start, stop) should then cover every period.
    """
    with engine.connect() as conn:
        if use_rollup is None:  # a journey's view never reads the rollup: no need to ask
            use_rollup = scope.journey is None and rollup.available_cached(engine, conn)
        selects = parts(scope, start, stop, by, use_rollup, survey_only, periods)
        frames = _split(_frame(conn, view_select(selects)), selects)
    out = frames[0]
    for f in frames[1:]:
        out = out.merge(f, on=["key", "month"], how="outer")
    comp_cols = [c for c in out.columns if "__" in c]
    # Components are SQL sums over valid rows only (NaN/Infinity are excluded there), so a gap
    # here only means "no rows of that table for this key and month": zero rows, zero sums.
    out[comp_cols] = out[comp_cols].astype("float64").fillna(0.0)
    out = out.sort_values(["key", "month"], na_position="first", ignore_index=True)
    # A location with no region groups under key None; the merge made it NaN (and then "nan" in
    # a link): keep it None.
    out["key"] = pd.Series([None if k is None or pd.isna(k) else str(k) for k in out["key"]],
                           index=out.index, dtype=object)
    return out


def freshness(engine: Engine) -> tuple[date | None, date | None]:
    """Earliest and latest response date: min/max are cheap (zone maps / an index), and run
    under the query time limit like every other query (a stuck warehouse must not hang the page)."""
    s = table("survey_responses")
    with engine.connect() as conn:
        lo, hi = execute(conn, sa.select(sa.func.min(s.c.responded_on),
                                         sa.func.max(s.c.responded_on))
                         .where(not_future(s.c.responded_on))).one()
    return (pd.Timestamp(lo).date() if lo is not None else None,
            pd.Timestamp(hi).date() if hi is not None else None)
