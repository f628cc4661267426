"""Year to date, rolling 12 months and the path to the year-end target, for every metric.

One grouped statement (the view's components per month over the 14 months the scorecard's
trend reads, `aggregate.fetch(by="none")`), then each window is the sum of its months' sums:
answers pooled, never an average of monthly values (a response is counted once across the whole
table, so adding months' sums is pooling). The year to date counts from the fiscal year's first
month (`[fiscal_year] start_month` in the targets file, default January).

The path to target (docs/value.md): with m fiscal months gone and k left, and the months ahead
as busy as the months so far, the year pools to (m V + k L) / 12 for the year to date V and a
level L in the months left, so reaching the year's target T needs L = T + (T - V) m / k. Its
uncertainty is the year to date's: half-width(L) = half-width(V) m / k. The last three months
(pooled) are the current pace: on track when they reach L beyond both margins, behind when they
fall short beyond them, else too close to call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from queries import census
from queries.evaluate import evaluate, totals
from queries.months import add_months, month_index
from queries.registry import METRICS
from queries.results import finite_or_none, jsonable
from queries.scope import Scope
from queries.sql import aggregate
from queries.targets import Targets

HISTORY = 14  # months fetched: the scorecard's trend (the census noise model reads them)
RECENT = 3  # the current pace: the last three months pooled
# A level outside a metric's scale cannot be reached (NPS from -100 to 100, shares 0-100).
BOUNDS = {"%": (0.0, 100.0), "pts": (-100.0, 100.0), "index": (0.0, 100.0)}
CALLS = ("on track", "behind", "too close to call", "out of reach", "met", "missed",
         "no target", "no data")


def fiscal_start(month: date, start_month: int = 1) -> date:
    """The first month of the fiscal year that `month` falls in."""
    back = (month.month - start_month) % 12
    return add_months(date(month.year, month.month, 1), -back)


def fiscal_year(month: date, start_month: int = 1) -> int:
    """A fiscal year is named by the calendar year it ends in (January start: the calendar
    year); its target is that year's (`[years."YYYY"]`)."""
    return add_months(fiscal_start(month, start_month), 11).year


@dataclass(frozen=True)
class Level:
    value: float | None
    moe: float | None  # half-width of the 95% interval (None: no sampling error to show)
    n: float | None


@dataclass(frozen=True)
class Pace:
    metric: str
    ytd: Level
    rolling_12: Level
    recent: Level  # the last RECENT months pooled
    target: float | None
    months_gone: int
    months_left: int
    needed: float | None  # the level needed in the months left
    needed_moe: float | None
    call: str  # one of CALLS

    def as_dict(self) -> dict[str, Any]:
        return jsonable(self)


@dataclass(frozen=True)
class YearPace:
    month: date
    fiscal_start: date
    fiscal_year: int
    paces: dict[str, Pace]

    def as_dict(self) -> dict[str, Any]:
        return {"month": self.month.strftime("%Y-%m"),
                "fiscal_year_start": self.fiscal_start.strftime("%Y-%m"),
                "fiscal_year": self.fiscal_year,
                "metrics": [p.as_dict() for p in self.paces.values()]}


def needed_level(target: float, ytd: float, gone: int, left: int) -> float:
    """L with (gone * ytd + left * L) / (gone + left) = target."""
    return target + (target - ytd) * gone / left


def judge(direction: int, target: float | None, ytd: Level, recent: Level, gone: int,
          left: int, unit: str) -> tuple[float | None, float | None, str]:
    """(level needed, its half-width, the call)."""
    if target is None:
        return None, None, "no target"
    if ytd.value is None:
        return None, None, "no data"
    if left == 0:
        return None, None, "met" if (ytd.value - target) * direction >= 0 else "missed"
    need = needed_level(float(target), ytd.value, gone, left)
    moe = None if ytd.moe is None else ytd.moe * gone / left
    lo, hi = BOUNDS.get(unit, (-math.inf, math.inf))
    if (direction > 0 and need > hi) or (direction < 0 and need < lo):
        return need, moe, "out of reach"
    if recent.value is None:
        return need, moe, "no data"
    margin = math.hypot(recent.moe or 0.0, moe or 0.0)
    gap = (recent.value - need) * direction
    call = "on track" if gap > margin else "behind" if gap < -margin else "too close to call"
    if margin == 0:
        call = "on track" if gap >= 0 else "behind"
    return need, moe, call


def _levels(comps: pd.DataFrame, masks: dict[str, pd.Series], monthly: pd.DataFrame,
            month: date, targets: Targets) -> dict[str, dict[str, Level]]:
    """window -> metric -> pooled Level (census metrics borrow their monthly yardstick)."""
    rows = []
    for name, mask in masks.items():
        pooled = totals(comps[mask], [])
        pooled.insert(0, "period", name)
        rows.append(pooled)
    frame = pd.concat(rows, ignore_index=True)
    long = evaluate(frame, targets.weights, keys=["period"])
    long = census.borrow(long, monthly, month, key=None)
    out: dict[str, dict[str, Level]] = {name: {} for name in masks}
    for r in long.itertuples(index=False):
        moe = finite_or_none(r.moe)
        out[r.period][r.metric] = Level(finite_or_none(r.value), moe, finite_or_none(r.n))
    return out


def year_pace(engine: Engine, scope: Scope, month: date, targets: Targets,
              comps: pd.DataFrame | None = None) -> YearPace:
    """Year to date, rolling 12 months, the last 3 months and the path to the year-end target
    of every metric on one view (one grouped statement unless `comps` is given)."""
    start_m = targets.fiscal_year_start
    first = fiscal_start(month, start_m)
    if comps is None:
        comps = aggregate.fetch(engine, scope, add_months(month, 1 - HISTORY),
                                add_months(month, 1), by="none")
    comps = comps.drop(columns=["key"], errors="ignore")
    idx = comps["month"].map(month_index) if len(comps) else pd.Series(dtype=int)
    now = month_index(month)
    masks = {"ytd": (idx >= month_index(first)) & (idx <= now),
             "12m": (idx > now - 12) & (idx <= now),
             "recent": (idx > now - RECENT) & (idx <= now)}
    monthly = census.apply(evaluate(comps, targets.weights, keys=["month"]), month, key=None) \
        if len(comps) else pd.DataFrame(columns=["month", "metric", "se", "df"])
    levels = _levels(comps, masks, monthly, month, targets)
    gone = now - month_index(first) + 1
    left = 12 - gone
    fy = fiscal_year(month, start_m)
    paces: dict[str, Pace] = {}
    for m in METRICS:
        tgt = targets.for_metric(m.name, scope.region, scope.location, fy).value
        ytd, r12, recent = (levels[w].get(m.name, Level(None, None, None))
                            for w in ("ytd", "12m", "recent"))
        need, moe, call = judge(m.direction, tgt, ytd, recent, gone, left, m.unit)
        paces[m.name] = Pace(m.name, ytd, r12, recent, tgt, gone, left, need, moe, call)
    return YearPace(month, first, fy, paces)


def customers_a_year(p: YearPace) -> float | None:
    """Customers at the start of each of the last 12 months, summed (the NPS gain's base)."""
    lv = p.paces["retention_rate"].rolling_12
    return lv.n  # retention's n is its denominator: customers at the start

