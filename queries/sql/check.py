"""Validate a warehouse against the contract, and count the rows the metrics will leave out.

`problems` make the warehouse unusable (a missing table or column, a wrong type): the page refuses
to guess. `quality` rows are data the metrics exclude and count (out-of-range, NaN/Infinity or NULL
values, a part above its whole, duplicate response ids, future dates, rows for unknown locations).
`warnings` are data the metrics read with a stated correction (a month not on its first day, a
duplicate location, a location outside every region): `check` names both, never a bare "passes".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.registry import METRICS, Col
from queries.sql.compile import finite, month_of
from queries.sql.schema import CONTRACT, JOURNEYS, TABLES, ColumnSpec, TableSpec, table


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
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def excluded_rows(self) -> int:
        return sum(q.rows for q in self.quality)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "problems": self.problems, "notes": self.notes,
            "warnings": self.warnings, "row_counts": self.row_counts,
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


NOT_FINITE = "NaN or Infinity"


def _quality_exprs(spec: TableSpec, present: set[str],
                   today: date) -> dict[tuple[str, str], sa.ColumnElement]:
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
            out[(col.name, _range_text(col))] = count_if(sa.and_(finite(c), cond))
            out[(col.name, NOT_FINITE)] = count_if(sa.and_(c.is_not(None), sa.not_(finite(c))))
        if col.plausible is not None:
            out[(col.name, f"above {col.plausible:g} (implausible)")] = count_if(
                sa.and_(finite(c), c > col.plausible))
        if col.nullable and col.name not in ("latitude", "longitude", "region_name",
                                              "location_name", "region_id", "journey"):
            out[(col.name, "NULL (skipped or missing)")] = count_if(c.is_(None))
    if spec.name == "survey_responses" and "response_id" in present:
        out[("response_id", "duplicate id (counted once)")] = (
            sa.func.count() - sa.func.count(sa.distinct(t.c.response_id))
        )
    if spec.name == "culture_monthly" and {"enps_promoters", "enps_detractors",
                                           "pulse_responses"} <= present:
        out[("enps_promoters", "promoters + detractors > responses")] = count_if(
            t.c.enps_promoters + t.c.enps_detractors > t.c.pulse_responses)
    for m in METRICS:  # a part above its whole: the row is left out of that metric
        if m.table == spec.name and m.part_of_whole and isinstance(m.numerator, Col):
            num, den = m.numerator.name, getattr(m.denominator, "name", None)
            if den and {num, den} <= present:
                out[(num, f"{num} > {den}")] = count_if(t.c[num] > t.c[den])
    if spec.name == "survey_comments" and {"response_id", "comment"} <= present:
        out[("comment", "empty (NULL or blank; not tagged)")] = count_if(sa.or_(
            t.c.comment.is_(None), sa.func.length(sa.func.trim(t.c.comment)) == 0))
        out[("response_id", "duplicate id (the first comment kept)")] = (
            sa.func.count() - sa.func.count(sa.distinct(t.c.response_id)))
    if spec.name == "survey_responses" and "responded_on" in present:
        out[("responded_on", f"dated after today ({today.isoformat()})")] = count_if(
            t.c.responded_on > sa.bindparam("today", today, type_=sa.Date()))
    return out


def _month_warnings(conn: sa.Connection, name: str, col_type: sa.types.TypeEngine) -> list[str]:
    """A monthly table's `month` is read as its calendar month; say so when it is not a DATE on
    the first day (a TIMESTAMP, or the 15th)."""
    out = []
    if isinstance(col_type, sa.DateTime) or "timestamp" in str(col_type).lower():
        out.append(f"{name}.month: stored as {col_type}, not DATE; read as its calendar month")
    off = conn.execute(month_off_select(name)).scalar_one()
    if off:
        out.append(f"{name}.month: {int(off):,} rows not on the first day of their month "
                   "(read as that month)")
    return out


def month_off_select(name: str) -> sa.Select:
    """Rows of a monthly table whose `month` is not the first day of its month."""
    t = table(name)
    return sa.select(sa.func.count()).select_from(t).where(
        sa.cast(t.c.month, sa.Date) != month_of(t.c.month))


DUPLICATE_MONTH = "duplicate location and month (one row kept)"


def duplicate_month_selects(name: str) -> dict[str, sa.Select]:
    """Rows of a monthly table beyond the first for their (location_id, calendar month), and
    the first few such keys; the metrics keep one row per key (aggregate.monthly_rows)."""
    t = table(name)
    month = month_of(t.c.month).label("month")
    dup = (sa.select(t.c.location_id, month, sa.func.count().label("copies"))
           .group_by(t.c.location_id, month).having(sa.func.count() > 1).subquery("dup"))
    return {
        "extra": sa.select(sa.func.coalesce(sa.func.sum(dup.c.copies - 1), 0)),
        "first": sa.select(dup.c.location_id, dup.c.month)
        .order_by(dup.c.location_id, dup.c.month).limit(5),
    }


def _duplicate_months(conn: sa.Connection, name: str) -> tuple[int, list[str]]:
    q = duplicate_month_selects(name)
    extra = int(conn.execute(q["extra"]).scalar_one())
    first = conn.execute(q["first"]).all() if extra else []
    return extra, [f"{loc} {str(m)[:7]}" for loc, m in first]


def location_warning_selects() -> dict[str, sa.Select]:
    """Duplicate location ids, locations in a region not in regions, locations with no region."""
    loc, reg = table("locations"), table("regions")
    dup = sa.select(loc.c.location_id).group_by(loc.c.location_id).having(sa.func.count() > 1)
    return {
        "duplicate": dup.order_by(loc.c.location_id),
        "unknown_region": sa.select(loc.c.location_id).where(
            loc.c.region_id.is_not(None),
            loc.c.region_id.not_in(sa.select(reg.c.region_id).scalar_subquery()),
        ).order_by(loc.c.location_id),
        "no_region": sa.select(loc.c.location_id).where(loc.c.region_id.is_(None))
        .order_by(loc.c.location_id),
    }


def _location_warnings(conn: sa.Connection) -> list[str]:
    """Duplicate location ids and locations outside every region: metrics count each location
    once, in its first region (lowest region_id); a location with no known region is shown as
    "(no region)" and counted only in company totals."""
    q = location_warning_selects()
    out = []
    dups = [str(r[0]) for r in conn.execute(q["duplicate"])]
    if dups:
        out.append(f"locations.location_id: {len(dups):,} duplicated ({_some(dups)}); each is "
                   "counted once, in its lowest region_id")
    unknown = conn.execute(q["unknown_region"]).scalars().all()
    if unknown:
        out.append(f"locations.region_id: {len(unknown):,} locations in a region not in regions "
                   f"({_some([str(u) for u in unknown])}); shown as \"(no region)\", counted in "
                   "company totals only")
    null = conn.execute(q["no_region"]).scalars().all()
    if null:
        out.append(f"locations.region_id: {len(null):,} locations with no region "
                   f"({_some([str(u) for u in null])}); shown as \"(no region)\", counted in "
                   "company totals only")
    return out


def region_warning_selects() -> dict[str, sa.Select]:
    """Region ids listed twice, and regions with no name."""
    reg = table("regions")
    return {
        "duplicate": sa.select(reg.c.region_id).group_by(reg.c.region_id)
        .having(sa.func.count() > 1).order_by(reg.c.region_id),
        "no_name": sa.select(reg.c.region_id).where(reg.c.region_name.is_(None))
        .order_by(reg.c.region_id),
    }


def _region_warnings(conn: sa.Connection) -> list[str]:
    q = region_warning_selects()
    out = []
    dups = [str(r) for r in conn.execute(q["duplicate"]).scalars()]
    if dups:
        out.append(f"regions.region_id: {len(dups):,} duplicated ({_some(dups)}); each is shown "
                   "once, under its first name in sort order (its locations count once)")
    nameless = [str(r) for r in conn.execute(q["no_name"]).scalars()]
    if nameless:
        out.append(f"regions.region_name: {len(nameless):,} regions with no name "
                   f"({_some(nameless)}); shown by their id")
    return out


def future_months_select(name: str, today: date) -> sa.Select:
    """Rows of a monthly table dated after the current month, and the latest such month."""
    t = table(name)
    after = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return sa.select(sa.func.count(), sa.func.max(t.c.month)).select_from(t).where(
        t.c.month >= sa.bindparam("month_after", after, type_=sa.Date()))


def _future_months(conn: sa.Connection, name: str, today: date) -> list[str]:
    n, latest = conn.execute(future_months_select(name, today)).one()
    if not n:
        return []
    return [f"{name}.month: {int(n):,} rows dated after the current month (up to "
            f"{str(latest)[:7]}): a clock or typing error? They show only if that month is "
            "picked, never as the latest month"]


def journey_selects() -> dict[str, sa.Select]:
    """Responses whose journey is neither sales nor service (NULL is "not recorded")."""
    s = table("survey_responses")
    # One bound parameter per journey, not an expanding IN list: the compiled text is then the
    # text sent (the statements catalog compares the two).
    return {"other": sa.select(sa.func.count()).select_from(s).where(
        s.c.journey.is_not(None),
        *(s.c.journey != sa.bindparam(f"journey_{j}", j) for j in JOURNEYS))}


def _journey_warnings(conn: sa.Connection) -> list[str]:
    n = int(conn.execute(journey_selects()["other"]).scalar_one())
    if not n:
        return []
    return [f"survey_responses.journey: {n:,} rows name neither {' nor '.join(JOURNEYS)}; "
            "they count under all journeys only"]


ORPHAN_ITEM = "orphan (no such survey response)"
DUPLICATE_ITEM = "duplicate response and item (lowest answer kept)"


def item_selects() -> dict[str, sa.Select]:
    """Touchpoint answers of no known response, and extra rows for a (response_id, item)."""
    t, s = table("survey_items"), table("survey_responses")
    dup = (sa.select(sa.func.count().label("copies")).select_from(t)
           .group_by(t.c.response_id, t.c.item).having(sa.func.count() > 1).subquery("dup"))
    return {
        "orphans": sa.select(sa.func.count()).select_from(t).where(
            t.c.response_id.not_in(sa.select(s.c.response_id).where(
                s.c.response_id.is_not(None)).scalar_subquery())),
        "duplicates": sa.select(sa.func.coalesce(sa.func.sum(dup.c.copies - 1), 0)),
    }


def _item_quality(conn: sa.Connection, rep: CheckReport, responses: bool) -> None:
    q = item_selects()
    if responses:
        n = int(conn.execute(q["orphans"]).scalar_one())
        if n:
            rep.quality.append(QualityRow("survey_items", "response_id", ORPHAN_ITEM, n))
    n = int(conn.execute(q["duplicates"]).scalar_one())
    if n:
        rep.quality.append(QualityRow("survey_items", "response_id, item", DUPLICATE_ITEM, n))


def _some(ids: list[str], k: int = 5) -> str:
    shown = ", ".join(repr(i[:40]) for i in ids[:k])
    return shown + (f" and {len(ids) - k:,} more" if len(ids) > k else "")


def _range_text(col: ColumnSpec) -> str:
    if col.high is None:
        return f"below {col.low:g}"
    return f"outside {col.low:g}-{col.high:g}"


def unknown_locations_select(name: str) -> sa.Select:
    t, loc = table(name), table("locations")
    return sa.select(sa.func.count()).select_from(t).where(
        t.c.location_id.is_not(None),
        t.c.location_id.not_in(sa.select(loc.c.location_id).scalar_subquery()),
    )


def orphan_comments_select() -> sa.Select:
    """Comments whose response_id is in no survey response: never shown, counted by `check`."""
    c, s = table("survey_comments"), table("survey_responses")
    return sa.select(sa.func.count()).select_from(c).where(
        c.c.response_id.not_in(sa.select(s.c.response_id).where(
            s.c.response_id.is_not(None)).scalar_subquery()))


def _unknown_locations(conn: sa.Connection, name: str) -> int:
    return int(conn.execute(unknown_locations_select(name)).scalar_one())


def quality_select(spec: TableSpec, present: set[str],
                   today: date) -> tuple[sa.Select, list[tuple[str, str]]]:
    """One scan of a table: its row count and every quality count, with their labels."""
    exprs = _quality_exprs(spec, present, today)
    stmt = sa.select(sa.func.count().label("rows"),
                     *(e.label(f"q{i}") for i, e in enumerate(exprs.values())))
    return stmt.select_from(table(spec.name)), list(exprs)


def check(engine: Engine, today: date | None = None) -> CheckReport:
    """Inspect every contract table; never raises for warehouse content, only for connection."""
    today = today or date.today()
    rep = CheckReport()
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        # Views count: `cx-scorecard views` presents a team's own tables under the contract names.
        existing = set(insp.get_table_names()) | set(insp.get_view_names())
        present: dict[str, set[str]] = {}
        types: dict[str, dict[str, sa.types.TypeEngine]] = {}
        for spec in CONTRACT:
            if spec.name not in existing:
                if spec.optional:
                    rep.notes.append(f"optional table {spec.name} absent")
                else:
                    rep.problems.append(f"missing table {spec.name}")
                continue
            found = {c["name"]: c["type"] for c in insp.get_columns(spec.name)}
            _check_columns(spec, found, rep)
            present[spec.name] = set(found) & {c.name for c in spec.columns}
            types[spec.name] = found
        for name, cols in present.items():
            spec = TABLES[name]
            if any(f"{name}: missing column" in p or p.startswith(f"{name}.") for p in
                   rep.problems):
                continue  # a broken table is reported above; counting would only fail
            stmt, labels = quality_select(spec, cols, today)
            row = conn.execute(stmt).one()
            rep.row_counts[name] = int(row[0])
            for (col, issue), v in zip(labels, row[1:], strict=True):
                if v:
                    rep.quality.append(QualityRow(name, col, issue, int(v)))
            if name != "locations" and "location_id" in cols and "locations" in present:
                unknown = _unknown_locations(conn, name)
                if unknown:
                    rep.quality.append(QualityRow(name, "location_id", "unknown location",
                                                  unknown))
            if "month" in cols:
                rep.warnings += _month_warnings(conn, name, types[name]["month"])
                rep.warnings += _future_months(conn, name, today)
                if "location_id" in cols:
                    extra, keys = _duplicate_months(conn, name)
                    if extra:
                        rep.quality.append(QualityRow(name, "location_id, month",
                                                      DUPLICATE_MONTH, extra))
                        rep.warnings.append(
                            f"{name}: {extra:,} extra rows for a location and month already "
                            f"present ({_some(keys)}); each key counts once: the row with the "
                            "earliest month date, then the smallest values in column order")
            if name == "locations" and {"location_id", "region_id"} <= cols and "regions" in \
                    present:
                rep.warnings += _location_warnings(conn)
            if name == "regions" and {"region_id", "region_name"} <= cols:
                rep.warnings += _region_warnings(conn)
            if name == "survey_comments" and "response_id" in cols and \
                    "survey_responses" in present:
                orphans = int(conn.execute(orphan_comments_select()).scalar_one())
                if orphans:
                    rep.quality.append(QualityRow(name, "response_id",
                                                  "orphan (no such survey response)", orphans))
            if name == "survey_responses" and "journey" in cols:
                rep.warnings += _journey_warnings(conn)
            if name == "survey_items" and {"response_id", "item"} <= cols:
                _item_quality(conn, rep, "survey_responses" in present)
        for name, n in rep.row_counts.items():
            if n == 0:
                rep.notes.append(f"{name}: empty table")
        required = [n for n in rep.row_counts if not TABLES[n].optional]
        if required and not any(rep.row_counts[n] for n in required):
            rep.problems.append("the warehouse holds no data: every contract table is empty "
                                "(load it with `cx-scorecard load`, see docs/load.md)")
    return rep
