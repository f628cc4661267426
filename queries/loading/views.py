"""`cx-scorecard views`: the mapping as CREATE VIEW statements, for data already in a warehouse.

Built as sqlglot expression trees and rendered per dialect, never by pasting text together: every
name that comes from the mapping is a quoted identifier and every `map` value a literal, so a
column called `x"; DROP TABLE y` stays a column name. Contract names (the view and its columns)
stay unquoted on purpose: they are fixed lower-case words, and unquoted they resolve the way the
scorecard's own queries name them on every engine (quoted lower case is a different name on
Snowflake).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlglot import exp

from queries.loading.mapping import ColumnMap, Mapping, TableMap
from queries.sql.schema import CONTRACT, ColumnSpec

DIALECTS = {"postgresql": "postgres", "duckdb": "duckdb", "snowflake": "snowflake",
            "bigquery": "bigquery"}


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _source(tm: TableMap) -> exp.Table:
    parts = [p.strip() for p in tm.source.split(".")]
    table = _ident(parts[-1])
    db = _ident(parts[-2]) if len(parts) > 1 else None
    catalog = _ident(parts[-3]) if len(parts) > 2 else None
    return exp.Table(this=table, db=db, catalog=catalog)


def _type(spec: ColumnSpec) -> exp.DataType:
    t = spec.type
    if isinstance(t, sa.Boolean):
        return exp.DataType.build("BOOLEAN")
    if isinstance(t, sa.Date):
        return exp.DataType.build("DATE")
    if isinstance(t, sa.BigInteger):
        return exp.DataType.build("BIGINT")
    if isinstance(t, sa.Integer):
        return exp.DataType.build("INT")
    if isinstance(t, sa.Float | sa.Numeric):
        return exp.DataType.build("DOUBLE")
    return exp.DataType.build("VARCHAR")


def _literal(v: Any) -> exp.Expression:
    if isinstance(v, bool):
        return exp.true() if v else exp.false()
    if isinstance(v, int | float):
        return exp.Literal.number(v)
    return exp.Literal.string(str(v))


def column_expr(spec: ColumnSpec, cm: ColumnMap | None) -> exp.Expression:
    """The contract column computed from its source column, cast to the contract's type."""
    if cm is None:  # an optional column the source lacks
        return exp.cast(exp.null(), _type(spec))
    value: exp.Expression = exp.Column(this=_ident(cm.column))
    if cm.values:
        # A view cannot reject a row: a value outside the map becomes NULL (unknown), which
        # the metrics leave out and `check` counts.
        case = exp.Case(this=exp.cast(value, exp.DataType.build("VARCHAR")))
        for key, out in cm.values.items():
            case = case.when(exp.Literal.string(key), _literal(out))
        value = case.else_(exp.null())
    if isinstance(spec.type, sa.Date):
        if cm.format:
            value = exp.StrToDate(this=exp.cast(value, exp.DataType.build("VARCHAR")),
                                  format=exp.Literal.string(cm.format))
        else:
            value = exp.cast(value, exp.DataType.build("DATE"))
        if spec.name == "month":  # a month is its first day, whatever day the source gives
            value = exp.DateTrunc(this=value, unit=exp.var("MONTH"))
    return exp.cast(value, _type(spec))


def view(tm: TableMap, schema: str | None = None) -> exp.Create:
    spec = next(t for t in CONTRACT if t.name == tm.name)
    select = exp.select(*(
        exp.alias_(column_expr(c, tm.column(c.name)), exp.to_identifier(c.name))
        for c in spec.columns
    )).from_(_source(tm))
    name = exp.Table(this=exp.to_identifier(tm.name), db=_ident(schema) if schema else None)
    return exp.Create(this=name, kind="VIEW", replace=True, expression=select)


def view_statements(mapping: Mapping, dialect: str, schema: str | None = None) -> list[str]:
    """One `CREATE OR REPLACE VIEW` per mapped contract table (an optional table may be left
    out of the mapping), in the given dialect."""
    if dialect not in DIALECTS:
        raise ValueError(f"--dialect must be one of {', '.join(DIALECTS)}, got {dialect!r}")
    return [view(mapping.tables[spec.name], schema).sql(dialect=DIALECTS[dialect], pretty=True)
            + ";" for spec in CONTRACT if spec.name in mapping.tables]
