"""Satisfaction -> loyalty: does a location's NPS this month go with who stays and who refers?

Each location-month is one point: NPS in month m against retention (and referral share) pooled
over months m+1..m+3. The one estimate reported (sentence, verdict, chart) is the slope *within*
locations (location means removed, so lasting differences between dealerships, which differ in
other ways too, cannot drive it). The pooled slope is kept in the result as a diagnostic only.
Intervals come from a bootstrap over locations, because a location's months overlap and are not
independent; Fisher's z interval (which assumes they are) is given for comparison only. Fewer
than MIN_LOCATIONS locations give no estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from queries.insights.history import History, NotAvailable, load_history, months_ahead
from queries.insights.intervals import (
    SEED,
    fisher_ci,
    percentile_ci,
    resample_counts,
)
from queries.results import finite_or_none, jsonable
from queries.scope import Dims, Scope
from queries.stats import nps_of, nps_se

PREDICTOR_MONTHS = 24  # location-months used as predictors
AHEAD = 3  # outcome months after the NPS month
MIN_N = 10  # answers a location-month needs to be a point (a 1-answer NPS is pure noise)
MIN_RELIABILITY = 0.1  # below this, dividing by the reliability mostly amplifies noise
BINS = 10
DRAWS = 1000
MIN_LOCATIONS = 10  # no slope from fewer locations (a region's handful is an anecdote)
OUTCOMES = {
    "retention_rate": ("retention_rate__num", "retention_rate__den", "retention"),
    "referral_rate": ("referral_rate__num", "referral_rate__den", "referral share"),
}


@dataclass(frozen=True)
class Fit:
    slope_per_10: float | None  # outcome points per 10 NPS points
    slope_ci: tuple[float, float] | None
    r: float | None
    r_ci: tuple[float, float] | None  # bootstrap over locations
    r_ci_fisher: tuple[float, float] | None  # assumes independent points: too narrow here
    reliability: float | None  # share of NPS variance that is not sampling noise
    slope_corrected_per_10: float | None  # slope / reliability (regression dilution undone)
    n_points: int
    n_locations: int

    @property
    def significant(self) -> bool:
        return self.slope_ci is not None and (self.slope_ci[0] > 0 or self.slope_ci[1] < 0)


@dataclass(frozen=True)
class Bin:
    nps: float
    outcome: float
    points: int


@dataclass(frozen=True)
class OutcomeLink:
    outcome: str
    label: str
    pooled: Fit  # diagnostic: mixes differences between locations with their own months
    within: Fit  # the estimate: a location's own months
    bins: tuple[Bin, ...]  # within-location binned scatter (location means removed, grand mean
    # added back), so the chart shows the slope the sentence reports

    @property
    def headline(self) -> Fit:
        return self.within


@dataclass(frozen=True)
class SatisfactionLoyalty:
    scope_name: str
    months: tuple[date, date] | None  # first and last NPS month used
    links: tuple[OutcomeLink, ...]
    sentence: str

    def link(self, outcome: str) -> OutcomeLink:
        return next(x for x in self.links if x.outcome == outcome)

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "satisfaction_loyalty", **jsonable(self)}


@dataclass(frozen=True)
class Points:
    """One row per usable location-month: location index, NPS, its sampling variance, outcome."""

    loc: np.ndarray
    x: np.ndarray
    s2: np.ndarray
    y: np.ndarray


def points(h: History, outcome: str) -> Points:
    pos, neg, n = h.nps_parts()
    num, den = (h.wide(c) for c in OUTCOMES[outcome][:2])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = 100 * months_ahead(num, AHEAD) / months_ahead(den, AHEAD)
    x = nps_of(pos, neg, n)
    s2 = nps_se(pos, neg, n) ** 2
    first = max(0, len(h.months) - AHEAD - PREDICTOR_MONTHS)
    use = np.zeros(x.shape, bool)
    use[:, first:] = True
    use &= (n >= MIN_N) & np.isfinite(y) & np.isfinite(x)
    li, _ = np.nonzero(use)
    return Points(li, x[use], s2[use], y[use])


def _stats(p: Points, k: int) -> np.ndarray:
    """(k, 9) per-location sums: n, x, y, xx, xy, yy, and within-location xx, xy, yy."""
    out = np.zeros((k, 9))
    cnt = np.bincount(p.loc, minlength=k).astype(float)
    sums = [np.bincount(p.loc, w, minlength=k) for w in (p.x, p.y, p.x * p.x, p.x * p.y,
                                                           p.y * p.y)]
    out[:, 0], out[:, 1:6] = cnt, np.column_stack(sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        mx, my = np.where(cnt > 0, sums[0] / cnt, 0), np.where(cnt > 0, sums[1] / cnt, 0)
    out[:, 6] = sums[2] - cnt * mx * mx
    out[:, 7] = sums[3] - cnt * mx * my
    out[:, 8] = sums[4] - cnt * my * my
    return out


def _fits(w: np.ndarray, st: np.ndarray) -> dict[str, np.ndarray]:
    """Pooled and within slopes and r for location weights w (draws, k)."""
    t = w @ st
    with np.errstate(divide="ignore", invalid="ignore"):
        n = t[:, 0]
        sxx = t[:, 3] - t[:, 1] ** 2 / n
        sxy = t[:, 4] - t[:, 1] * t[:, 2] / n
        syy = t[:, 5] - t[:, 2] ** 2 / n
        return {"pooled_slope": sxy / sxx, "pooled_r": sxy / np.sqrt(sxx * syy),
                "within_slope": t[:, 7] / t[:, 6],
                "within_r": t[:, 7] / np.sqrt(t[:, 6] * t[:, 8])}


def _reliability(p: Points, within: bool) -> float | None:
    x = p.x
    if within:
        cnt = np.bincount(p.loc)
        x = x - (np.bincount(p.loc, p.x) / np.maximum(cnt, 1))[p.loc]
    var = float(np.var(x, ddof=1)) if x.size > 1 else np.nan
    if not var > 0:
        return None
    return float(max(1 - p.s2.mean() / var, 0.0))


def fit_outcome(h: History, outcome: str, draws: int = DRAWS) -> OutcomeLink:
    p = points(h, outcome)
    k = len(h.locations)
    st = _stats(p, k)
    point = _fits(np.ones((1, k)), st)
    boot = _fits(resample_counts(np.random.default_rng(SEED), k, draws), st)
    n_loc = int((st[:, 0] > 0).sum())
    fits = {}
    for kind in ("pooled", "within"):
        slope, r = float(point[f"{kind}_slope"][0]), float(point[f"{kind}_r"][0])
        rel = _reliability(p, kind == "within")
        enough = n_loc >= MIN_LOCATIONS
        ci = percentile_ci(10 * boot[f"{kind}_slope"]) if enough else None
        dof = p.x.size - (n_loc if kind == "within" else 0)
        fits[kind] = Fit(
            finite_or_none(10 * slope), ci, finite_or_none(r),
            percentile_ci(boot[f"{kind}_r"]) if enough else None,
            fisher_ci(r, dof) if np.isfinite(r) else None, rel,
            finite_or_none(10 * slope / rel) if rel and rel >= MIN_RELIABILITY else None,
            int(p.x.size), n_loc)
    return OutcomeLink(outcome, OUTCOMES[outcome][2], fits["pooled"], fits["within"], _bins(p))


def _bins(p: Points) -> tuple[Bin, ...]:
    """Within-location binned scatter: each point's location means removed and the grand means
    added back, then equal-count NPS bins with mean NPS and mean outcome."""
    if p.x.size < BINS:
        return ()
    cnt = np.maximum(np.bincount(p.loc), 1)
    x = p.x - (np.bincount(p.loc, p.x) / cnt)[p.loc] + p.x.mean()
    y = p.y - (np.bincount(p.loc, p.y) / cnt)[p.loc] + p.y.mean()
    order = np.argsort(x, kind="stable")
    return tuple(Bin(float(x[ix].mean()), float(y[ix].mean()), int(ix.size))
                 for ix in np.array_split(order, BINS))


def loyalty_from(h: History, dims: Dims) -> SatisfactionLoyalty:
    links = tuple(fit_outcome(h, o) for o in OUTCOMES)
    first = max(0, len(h.months) - AHEAD - PREDICTOR_MONTHS)
    last = len(h.months) - AHEAD - 1
    span = (h.months[first], h.months[last]) if last >= first else None
    return SatisfactionLoyalty(dims.name(h.scope), span, links, _sentence(links))


def _link_sentence(link: OutcomeLink) -> str:
    w = link.within
    if w.slope_per_10 is None or w.slope_ci is None or w.r is None:
        return (f"Too few locations to relate NPS to {link.label} (at least {MIN_LOCATIONS} "
                f"with {MIN_N}+ answers a month needed; {w.n_locations} here).")
    ci = f"95% interval {w.slope_ci[0]:+.2f} to {w.slope_ci[1]:+.2f}"
    where = (f"within a location, month to month; {w.n_locations} locations, "
             f"{w.n_points:,} location-months")
    if not w.significant:
        return (f"No clear link between NPS and {link.label} over the next three months "
                f"{where}: {w.slope_per_10:+.2f} points per 10 NPS points ({ci}).")
    more = "higher" if w.slope_per_10 > 0 else "lower"
    return (f"Within a location, a month with 10 points more NPS goes with "
            f"{abs(w.slope_per_10):.2f} points {more} {link.label} over the next three months "
            f"({ci}; {w.n_locations} locations, {w.n_points:,} location-months): an "
            "association, not proof of cause.")


def _sentence(links: tuple[OutcomeLink, ...]) -> str:
    return " ".join(_link_sentence(x) for x in links)


def satisfaction_loyalty(engine: Engine, dims: Dims, scope: Scope, month: date,
                         history: History | None = None) -> SatisfactionLoyalty | NotAvailable:
    """NPS in month m vs retention and referral in m+1..m+3, within locations."""
    if scope.level == "location":
        return NotAvailable("satisfaction_loyalty", "One location's months are too few and too "
                            "alike to separate cause from noise; open its region.")
    h = history or load_history(engine, dims, scope, month, PREDICTOR_MONTHS + AHEAD, False)
    return loyalty_from(h, dims)
