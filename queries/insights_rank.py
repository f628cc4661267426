"""Honest comparisons of a scope's children: fair rank, funnel limits, and who really improved.

A raw league table rewards small samples (a dealership with 8 answers is often top or bottom by
luck). Fair rank shrinks each child toward the parent in proportion to its noise; the funnel
shows which children lie outside what chance allows; most-improved only calls a change a change
when a two-sample z-test says so after Benjamini-Hochberg control of false discoveries over every
child compared, and the change is at least one NPS point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from queries.insights_common import (
    SEED,
    Z998,
    History,
    NotAvailable,
    change_z,
    jsonable,
    load_history,
    location_names,
    nps_of,
    nps_variance_unit,
    opt,
    signed,
)
from queries.registry import BY_NAME
from queries.scope import Dims, Scope
from queries.stats import Z95, benjamini_hochberg, material, normal_two_sided_p, nps_se

NPS = BY_NAME["nps"]
NPS_MIN_N = NPS.min_n
PLURAL = {"region": "regions", "location": "locations"}


@dataclass(frozen=True)
class ChildNps:
    """Summed NPS parts per child over some months (children with no answers left out)."""

    keys: tuple[str | None, ...]
    names: tuple[str, ...]
    pos: np.ndarray
    neg: np.ndarray
    n: np.ndarray

    @property
    def nps(self) -> np.ndarray:
        return nps_of(self.pos, self.neg, self.n)

    @property
    def parent(self) -> tuple[float, float, float]:
        return float(self.pos.sum()), float(self.neg.sum()), float(self.n.sum())


def child_nps(h: History, dims: Dims, first: int, last: int, keep_empty: bool = False) -> ChildNps:
    """NPS parts of each child of the scope over month columns first..last (inclusive)."""
    covered = 0 <= first <= last < len(h.months)  # a window outside the history has no data
    parts = [a[:, first:last + 1].sum(axis=1) if covered else np.zeros(len(h.locations))
             for a in h.nps_parts()]
    child = h.regions if h.scope.level == "company" else h.locations
    df = pd.DataFrame({"key": list(child), "pos": parts[0], "neg": parts[1], "n": parts[2]})
    df = df.groupby("key", dropna=False, sort=True, as_index=False).sum()
    if not keep_empty:
        df = df[df.n > 0]
    keys = tuple(None if pd.isna(k) else str(k) for k in df.key)
    if h.scope.level == "company":
        names = tuple(dims.child_name(h.scope, k) for k in keys)
    else:
        lookup = location_names(dims)
        names = tuple(lookup.get(str(k), str(k)) for k in keys)
    return ChildNps(keys, names, df.pos.to_numpy(float), df.neg.to_numpy(float),
                    df.n.to_numpy(float))


def _needs_children(scope: Scope, analysis: str) -> NotAvailable | None:
    if scope.child_level is None:
        return NotAvailable(analysis, "A single location has no children to compare; "
                            "open its region to see where it stands.")
    return None


# --- 1. fair rank -------------------------------------------------------------------------


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
    lo, hi = 0.0, max(float(np.var(x, ddof=1)), 1e-9)
    while excess(hi) > 0:
        hi *= 2
    while hi - lo > tol * max(1.0, hi):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
    return (lo + hi) / 2


def shrink(x: np.ndarray, n: np.ndarray, parent: tuple[float, float, float]) -> dict:
    """Normal-normal empirical Bayes: tau^2 by Paule-Mandel, each x pulled toward the parent."""
    pos, neg, total = parent
    p_value = float(nps_of(pos, neg, total))
    s2 = nps_variance_unit(pos, neg, total) / n  # sampling variance at the parent's shares
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
    lo to hi; a fair rank never claims more than that."""
    k = shrunk.size  # k = 0 needs no case of its own: empty ranks give empty intervals
    rng = np.random.default_rng(SEED)
    sims = shrunk[None, :] + rng.standard_normal((draws, k)) * np.nan_to_num(shrunk_se)[None, :]
    ranks = (-sims).argsort(axis=1).argsort(axis=1) + 1
    lo, hi = np.quantile(ranks, [0.025, 0.975], axis=0, method="inverted_cdf")
    return lo.astype(int), hi.astype(int)


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
    missing = _needs_children(scope, "fair_rank")
    if missing:
        return missing
    return fair_rank_from(history or load_history(engine, dims, scope, month, 1, False), dims,
                          month)


# --- 2. funnel plot -----------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelPoint:
    key: str | None
    name: str
    n: float
    nps: float
    z: float  # distance from the parent in standard errors at the parent's shares
    outside_95: bool
    outlier: bool  # outside the 99.8% limits


@dataclass(frozen=True)
class FunnelLimit:
    n: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float


@dataclass(frozen=True)
class Funnel:
    scope_name: str
    month: date
    child_level: str
    parent_nps: float
    points: tuple[FunnelPoint, ...]
    limits: tuple[FunnelLimit, ...]
    sentence: str

    @property
    def outliers(self) -> tuple[FunnelPoint, ...]:
        return tuple(p for p in self.points if p.outlier)

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "funnel", **jsonable(self)}


def funnel_limits(parent: tuple[float, float, float], grid: np.ndarray) -> tuple[FunnelLimit, ...]:
    """Parent NPS +- z * SE(n) at the parent's promoter/detractor shares, clipped to +-100."""
    p_value = float(nps_of(*parent))
    se = np.sqrt(nps_variance_unit(*parent) / grid)
    out = []
    for n, s in zip(grid, se, strict=True):
        lo95, hi95 = (np.clip(p_value + k * Z95 * s, -100, 100) for k in (-1, 1))
        lo998, hi998 = (np.clip(p_value + k * Z998 * s, -100, 100) for k in (-1, 1))
        out.append(FunnelLimit(float(n), float(lo95), float(hi95), float(lo998), float(hi998)))
    return tuple(out)


def n_grid(n: np.ndarray, points: int = 40) -> np.ndarray:
    if n.size == 0:
        return np.array([])
    lo, hi = max(1.0, float(n.min()) * 0.5), max(float(n.max()) * 1.5, 2.0)
    return np.unique(np.round(np.geomspace(lo, hi, points), 1))


def funnel_from(h: History, dims: Dims, month: date | None = None) -> Funnel:
    month = month or h.month
    c = h.col(month)
    kids = child_nps(h, dims, c, c)
    p_value = float(nps_of(*kids.parent))
    z = (kids.nps - p_value) / np.sqrt(nps_variance_unit(*kids.parent) / kids.n)
    z = np.where(np.isfinite(z), z, 0.0)  # a parent with no spread: nobody is an outlier
    points = tuple(
        FunnelPoint(kids.keys[i], kids.names[i], float(kids.n[i]), float(kids.nps[i]),
                    float(z[i]), bool(abs(z[i]) > Z95), bool(abs(z[i]) > Z998))
        for i in np.argsort(-z, kind="stable")
    )
    level = h.scope.child_level or "location"
    limits = funnel_limits(kids.parent, n_grid(kids.n))
    return Funnel(dims.name(h.scope), month, level, p_value, points, limits,
                  _funnel_sentence(points, level, dims.name(h.scope), p_value))


def _funnel_sentence(points: tuple[FunnelPoint, ...], level: str, scope_name: str,
                     parent: float) -> str:
    plural = PLURAL.get(level, level + "s")
    if not points:
        return f"No {plural} have NPS answers this month."
    out = [p for p in points if p.outlier]
    n95 = sum(p.outside_95 for p in points)
    chance = 0.05 * len(points)
    head = (f"{len(out)} of {len(points)} {plural} lie outside the 99.8% limits around the "
            f"{scope_name} NPS of {parent:.0f}")
    if out:
        names = "; ".join(f"{p.name} {'above' if p.z > 0 else 'below'} ({p.nps:.0f}, "
                          f"n = {p.n:,.0f})" for p in out[:5])
        head += f": {names}"
    return (f"{head}. {n95} lie outside the 95% limits, where chance alone would put about "
            f"{chance:.1f}.")


def funnel(engine: Engine, dims: Dims, scope: Scope, month: date,
           history: History | None = None) -> Funnel | NotAvailable:
    """NPS vs sample size of the children, with 95% and 99.8% control limits around the parent."""
    missing = _needs_children(scope, "funnel")
    if missing:
        return missing
    return funnel_from(history or load_history(engine, dims, scope, month, 1, False), dims, month)


# --- 3. most improved ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    key: str | None
    name: str
    nps: float
    n: float
    before: float
    n_before: float
    change: float
    z: float
    direction: str  # rise, fall, steady (within the noise) or n/a
    small_sample_warning: bool  # either n below the NPS minimum: beware regression to the mean
    q: float | None = None  # Benjamini-Hochberg adjusted p over every child in the comparison


@dataclass(frozen=True)
class Changes:
    label: str
    window: int  # months pooled on each side
    lag: int  # months between the two windows' ends
    rows: tuple[ChangeRow, ...]  # biggest rise first
    sentence: str

    @property
    def improved(self) -> tuple[ChangeRow, ...]:
        return tuple(r for r in self.rows if r.direction == "rise")

    @property
    def declined(self) -> tuple[ChangeRow, ...]:
        return tuple(r for r in self.rows if r.direction == "fall")

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "nps_changes", **jsonable(self)}


def changes_from(h: History, dims: Dims, lag: int, window: int = 1,
                 label: str | None = None) -> Changes:
    c = h.col(h.month)
    now = child_nps(h, dims, c - window + 1, c, keep_empty=True)
    then = child_nps(h, dims, c - lag - window + 1, c - lag, keep_empty=True)
    v1, v0 = now.nps, then.nps
    z = change_z((now.pos, now.neg, now.n), (then.pos, then.neg, then.n))
    keep = [i for i in range(len(now.keys)) if now.n[i] > 0 or then.n[i] > 0]
    # Every child compared is one test: false discoveries controlled over all of them (BH).
    p = np.array([normal_two_sided_p(float(z[i])) for i in keep])
    reject, q = benjamini_hochberg(p)
    rows = []
    for j, i in enumerate(keep):
        delta = float(v1[i] - v0[i])
        if np.isnan(z[i]):
            d = "n/a"
        elif reject[j] and material(delta, NPS.decimals, NPS.min_change):
            d = "rise" if delta > 0 else "fall"
        else:
            d = "steady"
        rows.append(ChangeRow(now.keys[i], now.names[i], float(v1[i]), float(now.n[i]),
                              float(v0[i]), float(then.n[i]), delta, float(z[i]),
                              d, bool(min(now.n[i], then.n[i]) < NPS_MIN_N), opt(q[j])))
    rows.sort(key=lambda r: -r.change if np.isfinite(r.change) else np.inf)
    label = label or f"vs {lag} month{'s' if lag > 1 else ''} earlier"
    return Changes(label, window, lag, tuple(rows), _change_sentence(rows, label))


def _change_sentence(rows: list[ChangeRow], label: str) -> str:
    rises = [r for r in rows if r.direction == "rise"]
    falls = [r for r in rows if r.direction == "fall"]
    noise = sum(r.direction == "steady" and r.change > 0 for r in rows)
    if not any(r.direction != "n/a" for r in rows):
        return f"No NPS answers on both sides to compare {label}."
    if not rises:
        text = (f"NPS {label}: no rise beyond the noise (Benjamini-Hochberg, 5% false "
                f"discoveries over {len(rows)} comparisons).")
    else:
        top = rises[0]
        warn = " (small sample: may fall back)" if top.small_sample_warning else ""
        text = (f"Most improved NPS {label}: {top.name}, {signed(top.change, 0)} points to "
                f"{top.nps:.0f} (n = {top.n:,.0f}){warn}; {len(rises)} rise"
                f"{'s' if len(rises) != 1 else ''} beyond the noise in all (Benjamini-Hochberg, "
                f"5% false discoveries over {len(rows)} comparisons).")
    return text + f" {len(falls)} fall{'s' if len(falls) != 1 else ''} beyond the noise; " \
                  f"{noise} other increase{'s' if noise != 1 else ''} within the noise."


@dataclass(frozen=True)
class MostImproved:
    vs_previous: Changes
    vs_3_months: Changes
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "most_improved", "sentence": self.sentence,
                "vs_previous": self.vs_previous.as_dict(),
                "vs_3_months": self.vs_3_months.as_dict()}


def most_improved_from(h: History, dims: Dims) -> MostImproved:
    prev = changes_from(h, dims, 1, 1, "vs the previous month")
    three = changes_from(h, dims, 3, 1, "vs 3 months earlier")
    return MostImproved(prev, three, f"{prev.sentence} {three.sentence}")


def nps_changes(engine: Engine, dims: Dims, scope: Scope, month: date, lag: int,
                window: int = 1, history: History | None = None) -> Changes | NotAvailable:
    """Children's NPS over the last `window` months vs the `window` months `lag` months earlier."""
    missing = _needs_children(scope, "nps_changes")
    if missing:
        return missing
    h = history or load_history(engine, dims, scope, month, lag + window, False)
    return changes_from(h, dims, lag, window)


def most_improved(engine: Engine, dims: Dims, scope: Scope, month: date,
                  history: History | None = None) -> MostImproved | NotAvailable:
    """Most improved children vs last month and vs 3 months earlier, significance-aware."""
    missing = _needs_children(scope, "most_improved")
    if missing:
        return missing
    return most_improved_from(history or load_history(engine, dims, scope, month, 4, False), dims)
