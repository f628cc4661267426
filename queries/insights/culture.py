"""Culture -> customers: do engaged employees go with happier customers in the months after?

The third side of the iron triangle. Each location-month m is one point: the location's eNPS and
recognitions per employee in m against its customers' NPS pooled over m+1..m+3 (lagged, so the
employee measure comes first). Location fixed effects (every variable less its location's mean)
keep lasting differences between dealerships out: only a location's own months moving together
count. Standard errors are clustered by location (a location's months share their shocks), with
the small-sample factor G/(G-1) (N-1)/(N-K) that statsmodels' OLS(cov_type="cluster") applies,
and the intervals use t with G - 1 degrees of freedom. The finding rests on one joint Wald test
of both coefficients (F with 2 and G - 1 degrees of freedom, p < 0.05), so two coefficients do
not double the false alarms. An association, not proof of cause: on the demo recognition and
eNPS rise with a new owner, whose NPS rises at the same time.

Inputs are the shared history's location x month aggregates (eNPS counts, recognitions and
employees summed in SQL); no employee or survey row reaches Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from scipy import stats
from sqlalchemy.engine import Engine

from queries.insights.history import History, NotAvailable, load_history, months_ahead
from queries.results import finite_or_none, jsonable
from queries.scope import Dims, Scope
from queries.stats import nps_of

PREDICTOR_MONTHS = 24  # employee months used as predictors
AHEAD = 3  # customer NPS pooled over months m+1..m+3
MIN_PULSE = 10  # pulse answers a month needs (an eNPS from 3 employees is noise)
MIN_ANSWERS = 30  # customer answers the three months need
MIN_LOCATIONS = 10  # no estimate from fewer locations
ENPS_STEP, RECOGNITION_STEP = 10.0, 0.1  # effects reported per 10 eNPS points, per 0.1 a head
NAMES = ("enps", "recognitions")


@dataclass(frozen=True)
class Coefficient:
    name: str
    per: float  # the step the effect is quoted for
    effect: float | None  # NPS points over the next three months per step
    low: float | None
    high: float | None
    se: float | None
    p: float | None

    @property
    def significant(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


@dataclass(frozen=True)
class CultureLink:
    scope_name: str
    months: tuple[date, date] | None  # first and last employee month used
    coefficients: tuple[Coefficient, ...]
    n_points: int
    n_locations: int
    bins: tuple[tuple[float, float, int], ...]  # within-location eNPS bins: (eNPS, NPS, points)
    sentence: str
    p_joint: float | None = None  # Wald test that both coefficients are 0 (clustered)

    @property
    def holds(self) -> bool:
        """The link is beyond the noise: the joint test rejects at 5%."""
        return self.p_joint is not None and self.p_joint < 0.05

    def coefficient(self, name: str) -> Coefficient:
        return next(c for c in self.coefficients if c.name == name)

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "culture_link", **jsonable(self)}


@dataclass(frozen=True)
class Design:
    """Usable location-months: location index, eNPS, recognitions per employee, next NPS."""

    loc: np.ndarray
    x: np.ndarray  # (points, 2)
    y: np.ndarray


def design(h: History) -> Design:
    pos, neg, n = (months_ahead(a, AHEAD) for a in h.nps_parts())
    y = nps_of(pos, neg, np.nan_to_num(n))
    e_pos, e_neg, e_n = (h.wide(f"enps__{k}") for k in ("pos", "neg", "n"))
    enps = nps_of(e_pos, e_neg, e_n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rec = (h.wide("recognitions_per_employee__num")
               / h.wide("recognitions_per_employee__den"))
    use = np.zeros(y.shape, bool)
    use[:, max(0, len(h.months) - AHEAD - PREDICTOR_MONTHS):] = True
    use &= (e_n >= MIN_PULSE) & (np.nan_to_num(n) >= MIN_ANSWERS)
    use &= np.isfinite(y) & np.isfinite(enps) & np.isfinite(rec)
    li, _ = np.nonzero(use)
    return Design(li, np.column_stack([enps[use], rec[use]]), y[use])


def _demean(v: np.ndarray, loc: np.ndarray) -> np.ndarray:
    cnt = np.bincount(loc)
    if v.ndim == 1:
        return v - (np.bincount(loc, v) / np.maximum(cnt, 1))[loc]
    return np.column_stack([_demean(v[:, j], loc) for j in range(v.shape[1])])


def within_fit(d: Design) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Fixed-effects slopes and their cluster-robust covariance (CR1, clusters = locations)."""
    _, loc = np.unique(d.loc, return_inverse=True)
    g = int(loc.max()) + 1 if loc.size else 0
    if g < MIN_LOCATIONS:
        return None
    x, y = _demean(d.x, loc), _demean(d.y, loc)
    xtx = x.T @ x
    if np.linalg.matrix_rank(xtx) < x.shape[1]:
        return None
    inv = np.linalg.inv(xtx)
    beta = inv @ x.T @ y
    score = np.zeros((g, x.shape[1]))
    np.add.at(score, loc, x * (y - x @ beta)[:, None])
    n, k = x.shape
    factor = g / (g - 1) * (n - 1) / (n - k)
    return beta, factor * inv @ (score.T @ score) @ inv, g


def culture_from(h: History, dims: Dims) -> CultureLink:
    d = design(h)
    fit = within_fit(d)
    n_loc = int(np.unique(d.loc).size)
    coefs = []
    for j, (name, step) in enumerate(zip(NAMES, (ENPS_STEP, RECOGNITION_STEP), strict=True)):
        if fit is None:
            coefs.append(Coefficient(name, step, None, None, None, None, None))
            continue
        beta, cov, g = fit
        se = float(np.sqrt(cov[j, j]))
        t = float(stats.t.ppf(0.975, g - 1))
        p = float(2 * stats.t.sf(abs(beta[j] / se), g - 1)) if se > 0 else None
        coefs.append(Coefficient(name, step, finite_or_none(step * beta[j]),
                                 finite_or_none(step * (beta[j] - t * se)),
                                 finite_or_none(step * (beta[j] + t * se)),
                                 finite_or_none(step * se), p))
    first = max(0, len(h.months) - AHEAD - PREDICTOR_MONTHS)
    last = len(h.months) - AHEAD - 1
    span = (h.months[first], h.months[last]) if last >= first else None
    p = joint_p(*fit) if fit is not None else None
    return CultureLink(dims.name(h.scope), span, tuple(coefs), int(d.y.size), n_loc,
                       _bins(d), _sentence(tuple(coefs), int(d.y.size), n_loc, p), p)


def joint_p(beta: np.ndarray, cov: np.ndarray, g: int) -> float | None:
    """p of the clustered Wald test that every coefficient is 0: F(k, G - 1)."""
    try:
        w = float(beta @ np.linalg.solve(cov, beta))
    except np.linalg.LinAlgError:
        return None
    k = beta.size
    return finite_or_none(float(stats.f.sf(w / k, k, g - 1)))


def _bins(d: Design, k: int = 10) -> tuple[tuple[float, float, int], ...]:
    """Within-location binned scatter of eNPS against next months' NPS (grand means added)."""
    if d.y.size < k:
        return ()
    _, loc = np.unique(d.loc, return_inverse=True)
    x = _demean(d.x[:, 0], loc) + d.x[:, 0].mean()
    y = _demean(d.y, loc) + d.y.mean()
    order = np.argsort(x, kind="stable")
    return tuple((float(x[ix].mean()), float(y[ix].mean()), int(ix.size))
                 for ix in np.array_split(order, k))


def _sentence(coefs: tuple[Coefficient, ...], points: int, locations: int,
              p: float | None) -> str:
    e, r = coefs
    if e.effect is None or e.low is None or r.effect is None or r.low is None:
        return (f"Too few locations to relate employee engagement to customer NPS (at least "
                f"{MIN_LOCATIONS} with eNPS and NPS needed; {locations} here).")
    base = (f"within a location, next three months; {locations} locations, {points:,} "
            "location-months, location fixed effects, errors clustered by location")
    enps = (f"10 points more eNPS go with {e.effect:+.2f} NPS points "
            f"(95% interval {e.low:+.2f} to {e.high:+.2f})")
    rec = (f"0.1 more recognitions per employee with {r.effect:+.2f} "
           f"({r.low:+.2f} to {r.high:+.2f})")
    joint = "" if p is None else f"; joint test p = {p:.3f}"
    if p is None or p >= 0.05:
        return (f"No clear link between employee engagement and customer NPS ({base}): {enps}; "
                f"{rec}{joint}.")
    up = sum(c.effect for c in coefs if c.significant) > 0
    more = "happier" if up else "less happy"
    return (f"Engaged employees go with {more} customers ({base}): {enps}; {rec}{joint}. An "
            "association, not proof of cause.")


def culture_link(engine: Engine, dims: Dims, scope: Scope, month: date,
                 history: History | None = None) -> CultureLink | NotAvailable:
    """eNPS and recognitions in month m vs customer NPS in m+1..m+3, within locations."""
    if scope.level == "location":
        return NotAvailable("culture_link", "One location's months are too few to separate a "
                            "link from noise; open its region.")
    h = history or load_history(engine, dims, scope, month, PREDICTOR_MONTHS + AHEAD, False)
    return culture_from(h, dims)
