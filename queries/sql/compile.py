"""Turn the metric registry into additive SQL aggregates ("components").

Every component is a SUM or COUNT, so components of locations add up to regions and regions to
the company: every metric is a ratio of sums, never an average of averages. The same component
names are used whether they are computed from raw rows or read from the monthly rollup table.
"""

from __future__ import annotations

import functools
from datetime import date

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from queries.registry import BY_NAME, METRICS, Col, Expr, Flag, Metric, Rows, When
from queries.sql.schema import TABLES

# The survey's columns come from the registry's NPS and ACSI-style definitions; the keys name
# their components (acsi__o_sum, ...), which the rollup table stores.
NPS_COLUMN: str = BY_NAME["nps"].score_column or ""
ITEMS = BY_NAME["acsi"].item_columns
ITEM_KEYS = ("o", "e", "i")
CROSS = ("oe", "oi", "ei")


def month_of(column: ColumnElement) -> ColumnElement:
    """First day of the column's month as a DATE; the one dialect-sensitive expression, so each
    engine's spelling lives in queries/sql/dialect.py."""
    from queries.sql.dialect import MonthStart

    return MonthStart(column)


def not_future(responded_on: sa.ColumnElement, today: date | None = None) -> sa.ColumnElement:
    """Responses dated after today are a clock error: never counted, never the latest month
    (`check` counts them)."""
    return responded_on <= sa.bindparam("today", today or date.today(), type_=sa.Date())


def _sum_if(cond: ColumnElement, value: ColumnElement | int = 1) -> ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, value), else_=0)), 0)


def finite(col: ColumnElement) -> ColumnElement:
    """False for NaN and +/-Infinity (and NULL): x - x is NaN for both, and NaN = 0 is false on
    every engine, whereas NaN >= 0 is true on PostgreSQL and DuckDB (NaN sorts above all)."""
    return (col - col) == 0


def _plausible(t: sa.FromClause, table: str, name: str) -> ColumnElement:
    """At most the column's plausible maximum (schema.ColumnSpec.plausible): a value above it is
    a data error, and summing it could overflow (two 1e308 pay values gave 0.0% alignment)."""
    top = TABLES[table].column(name).plausible
    return t.c[name] <= top if top is not None else sa.true()


def _valid(t: sa.FromClause, e: Expr, table: str) -> ColumnElement:
    c = t.c
    if isinstance(e, Col):
        return sa.and_(c[e.name].is_not(None), finite(c[e.name]), c[e.name] >= 0,
                       _plausible(t, table, e.name))
    if isinstance(e, When):
        return sa.and_(c[e.flag].is_not(None), c[e.value].is_not(None), finite(c[e.value]),
                       c[e.value] >= 0, _plausible(t, table, e.value))
    if isinstance(e, Flag):
        return c[e.name].is_not(None)
    return c[e.of].is_not(None)


def _value(t: sa.FromClause, e: Expr) -> ColumnElement | int:
    c = t.c
    if isinstance(e, Col):
        return c[e.name]
    if isinstance(e, When):
        return sa.case((c[e.flag], c[e.value]), else_=0)
    if isinstance(e, Flag):
        return sa.case((c[e.name], 1), else_=0)
    assert isinstance(e, Rows)
    return 1


def ratio_components(t: sa.FromClause, m: Metric,
                     guard: ColumnElement | None = None) -> dict[str, ColumnElement]:
    """num/den summed only over rows where both parts are valid, plus the excluded-row count;
    with `guard`, over the rows it holds for only (the table's own rows of a UNION ALL)."""
    assert m.numerator is not None and m.denominator is not None
    ok = sa.and_(_valid(t, m.numerator, m.table), _valid(t, m.denominator, m.table))
    if m.part_of_whole:  # a part above its whole is not a share: the row is invalid for it
        ok = sa.and_(ok, part_within_whole(t, m))
    bad = sa.not_(ok)
    if guard is not None:
        ok, bad = sa.and_(guard, ok), sa.and_(guard, bad)
    return {
        f"{m.name}__num": _sum_if(ok, _value(t, m.numerator)),
        f"{m.name}__den": _sum_if(ok, _value(t, m.denominator)),
        f"{m.name}__rows": _sum_if(ok),
        f"{m.name}__bad": _sum_if(bad),
    }


def part_within_whole(t: sa.FromClause, m: Metric) -> ColumnElement:
    """numerator <= denominator, row by row (only Col / When numerators can break it)."""
    assert m.numerator is not None and m.denominator is not None
    return _value(t, m.numerator) <= _value(t, m.denominator)


def net_count_components(t: sa.FromClause, m: Metric,
                         guard: ColumnElement | None = None) -> dict[str, ColumnElement]:
    """Sums of promoters, detractors and answers over valid rows (of `guard`'s rows only)."""
    assert m.counts is not None
    pos, neg, n = (t.c[x] for x in m.counts)
    ok = sa.and_(finite(pos), finite(neg), finite(n), pos >= 0, neg >= 0, n > 0,
                 pos + neg <= n, _plausible(t, m.table, m.counts[2]))  # NULL in any => not ok
    bad = sa.not_(sa.func.coalesce(ok, False))
    if guard is not None:
        ok, bad = sa.and_(guard, ok), sa.and_(guard, bad)
    return {
        f"{m.name}__pos": _sum_if(ok, pos),
        f"{m.name}__neg": _sum_if(ok, neg),
        f"{m.name}__n": _sum_if(ok, n),
        f"{m.name}__bad": _sum_if(bad),
    }


def survey_components(t: sa.FromClause) -> dict[str, ColumnElement]:
    """Response-level aggregates for NPS and the ACSI-style index (item sums, squares, products)."""
    c = t.c
    nps = c[NPS_COLUMN]
    nps_ok = sa.and_(finite(nps), nps.between(0, 10))
    out: dict[str, ColumnElement] = {
        "responses__n": sa.func.count(),
        "nps__n": _sum_if(nps_ok),
        "nps__pos": _sum_if(sa.and_(nps_ok, nps >= 9)),
        "nps__neg": _sum_if(sa.and_(nps_ok, nps <= 6)),
        "nps__tens": _sum_if(nps == 10),  # for the gaming check: a sudden jump in 10s
        "nps__bad": _sum_if(sa.and_(nps.is_not(None), sa.not_(nps_ok))),
        "nps__null": _sum_if(nps.is_(None)),
    }
    oks = {}
    for key, col in zip(ITEM_KEYS, ITEMS, strict=True):
        ok = sa.and_(finite(c[col]), c[col].between(1, 10))
        oks[key] = ok
        out[f"acsi__{key}_n"] = _sum_if(ok)
        out[f"acsi__{key}_sum"] = _sum_if(ok, c[col])
        out[f"acsi__{key}_sq"] = _sum_if(ok, c[col] * c[col])
        out[f"acsi__{key}_bad"] = _sum_if(sa.and_(c[col].is_not(None), sa.not_(ok)))
        out[f"acsi__{key}_null"] = _sum_if(c[col].is_(None))
    # Responses with any item NULL or out of range: their other items still count (each item's
    # mean uses its own answers), so this is what `excluded_rows` reports for the index.
    out["acsi__incomplete"] = _sum_if(sa.not_(sa.func.coalesce(sa.and_(*oks.values()), False)))
    # Pairwise moments over responses answering both items: the covariance of two item means
    # whose answer sets overlap, for a standard error that matches the value's definition.
    cols = dict(zip(ITEM_KEYS, ITEMS, strict=True))
    for pair in CROSS:
        a, b = (c[cols[pair[0]]], c[cols[pair[1]]])
        both = sa.and_(oks[pair[0]], oks[pair[1]])
        out[f"acsi__p_{pair}_n"] = _sum_if(both)
        out[f"acsi__p_{pair}_a"] = _sum_if(both, a)
        out[f"acsi__p_{pair}_b"] = _sum_if(both, b)
        out[f"acsi__p_{pair}_ab"] = _sum_if(both, a * b)
    return out


def monthly_components(table_name: str, t: sa.FromClause,
                       guard: ColumnElement | None = None) -> dict[str, ColumnElement]:
    """The components of one monthly table's metrics; `guard` picks its rows when `t` is the
    UNION ALL of several tables (aggregate.monthly_select)."""
    out: dict[str, ColumnElement] = {}
    for m in METRICS:
        if m.table != table_name:
            continue
        if m.kind == "ratio":
            out |= ratio_components(t, m, guard)
        elif m.kind == "net_counts":
            out |= net_count_components(t, m, guard)
    return out


def component_names(table_name: str) -> list[str]:
    """Component column names of one table (used by the rollup table and by tests)."""
    return list(_component_names(table_name))


@functools.cache
def _component_names(table_name: str) -> tuple[str, ...]:
    # Built once per process: the names follow from the registry alone, and building the
    # expressions to read them costs ~70 ms per call (each rollup query asked again).
    t = sa.table(table_name, *(sa.column(c.name) for c in TABLES[table_name].columns))
    comps = survey_components(t) if table_name == "survey_responses" else monthly_components(
        table_name, t
    )
    return tuple(comps)
