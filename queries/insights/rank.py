"""Fair rank: each child shrunk toward the parent in proportion to its noise (Paule-Mandel
empirical Bayes), with a rank interval, so a small sample is neither top nor bottom by luck."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from sqlalchemy.engine import Engine

from queries.insights.children import NPS_MIN_N, PLURAL, child_nps, needs_children
from queries.insights.history import History, NotAvailable, load_history
from queries.insights.intervals import SEED
from queries.results import jsonable
from queries.scope import Dims, Scope
from queries.stats import nps_answer_variance, nps_of, nps_se


@dataclass(frozen=True)
class RankRow:
    key: str | None
    name: str
    n: float
    nps: float
    se: float  # the child's own trinomial standard error
    shrunk: float
    shrunk_se: float
    weight: float  # how much of the child's own value survives shrinkage (0..1)
    fair_rank: int
    raw_rank: int
    low_confidence: bool
    rank_low: int = 0  # 95% rank interval: the best rank the data allow
    rank_high: int = 0  # ... and the worst


@dataclass(frozen=True)
class FairRank:
    scope_name: str
    month: date
    child_level: str
    parent_nps: float
    parent_n: float
    tau: float  # between-child SD of true NPS, points (Paule-Mandel, precision-weighted)
    rows: tuple[RankRow, ...]
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "fair_rank", **jsonable(self)}


def paule_mandel_tau2(x: np.ndarray, v: np.ndarray, tol: float = 1e-10) -> float:
    """Paule-Mandel between-unit variance: the tau^2 >= 0 at which the precision-weighted
    Q = sum w_i (x_i - mu_w)^2, w_i = 1 / (v_i + tau^2), equals its expectation k - 1.

    Why not the plain variance of x minus the mean sampling variance: one unit with 1-4 answers
    has a huge v_i that swamps the mean and drives the moment estimate to 0 while the true spread
    is 8-10 points. Weighting by precision gives that unit almost no say.
    """
    x, v = np.asarray(x, float), np.asarray(v, float)
    k = x.size
    if k < 2:
        return float("nan")

    def excess(t2: float) -> float:
        w = 1.0 / (v + t2)
        mu = float((w * x).sum() / w.sum())
        return float((w * (x - mu) ** 2).sum()) - (k - 1)

    if excess(0.0) <= 0:
        return 0.0
    hi = max(float(np.var(x, ddof=1)), 1e-9)
    while excess(hi) > 0:  # Q falls as tau^2 grows: double until the root is bracketed
        hi *= 2
    return float(optimize.brentq(excess, 0.0, hi, xtol=tol * max(1.0, hi), rtol=1e-12))


def shrink(x: np.ndarray, n: np.ndarray, parent: tuple[float, float, float]) -> dict:
    """Normal-normal empirical Bayes: tau^2 by Paule-Mandel, each x pulled toward the parent."""
    pos, neg, total = parent
    p_value = float(nps_of(pos, neg, total))
    s2 = nps_answer_variance(pos, neg, total) / n  # sampling variance at the parent's shares
    tau2 = paule_mandel_tau2(x, s2) if x.size >= 2 else np.nan
    if np.isnan(tau2):  # one child: it is the parent, nothing to shrink toward
        w = np.ones_like(x)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(tau2 + s2 > 0, tau2 / (tau2 + s2), 0.0)
    shrunk = w * x + (1 - w) * p_value
    return {"parent": p_value, "tau2": tau2, "w": w, "shrunk": shrunk,
            "shrunk_se": np.sqrt(w * s2)}


RANK_DRAWS = 2000


def rank_intervals(shrunk: np.ndarray, shrunk_se: np.ndarray,
                   draws: int = RANK_DRAWS) -> tuple[np.ndarray, np.ndarray]:
    """95% rank interval of each unit (1 = best): ranks of draws of the true values from their
    posteriors N(shrunk, shrunk_se^2), seeded. A unit 'ranked 3rd' may truly be anywhere from
    lo to hi; a fair rank never claims more than that.

    Ties count as the whole tied range: units equal in a draw (to 1e-9) hold every rank from the
    best to the worst of their tie. When tau^2 is 0 every unit is shrunk to the parent with no
    spread, so all k tie in every draw and each interval is 1..k (not its place in the input)."""
    k = shrunk.size  # k = 0 needs no case of its own: empty ranks give empty intervals
    rng = np.random.default_rng(SEED)
    sims = shrunk[None, :] + rng.standard_normal((draws, k)) * np.nan_to_num(shrunk_se)[None, :]
    best, worst = tied_ranks(np.round(sims, 9))
    lo = np.quantile(best, 0.025, axis=0, method="inverted_cdf")
    hi = np.quantile(worst, 0.975, axis=0, method="inverted_cdf")
    return lo.astype(int), hi.astype(int)


def tied_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of (draws, k) values, each unit's best and worst rank (1 = highest value):
    1 + the number strictly higher, and the number at least as high."""
    s = np.sort(values, axis=1)
    k = values.shape[1]
    below = np.stack([np.searchsorted(row, v, "left") for row, v in zip(s, values, strict=True)])
    upto = np.stack([np.searchsorted(row, v, "right") for row, v in zip(s, values, strict=True)])
    return (k - upto + 1).reshape(values.shape), (k - below).reshape(values.shape)


def _ranks(values: np.ndarray) -> np.ndarray:
    """1 = best; equal values (to 1e-9) share the better rank."""
    return pd.Series(np.round(values, 9)).rank(ascending=False, method="min").to_numpy(int)


def fair_rank_from(h: History, dims: Dims, month: date | None = None) -> FairRank:
    month = month or h.month
    c = h.col(month)
    kids = child_nps(h, dims, c, c)
    x = kids.nps
    eb = shrink(x, kids.n, kids.parent)
    fair, raw = _ranks(eb["shrunk"]), _ranks(x)
    own_se = nps_se(kids.pos, kids.neg, kids.n)
    r_lo, r_hi = rank_intervals(eb["shrunk"], eb["shrunk_se"])
    rows = tuple(
        RankRow(kids.keys[i], kids.names[i], float(kids.n[i]), float(x[i]), float(own_se[i]),
                float(eb["shrunk"][i]), float(eb["shrunk_se"][i]), float(eb["w"][i]),
                int(fair[i]), int(raw[i]), bool(kids.n[i] < NPS_MIN_N), int(r_lo[i]),
                int(r_hi[i]))
        for i in np.argsort(fair, kind="stable")
    )
    tau = float(np.sqrt(eb["tau2"])) if not np.isnan(eb["tau2"]) else float("nan")
    level = h.scope.child_level or "location"
    return FairRank(dims.name(h.scope), month, level, eb["parent"], kids.parent[2], tau, rows,
                    _rank_sentence(rows, level, dims.name(h.scope), eb["parent"], tau, month))


def _rank_sentence(rows: tuple[RankRow, ...], level: str, scope_name: str, parent: float,
                   tau: float, month: date) -> str:
    plural = PLURAL.get(level, level + "s")
    if not rows:
        return f"No {plural} have NPS answers in {month:%B %Y}."
    if len(rows) == 1:
        return f"Only one of the {plural} has answers in {month:%B %Y}: nothing to rank."
    if tau == 0:
        return (f"In {month:%B %Y} the {plural} differ by no more than sampling noise: every one "
                f"is shrunk to the {scope_name} NPS of {parent:.0f}, so no fair ranking exists.")
    top = rows[0]
    moved = sum(r.fair_rank != r.raw_rank for r in rows)
    text = (f"Ranked fairly ({month:%B %Y}), {top.name} leads with {top.shrunk:.0f} "
            f"(raw {top.nps:.0f}, n = {top.n:,.0f}; its 95% rank interval is "
            f"{_rank_span(top)}) once small samples are pulled toward the "
            f"{scope_name} NPS of {parent:.0f}; {moved} of {len(rows)} {plural} change place.")
    sure = sum(r.rank_high - r.rank_low <= 2 for r in rows)
    text += (f" True {plural} differ by about {tau:.1f} points (SD); {sure} of {len(rows)} have "
             f"a rank pinned to within 3 places.")
    top_raw = [r for r in rows if r.raw_rank <= max(3, len(rows) // 3)]
    lucky = max(top_raw, key=lambda r: r.fair_rank - r.raw_rank)  # high raw rank, small sample
    if lucky.fair_rank - lucky.raw_rank >= 3:
        text += (f" {lucky.name} is {_ordinal(lucky.raw_rank)} on raw NPS but "
                 f"{_ordinal(lucky.fair_rank)} fairly (n = {lucky.n:,.0f}).")
    return text


def _rank_span(r: RankRow) -> str:
    return str(r.rank_low) if r.rank_low == r.rank_high else f"{r.rank_low}-{r.rank_high}"


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def fair_rank(engine: Engine, dims: Dims, scope: Scope, month: date,
              history: History | None = None) -> FairRank | NotAvailable:
    """Children of the scope ranked on NPS shrunk toward the scope's own value (empirical Bayes)."""
    missing = needs_children(scope, "fair_rank")
    if missing:
        return missing
    return fair_rank_from(history or load_history(engine, dims, scope, month, 1, False), dims,
                          month)


