"""What it is worth: customers lost, their annual value, the value of the gap to the retention
target, and what an NPS gain is associated with (docs/value.md).

Counts come from the loyalty table's sums that the scorecard already pushed down in SQL: over
the view's window, `customers_start` and `customers_retained` summed over valid rows (the
retention tile's own denominator and numerator), so customers lost are exactly
sum(customers_start - customers_retained) of those rows and agree with the tile to the customer.
No statement of its own. Money appears only with `[value] annual_value_per_customer` in the
targets file (a region's own figure first); without it, counts only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from queries.insights.history import NotAvailable
from queries.results import finite_or_none, jsonable
from queries.scorecard import Scorecard
from queries.targets import Targets

GAIN_POINTS = 5.0  # the NPS gain valued ("what would 5 more points be worth?")


# `report(loyalty=NOT_RUN)`: the analyses were left out (`metrics --no-insights`)
NOT_RUN = NotAvailable("satisfaction_loyalty", "the analyses were not run (--no-insights)")


@dataclass(frozen=True)
class AtStake:
    """Customers and money at stake on one view over its window."""

    window: str  # code: 1m, 3m, 12m, ytd
    window_label: str
    customers_start: float | None
    customers_retained: float | None
    customers_lost: float | None
    retention: float | None  # % (the tile's value)
    target: float | None  # retention target, %
    short_of_target: float | None  # more customers kept had retention been at target
    value_per_customer: float | None  # the view's (regions weighted by customers at start)
    revenue_at_risk: float | None  # annual value of the customers lost
    gap_value: float | None  # annual value of the customers short of target
    currency: str = ""

    @property
    def has_value(self) -> bool:
        return self.revenue_at_risk is not None

    def as_dict(self) -> dict[str, Any]:
        return jsonable(self)


def _lost(num: float | None, den: float | None) -> float | None:
    if num is None or den is None:
        return None
    return float(den) - float(num)


def _regional(card: Scorecard, targets: Targets) -> tuple[float, float] | None:
    """(annual value of the customers lost, value-weighted customers at start) summed over the
    company's regions, each at its own value; None when a region with customers has no value."""
    kids = card.children
    if card.scope.level != "company" or kids is None or kids.empty:
        return None
    if card.children_window is not None and card.children_window.code != card.window.code:
        return None
    rows = kids[kids["metric"] == "retention_rate"]
    risk = weighted = 0.0
    for key, num, den in zip(rows["key"], rows["numerator"], rows["denominator"], strict=True):
        num, den = finite_or_none(num), finite_or_none(den)
        if not den:
            continue
        v = targets.annual_value(None if key is None else str(key))
        if v is None:
            return None
        risk += (den - (num or 0.0)) * v
        weighted += den * v
    return risk, weighted


def at_stake(card: Scorecard, targets: Targets) -> AtStake:
    """Customers lost over the view's window and, with a value configured, what they are worth
    a year; the customers (and value) short of the retention target."""
    r = card.metrics["retention_rate"]
    start, kept = finite_or_none(r.denominator), finite_or_none(r.numerator)
    lost = _lost(kept, start)
    short = None
    if r.target is not None and start:
        short = max(0.0, float(r.target) / 100 * start - (kept or 0.0))
    region = card.scope.region
    per = targets.annual_value(region)
    risk = gap = None
    regional = _regional(card, targets) if targets.raw.get("value", {}).get("regions") else None
    if regional is not None and start:
        risk, weighted = regional
        per = weighted / start  # the regions' values weighted by their customers
    elif per is not None and lost is not None:
        risk = lost * per
    if per is not None and short is not None and lost is not None:
        gap = short * per
    return AtStake(card.window.code, card.window.label, start, kept, lost, r.value, r.target,
                   short, per, risk, gap, targets.currency)


@dataclass(frozen=True)
class NpsGain:
    """What GAIN_POINTS more NPS is associated with, through the within-location NPS ->
    retention estimate (queries/insights/loyalty.py), its 95% interval carried through.

    A month with 10 points more NPS goes with `slope` points more retention over the next
    three months; retention is a monthly rate, so over a year the customers kept are
    slope x points / 10 / 100 x the customers at the start of each of the last 12 months."""

    holds: bool
    reason: str  # why there is no figure, when `holds` is False
    nps_points: float = GAIN_POINTS
    retention_points: float | None = None
    retention_ci: tuple[float, float] | None = None
    base_customers: float | None = None  # customers at the start of each month, 12 months
    customers: float | None = None  # kept a year
    customers_ci: tuple[float, float] | None = None
    value: float | None = None  # a year
    value_ci: tuple[float, float] | None = None
    n_locations: int = 0
    currency: str = ""

    def as_dict(self) -> dict[str, Any]:
        return jsonable(self)


def gain_from_slope(slope_per_10: float, base: float, per: float | None,
                    points: float = GAIN_POINTS) -> tuple[float, float, float | None]:
    """(retention points, customers a year, value a year) of `points` more NPS."""
    ret = slope_per_10 * points / 10
    kept = ret / 100 * base
    return ret, kept, None if per is None else kept * per


def nps_gain(loyalty: Any, base: float | None, per: float | None, currency: str = "",
             points: float = GAIN_POINTS) -> NpsGain:
    """The NPS gain's worth where the link holds on this view (its interval excludes zero and
    the slope is positive); otherwise the reason in words, and no figure."""
    links = getattr(loyalty, "links", None)
    if not links:
        reason = getattr(loyalty, "reason", None) or "the NPS -> retention link was not estimated"
        return NpsGain(False, str(reason), points)
    fit = next((x.within for x in links if x.outcome == "retention_rate"), None)
    if fit is None or fit.slope_per_10 is None or fit.slope_ci is None:
        return NpsGain(False, "too few locations to relate NPS to retention on this view",
                       points)
    if not (fit.significant and fit.slope_per_10 > 0):
        return NpsGain(False, "no clear link between NPS and retention on this view "
                       f"({fit.slope_per_10:+.2f} pts per 10 NPS pts, 95% interval "
                       f"{fit.slope_ci[0]:+.2f} to {fit.slope_ci[1]:+.2f})", points,
                       n_locations=fit.n_locations)
    if not base or not math.isfinite(base):
        return NpsGain(False, "no customer counts over the last 12 months", points)
    ret, kept, value = gain_from_slope(fit.slope_per_10, base, per, points)
    ends = [gain_from_slope(s, base, per, points) for s in fit.slope_ci]
    return NpsGain(True, "", points, ret, (ends[0][0], ends[1][0]), base, kept,
                   (ends[0][1], ends[1][1]), value,
                   None if per is None else (ends[0][2], ends[1][2]), fit.n_locations,
                   currency)


@dataclass(frozen=True)
class Worth:
    """Everything the value section says about one view: at stake, the NPS gain's worth, the
    year's pace, outside yardsticks and the network percentiles."""

    at_stake: AtStake
    gain: NpsGain
    pace: Any  # queries.pace.YearPace
    percentiles: tuple[Any, ...]  # queries.percentiles.Percentile, the view's locations
    benchmarks: Any  # queries.benchmarks.Benchmarks
    window_label: str

    def as_dict(self) -> dict[str, Any]:
        from queries.benchmarks import OUR_DEFINITIONS

        a = self.at_stake
        return {
            "window": a.window, "customers_lost": a.customers_lost,
            "revenue_at_risk": jsonable(a.revenue_at_risk, 2),
            "at_stake": a.as_dict(), "nps_gain": self.gain.as_dict(),
            "year_pace": self.pace.as_dict(),
            "percentiles": [p.as_dict() for p in self.percentiles],
            "benchmarks": {"version": self.benchmarks.version,
                           "our_definitions": OUR_DEFINITIONS,
                           "entries": [b.as_dict() for b in self.benchmarks.entries]},
        }


def report(engine: Any, dims: Any, card: Scorecard, targets: Targets,
           loyalty: Any = None, percentile_window: Any = None) -> Worth:
    """The whole value section of a view: two grouped statements (the year's months; NPS per
    location over the window for the percentiles, below the company), plus the loyalty link
    when `loyalty` is not given (the insights' own result is reused when it is)."""
    from queries import benchmarks, pace, percentiles, windows
    from queries.insights import loyalty as loyalty_mod

    scope, month = card.scope, card.month
    stake = at_stake(card, targets)
    year = pace.year_pace(engine, scope, month, targets)
    if loyalty is None:
        loyalty = loyalty_mod.satisfaction_loyalty(engine, dims, scope, month)
    gain = nps_gain(loyalty, pace.customers_a_year(year), stake.value_per_customer
                    if stake.value_per_customer is not None else targets.annual_value(
                        scope.region), targets.currency)
    # the locations' window: a region's children's, a location's own (rolling 3 months unless
    # another is chosen)
    w = percentile_window or (card.children_window if scope.level == "region" else card.window)
    w = w or windows.MONTH
    ranks: tuple = ()
    if scope.level != "company":
        ranks = tuple(percentiles.for_scope(percentiles.network(engine, dims, month, w), scope))
    label = w.label
    return Worth(stake, gain, year, ranks, benchmarks.load(), label)
