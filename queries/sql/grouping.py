"""The grouping every survey and monthly query shares: the scope filter, the key (a region, a
location or none), one row per (key, month), and the one deduplication rule of survey responses.

Its own module so that the raw path (`aggregate`) and the rollup (`rollup`) both import it, and
neither imports the other.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.sql.util import ClauseAdapter

from queries.scope import Scope
from queries.sql.schema import SURVEY_CORE, table

GroupBy = Literal["child", "location", "none"]
# (label, start, stop): months in [start, stop) pooled into one row labelled `label`
Periods = tuple[tuple[date, date, date], ...]


def _location_regions() -> sa.Subquery:
    """One row per location_id, in its lowest region_id: a location listed twice in `locations`
    is never counted twice nor in two regions (`check` names the duplicate)."""
    loc = table("locations")
    return (sa.select(loc.c.location_id, sa.func.min(loc.c.region_id).label("region_id"))
            .group_by(loc.c.location_id).subquery("location_regions"))


LOCATION_REGIONS = _location_regions()


def in_region(location_col: sa.ColumnElement, region: str) -> sa.ColumnElement:
    lr = LOCATION_REGIONS
    ids = sa.select(lr.c.location_id).where(lr.c.region_id == sa.bindparam("scope_region", region))
    return location_col.in_(ids.scalar_subquery())


def known_location(location_col: sa.ColumnElement) -> sa.ColumnElement:
    """A semi-join to `locations`: rows of a location_id not listed there (or NULL) are left out
    of every total, as `check` reports them ("unknown location", EXCLUDED). Pushed down to the
    warehouse; `locations` is small."""
    loc = table("locations")
    return location_col.in_(sa.select(loc.c.location_id).scalar_subquery())


def scope_filter(location_col: sa.ColumnElement, scope: Scope) -> sa.ColumnElement | None:
    """Rows of the scope, and only of known locations (a region's ids come from `locations`)."""
    if scope.level == "location":
        return sa.and_(location_col == sa.bindparam("scope_location", scope.location),
                       known_location(location_col))
    if scope.level == "region":
        return in_region(location_col, scope.region or "")
    return known_location(location_col)


def _key(location_col: sa.ColumnElement, scope: Scope, by: GroupBy) -> sa.ColumnElement | None:
    """The grouping key and whether it needs the locations join (regions only)."""
    if by == "none" or (by == "child" and scope.level == "location"):
        return None
    if by == "child" and scope.level == "company":
        return LOCATION_REGIONS.c.region_id
    return location_col


def grouped(
    source: sa.FromClause,
    comps: dict[str, sa.ColumnElement],
    month: sa.ColumnElement,
    location_col: sa.ColumnElement,
    scope: Scope,
    by: GroupBy,
    where: list[sa.ColumnElement],
    filter_scope: bool = True,
    periods: Periods | None = None,
) -> sa.Select:
    if periods:
        source, comps, month, location_col, where = _pooled(
            source, comps, month, location_col, where, periods)
    key = _key(location_col, scope, by)
    frm = source
    scope_where = scope_filter(location_col, scope) if filter_scope else None
    if key is not None and key.table is LOCATION_REGIONS:
        # An inner join: it keeps known locations only (one in no region groups under NULL),
        # so the company's semi-join is not needed as well.
        loc = LOCATION_REGIONS
        frm = source.join(loc, loc.c.location_id == location_col)
        if scope.level == "company":
            scope_where = None
    if scope_where is not None:
        where = [*where, scope_where]
    key_col = (key if key is not None else sa.null()).label("key")
    month_col = month.label("month")
    stmt = sa.select(key_col, month_col, *(v.label(k) for k, v in comps.items()))
    stmt = stmt.select_from(frm).where(*where)
    # Grouping by the labelled columns: BigQuery then groups by the alias (it rejects an
    # anonymous function name there); every other engine gets the expression.
    group = [month_col] if key is None else [key_col, month_col]
    return stmt.group_by(*group)


def _pooled(source: sa.FromClause, comps: dict[str, sa.ColumnElement], month: sa.ColumnElement,
            location_col: sa.ColumnElement, where: list[sa.ColumnElement], periods: Periods):
    """The same components summed over whole periods instead of months: each row is labelled
    with its period in a subquery (CASE on its month, bound values only), and the outer query
    groups by that label. Answers are pooled in the warehouse, never averages of months."""
    label = sa.case(*(
        (sa.and_(month >= sa.bindparam(f"p{i}_start", start, type_=sa.Date()),
                 month < sa.bindparam(f"p{i}_stop", stop, type_=sa.Date())),
         sa.bindparam(f"p{i}_label", end, type_=sa.Date()))
        for i, (end, start, stop) in enumerate(periods)), else_=sa.null())
    inner = (sa.select(*source.c, label.label("cx_period")).select_from(source).where(*where)
             .subquery("periods"))
    adapt = ClauseAdapter(inner).traverse
    return (inner, {k: adapt(v) for k, v in comps.items()}, inner.c.cx_period,
            inner.c[location_col.name], [inner.c.cx_period.is_not(None)])


def survey_columns(s: sa.FromClause, journey: bool = False) -> list[sa.ColumnElement]:
    """The survey columns a statement carries: the core ones, and `journey` only when a journey
    is chosen, so a warehouse without that optional column gets the statements it always got."""
    return [s.c[n] for n in SURVEY_CORE] + ([s.c.journey] if journey else [])


def journey_filter(journey_col: sa.ColumnElement, journey: str) -> sa.ColumnElement:
    """Rows of one journey, the journey a bound parameter (never text in the SQL)."""
    return journey_col == sa.bindparam("journey", journey)


def first_responses(s: sa.Table, journey: bool = False) -> sa.Select:
    """The one deduplication rule, shared with the rollup: across the WHOLE table, a response_id
    counts once, at its first row by (responded_on, location_id). A re-sent id in a later month
    or another region therefore never counts twice, and regions sum to the company. A response's
    journey is its first row's."""
    rn = sa.func.row_number().over(
        partition_by=s.c.response_id, order_by=(s.c.responded_on, s.c.location_id)
    )
    return sa.select(*survey_columns(s, journey), rn.label("rn"))
