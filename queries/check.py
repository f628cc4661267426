"""Validate a warehouse against the contract, and count the rows the metrics will leave out.

`problems` make the warehouse unusable (a missing table or column, a wrong type): the page refuses
to guess. `quality` rows are data the metrics exclude and count (out-of-range or NULL scores,
duplicate response ids, rows for unknown locations): the page and `cx-scorecard check` show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.schema import CONTRACT, TABLES, ColumnSpec, TableSpec, table


@dataclass(frozen=True)
class QualityRow:
    table: str
    column: str
    issue: str
    rows: int


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    quality: list[QualityRow] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def excluded_rows(self) -> int:
        return sum(q.rows for q in self.quality)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "problems": self.problems, "notes": self.notes,
            "row_counts": self.row_counts,
            "quality": [q.__dict__ for q in self.quality],
        }


def _family(t: sa.types.TypeEngine) -> str:
    if isinstance(t, sa.Boolean):
        return "bool"
    if isinstance(t, sa.Date | sa.DateTime):
        return "date"
    if isinstance(t, sa.Integer | sa.Numeric | sa.Float):
        return "number"
    if isinstance(t, sa.String):
        return "text"
    name = type(t).__name__.lower()
    if "int" in name or "double" in name or "real" in name or "decimal" in name:
        return "number"
    return "other"


ACCEPTS = {
    "text": {"text", "number"},  # ids may be numeric in a customer's warehouse
    "number": {"number"},
    "date": {"date"},
    "bool": {"bool"},
}


def _check_columns(spec: TableSpec, found: dict[str, sa.types.TypeEngine], rep: CheckReport):
    for col in spec.columns:
        if col.name not in found:
            if col.required:
                rep.problems.append(f"{spec.name}: missing column {col.name}")
            else:
                rep.notes.append(f"{spec.name}: optional column {col.name} absent")
            continue
        want, got = _family(col.type), _family(found[col.name])
        if got not in ACCEPTS[want] and got != "other":
            rep.problems.append(
                f"{spec.name}.{col.name}: type {found[col.name]} where {want} is expected"
            )


def _quality_exprs(spec: TableSpec, present: set[str]) -> dict[tuple[str, str], sa.ColumnElement]:
    t = table(spec.name)
    out: dict[tuple[str, str], sa.ColumnElement] = {}

    def count_if(cond) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    for col in spec.columns:
        if col.name not in present:
            continue
        c = t.c[col.name]
        if col.low is not None or col.high is not None:
            cond = sa.false()
            if col.low is not None:
                cond = sa.or_(cond, c < col.low)
            if col.high is not None:
                cond = sa.or_(cond, c > col.high)
            out[(col.name, _range_text(col))] = count_if(cond)
        if col.nullable and col.name not in ("latitude", "longitude", "region_name",
                                              "location_name"):
            out[(col.name, "NULL (skipped or missing)")] = count_if(c.is_(None))
    if spec.name == "survey_responses" and "response_id" in present:
        out[("response_id", "duplicate id (counted once)")] = (
            sa.func.count() - sa.func.count(sa.distinct(t.c.response_id))
        )
    if spec.name == "culture_monthly" and {"enps_promoters", "enps_detractors",
                                           "pulse_responses"} <= present:
        out[("enps_promoters", "promoters + detractors > responses")] = count_if(
            t.c.enps_promoters + t.c.enps_detractors > t.c.pulse_responses)
    return out


def _range_text(col: ColumnSpec) -> str:
    if col.high is None:
        return f"below {col.low:g}"
    return f"outside {col.low:g}-{col.high:g}"


def _unknown_locations(conn: sa.Connection, name: str) -> int:
    t, loc = table(name), table("locations")
    q = sa.select(sa.func.count()).select_from(t).where(
        t.c.location_id.is_not(None),
        t.c.location_id.not_in(sa.select(loc.c.location_id).scalar_subquery()),
    )
    return int(conn.execute(q).scalar_one())


def check(engine: Engine) -> CheckReport:
    """Inspect every contract table; never raises for warehouse content, only for connection."""
    rep = CheckReport()
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        # Views count: `cx-scorecard views` presents a team's own tables under the contract names.
        existing = set(insp.get_table_names()) | set(insp.get_view_names())
        present: dict[str, set[str]] = {}
        for spec in CONTRACT:
            if spec.name not in existing:
                rep.problems.append(f"missing table {spec.name}")
                continue
            found = {c["name"]: c["type"] for c in insp.get_columns(spec.name)}
            _check_columns(spec, found, rep)
            present[spec.name] = set(found) & {c.name for c in spec.columns}
        for name, cols in present.items():
            spec = TABLES[name]
            if any(f"{name}: missing column" in p or p.startswith(f"{name}.") for p in
                   rep.problems):
                continue  # a broken table is reported above; counting would only fail
            exprs = _quality_exprs(spec, cols)
            t = table(name)
            labels = list(exprs)
            row = conn.execute(
                sa.select(sa.func.count().label("rows"), *(e.label(f"q{i}") for i, e in
                                                            enumerate(exprs.values())))
                .select_from(t)
            ).one()
            rep.row_counts[name] = int(row[0])
            for (col, issue), v in zip(labels, row[1:], strict=True):
                if v:
                    rep.quality.append(QualityRow(name, col, issue, int(v)))
            if name != "locations" and "location_id" in cols and "locations" in present:
                unknown = _unknown_locations(conn, name)
                if unknown:
                    rep.quality.append(QualityRow(name, "location_id", "unknown location",
                                                  unknown))
        for name, n in rep.row_counts.items():
            if n == 0:
                rep.notes.append(f"{name}: empty table")
    return rep
