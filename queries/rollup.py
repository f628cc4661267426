"""Optional pre-aggregation: survey components per location and month, built by a command.

The page's cost then depends on locations x months, not on how many responses the warehouse
holds. The rollup is only used while it matches the raw table (same latest response date and row
count recorded at build time); otherwise the query layer reads the raw rows, so a stale rollup can
never show old numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.compile import component_names, month_of, survey_components
from queries.schema import table
from queries.scope import Scope

ROLLUP = "cx_survey_monthly"
META = "cx_survey_monthly_meta"


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
    )


_MD = sa.MetaData()
RT, MT = rollup_table(_MD), meta_table(_MD)


def _fingerprint(conn: sa.Connection) -> tuple[int, date | None]:
    s = table("survey_responses")
    rows, hi = conn.execute(sa.select(sa.func.count(), sa.func.max(s.c.responded_on))).one()
    return int(rows), hi


def available(conn: sa.Connection) -> bool:
    """True when a rollup exists and was built from the survey table as it is now."""
    insp = sa.inspect(conn)
    if not (insp.has_table(ROLLUP) and insp.has_table(META)):
        return False
    built_with = {c["name"] for c in insp.get_columns(ROLLUP)}
    if not set(component_names("survey_responses")) <= built_with:
        return False  # built by an older version: rebuild with `cx-scorecard rollup`
    row = conn.execute(sa.select(MT.c.source_rows, MT.c.source_max_date)).first()
    if row is None:
        return False
    return (int(row[0]), row[1]) == _fingerprint(conn)


CHECK_TTL_S = 60.0
_checked: dict[str, tuple[float, bool]] = {}


def available_cached(engine: Engine, conn: sa.Connection) -> bool:
    """`available`, asked at most once a minute per warehouse: on PostgreSQL the row count is a
    full scan, and a page makes several fetches. A rebuild or a load shows within a minute."""
    key = engine.url.render_as_string(hide_password=False)
    now = time.monotonic()
    hit = _checked.get(key)
    if hit is not None and now - hit[0] < CHECK_TTL_S:
        return hit[1]
    ok = available(conn)
    _checked[key] = (now, ok)
    return ok


def build(engine: Engine) -> dict[str, int]:
    """(Re)build the rollup in the warehouse; needs a writable connection."""
    from queries.aggregate import first_responses  # the same rule as the raw path

    s = table("survey_responses")
    ranked = first_responses(s).subquery("ranked")
    r = sa.select(*(ranked.c[c.name] for c in s.c)).where(ranked.c.rn == 1).subquery("r")
    comps = survey_components(r)
    month = month_of(r.c.responded_on)
    select = sa.select(r.c.location_id, month.label("month"), *(v.label(k) for k, v in
                                                                 comps.items()))
    select = select.group_by(r.c.location_id, month)
    with engine.begin() as conn:
        rows, hi = _fingerprint(conn)
        _MD.drop_all(conn, checkfirst=True)
        _MD.create_all(conn)
        conn.execute(sa.insert(RT).from_select(["location_id", "month", *comps], select))
        conn.execute(sa.insert(MT).values(
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),  # noqa: UP017
            source_rows=rows, source_max_date=hi,
        ))
        built = conn.execute(sa.select(sa.func.count()).select_from(RT)).scalar_one()
    _checked.clear()
    return {"rollup_rows": int(built), "source_rows": rows}


def rollup_select(
    scope: Scope, start: date, stop: date, by: str, grouped: Callable[..., sa.Select]
) -> sa.Select:
    comps = {n: sa.func.coalesce(sa.func.sum(RT.c[n]), 0) for n in component_names(
        "survey_responses")}
    where = [RT.c.month >= sa.bindparam("start", start), RT.c.month < sa.bindparam("stop", stop)]
    return grouped(RT, comps, RT.c.month, RT.c.location_id, scope, by, where)
