"""Sales and service journeys (issue 28): whether the warehouse records them, and the touchpoint
scores of a view beside its previous window.

Both are optional: `survey_responses.journey` and the `survey_items` table. A warehouse without
them gives `Recorded((), False)`, the journey choice is not offered (or says "not recorded"),
and every figure is what it always was. How a chosen journey reaches the SQL: it is part of the
`Scope` (so of every cache key), and `aggregate.responses` keeps the responses whose first row
names it, a bound parameter. Journey views read the raw rows, never the rollup (which holds no
journey): docs/journeys.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.scope import Scope
from queries.sql.engine import execute
from queries.sql.items import scores_select
from queries.sql.schema import JOURNEYS, table
from queries.stats import t_quantile

LABELS = {None: "All journeys", "sales": "Sales", "service": "Service"}


@dataclass(frozen=True)
class Recorded:
    """What the warehouse records: the journeys with at least one response, and whether it has
    touchpoint answers (survey_items)."""

    journeys: tuple[str, ...] = ()
    items: bool = False

    @property
    def any(self) -> bool:
        return bool(self.journeys)


def recorded_select() -> sa.Select:
    """The journeys named by at least one response (one grouped scan, cached per warehouse)."""
    s = table("survey_responses")
    known = sa.or_(*(s.c.journey == sa.bindparam(f"journey_{j}", j) for j in JOURNEYS))
    return sa.select(s.c.journey).where(known).group_by(s.c.journey)


def items_probe_select() -> sa.Select:
    """One touchpoint answer, or none: does `survey_items` exist (and hold anything)?"""
    t = table("survey_items")
    return sa.select(t.c.response_id).limit(1)


def recorded(engine: Engine) -> Recorded:
    """Ask, and on a refusal (no such column or table) take the answer as "not recorded":
    listing columns first would cost more statements on every engine (Spark: DESCRIBE)."""
    found: tuple[str, ...] = ()
    items = False
    with engine.connect() as conn:
        try:
            names = {str(r[0]) for r in execute(conn, recorded_select())}
            found = tuple(j for j in JOURNEYS if j in names)
        except sa.exc.DBAPIError:
            conn.rollback()  # PostgreSQL refuses anything more in a failed transaction
        try:
            items = execute(conn, items_probe_select()).first() is not None
        except sa.exc.DBAPIError:
            conn.rollback()
    return Recorded(found, items)


def parse(text: str | None) -> str | None:
    """A journey from a link or the command line; None for all. ValueError for anything else."""
    if text is None or not str(text).strip() or str(text).strip().lower() == "all":
        return None
    j = str(text).strip().lower()
    if j not in JOURNEYS:
        raise ValueError(f"Unknown journey {str(text)[:20]!r}: choose all, "
                         f"{', '.join(JOURNEYS)}.")
    return j


@dataclass(frozen=True)
class Touchpoint:
    journey: str | None
    item: str
    n: int
    mean: float | None
    low: float | None
    high: float | None
    prev_n: int
    prev_mean: float | None
    change: str  # "up", "down" or "" (no clear change at 95%)

    def as_dict(self) -> dict:
        def r(v):
            return None if v is None else round(v, 2)

        return {"journey": self.journey, "item": self.item, "n": self.n, "mean": r(self.mean),
                "low": r(self.low), "high": r(self.high), "prev_n": self.prev_n,
                "prev_mean": r(self.prev_mean), "change": self.change}


def _moments(n: float, s: float, ss: float) -> tuple[float | None, float | None]:
    if n <= 0:
        return None, None
    mean = s / n
    var = max(ss - s * s / n, 0.0) / (n - 1) if n > 1 else 0.0
    return mean, var


def touchpoints(sums: pd.DataFrame, now: date, before: date | None) -> list[Touchpoint]:
    """Each item's mean answer now, its 95% interval (t), the previous window's mean, and
    whether they differ at 95% (Welch's two-sample t: independent samples, the windows do not
    overlap)."""
    out = []
    for (journey, item), g in sums.groupby(["journey", "item"], dropna=False, sort=True):
        rows = {p: r for p, r in zip(g.period, g.itertuples(index=False), strict=True)}
        cur, prev = rows.get(now), rows.get(before) if before else None
        n = int(cur.n) if cur is not None else 0
        mean, var = _moments(n, cur.sx, cur.sxx) if cur is not None else (None, None)
        pn = int(prev.n) if prev is not None else 0
        pmean, pvar = _moments(pn, prev.sx, prev.sxx) if prev is not None else (None, None)
        low = high = None
        if mean is not None and n > 1:
            half = t_quantile(n - 1) * math.sqrt(var / n)
            low, high = max(mean - half, 0.0), min(mean + half, 10.0)
        change = ""
        if mean is not None and pmean is not None and n > 1 and pn > 1:
            se = math.sqrt(var / n + pvar / pn)
            if se > 0 and abs(mean - pmean) / se > 1.96:
                change = "up" if mean > pmean else "down"
        j = None if journey is None or (isinstance(journey, float) and math.isnan(journey)) \
            else str(journey)
        out.append(Touchpoint(j, str(item), n, mean, low, high, pn, pmean, change))
    return [t for t in out if t.n or t.prev_n]


def scores(engine: Engine, scope: Scope, periods: tuple[tuple[date, date, date], ...],
           by_journey: bool) -> list[Touchpoint]:
    """The view's touchpoint scores: `periods` = (now, previous) windows as windows.periods
    gives them; one statement."""
    with engine.connect() as conn:
        result = execute(conn, scores_select(scope, periods, by_journey))
        sums = pd.DataFrame([tuple(r) for r in result.fetchall()], columns=list(result.keys()))
    for c in ("n", "sx", "sxx"):
        sums[c] = pd.to_numeric(sums[c], errors="coerce").astype("float64").fillna(0.0)
    sums["period"] = [v if v is None or isinstance(v, date) and not hasattr(v, "hour")
                      else pd.Timestamp(v).date() for v in sums["period"]]
    sums["journey"] = [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                       for v in sums["journey"]]
    before = periods[1][0] if len(periods) > 1 else None
    return touchpoints(sums, periods[0][0], before)


@dataclass(frozen=True)
class Touch:
    """A view's touchpoints and key drivers, with the network's level of each item (the
    company's mean in the same window and journey) for "fix first"."""

    touchpoints: tuple[Touchpoint, ...]
    drivers: tuple  # queries.insights.drivers.Drivers, one per journey shown
    network: dict  # (journey, item) -> the company's mean answer
    network_label: str  # "the network's level", else "the journey's average touchpoint"
    window_label: str
    start: date
    stop: date


def touch(engine: Engine, scope: Scope, month: date, window, rec: Recorded,
          company_visible: bool) -> Touch:
    """Touchpoint scores now and in the previous window, the drivers of the window, and the
    network's level: three statements (two at company level), sums only."""
    from queries import windows
    from queries.insights import drivers

    w = windows.for_level(window, scope.level)
    periods = w.periods(month)[:2]
    _, start, stop = periods[0]
    by_journey = rec.any
    points = scores(engine, scope, periods, by_journey) if rec.items else []
    found = drivers.fetch(engine, scope, start, stop, rec.journeys) if rec.items else []
    if scope.level != "company" and company_visible and rec.items:
        network = scores(engine, Scope(journey=scope.journey), periods[:1], by_journey)
        levels = {(t.journey, t.item): t.mean for t in network if t.mean is not None}
        label = "the network's level"
    else:  # the company itself, or a viewer without company figures: the view's own average
        levels, label = _average_by_journey(points), "the journey's average touchpoint"
    return Touch(tuple(points), tuple(found), levels, label, w.label, start, stop)


def _average_by_journey(points: list[Touchpoint]) -> dict:
    out: dict = {}
    for j in {t.journey for t in points}:
        means = [t.mean for t in points if t.journey == j and t.mean is not None]
        avg = sum(means) / len(means) if means else None
        out |= {(j, t.item): avg for t in points if t.journey == j}
    return out
