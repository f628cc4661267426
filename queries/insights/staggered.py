"""Difference-in-differences for staggered adoption (Callaway and Sant'Anna style).

Owners arrive at different locations in different months. Pooling every location into one
before/after regression (two-way fixed effects) compares late adopters with early ones that are
already changing, and comparing with locations that never adopt compares with a group chosen
differently (on the demo, never-owner locations include a group whose NPS drifts down). So each
adopting location i gets its own small experiment: its NPS change from the months before its
event to the months after, minus the change, over the same calendar months, of the comparison
locations that have *not yet* adopted by the end of i's window (optionally also those that never
do). These group-time effects are averaged, weighted by the answers behind each location's change.

The interval comes from a bootstrap over the units at which treatment is assigned: locations when
owners arrive location by location, regions when a roll-out is region-wide (then the locations of
a region share their shocks and are one draw). It is the estimate +- t(G - 1) bootstrap SDs, G the
number of clusters, so that few clusters give a wider interval, not an overconfident one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from queries.insights.history import History
from queries.insights.intervals import SEED, resample_counts
from queries.stats import nps_of

MIN_CLUSTERS = 4  # fewer treated (or comparison) clusters than this: no estimate, say so
MIN_TREATED = 10  # ... or fewer adopting locations than this
REGION_WIDE = 0.9  # region-wide roll-outs: this share of adopters adopt in their region's month


@dataclass(frozen=True)
class Events:
    """Event column per location (-1: none) and the never-treated locations that may compare.

    `not_yet`: locations adopting later serve as comparisons until their own event;
    `fallback`: never-treated locations that join them when they are too few."""

    column: np.ndarray
    control: np.ndarray
    not_yet: bool = False
    fallback: np.ndarray | None = None


@dataclass(frozen=True)
class Estimate:
    effect: float
    low: float | None
    high: float | None
    se: float | None
    n_treated: int
    n_control: int
    n_clusters: int
    cells: tuple[float, float, float, float]  # pooled NPS: treated before/after, control b/a
    controls: str = ""  # who compared, in words


def prefix_sums(a: np.ndarray) -> np.ndarray:
    """Running sums along the months with a leading 0: a window's sum is two look-ups."""
    return np.concatenate([np.zeros((a.shape[0], 1)), a.cumsum(axis=1)], axis=1)


def clusters(h: History, ev: Events) -> tuple[np.ndarray, str]:
    """Cluster id per location, and the level treatment is assigned at ("region"/"location").

    A roll-out is region-wide when, in every region with adopters, at least 90% of them adopt in
    the region's most common month (and there are at least 2): then regions are the clusters."""
    regions = np.array([r or "" for r in h.regions], dtype=object)
    treated = ev.column >= 0
    names = sorted(set(regions[treated]))
    shared = [np.bincount(ev.column[treated & (regions == r)]).max() for r in names]
    wide = bool(names) and treated.sum() >= 2 and sum(shared) >= REGION_WIDE * treated.sum()
    if wide:
        _, ids = np.unique(regions.astype(str), return_inverse=True)
        return ids, "region"
    return np.arange(len(h.locations)), "location"


def eligible(ev: Events, ends: np.ndarray) -> np.ndarray:
    """(locations, treated) comparison mask: never treated (when allowed), or not yet treated
    by the end of each treated location's window."""
    col = ev.column[:, None]
    later = (col > ends[None, :]) if ev.not_yet else np.zeros((col.size, ends.size), bool)
    return later | ev.control[:, None]


def _own(parts: list[np.ndarray], rows: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(3, len(rows)) sums of each row over its own [a, b] window."""
    return np.stack([c[rows, b + 1] - c[rows, a] for c in parts])


def _all(parts: list[np.ndarray], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(3, locations, len(a)) sums of every location over each [a, b] window."""
    return np.stack([c[:, b + 1] - c[:, a] for c in parts])


def _weight(pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """Precision of a location's own NPS change: 1 / (1/n_before + 1/n_after), 0 if either is 0."""
    with np.errstate(divide="ignore"):
        return np.where((pre[2] > 0) & (post[2] > 0), 1 / (1 / pre[2] + 1 / post[2]), 0.0)


def did(h: History, ev: Events, window: tuple[int, int, int, int], draws: int,
        cl: np.ndarray) -> Estimate | None:
    """Averaged group-time DiD of NPS; `window` = (before first, last, after first, last) in
    months since the event. None when there is nothing to compare. Not-yet-treated comparisons
    first; the never-treated (`ev.fallback`) join when those span too few clusters."""
    est = _did(h, ev, window, draws, cl)
    if ev.fallback is None or (est is not None and est.low is not None):
        return est
    wider = replace(ev, control=ev.control | ev.fallback, fallback=None)
    again = _did(h, wider, window, draws, cl)
    return est if again is None else again


def _words(ev: Events) -> str:
    if ev.not_yet:
        return "not yet or never treated" if ev.control.any() else "not yet treated"
    return "never treated"


def _did(h: History, ev: Events, window: tuple[int, int, int, int], draws: int,
         cl: np.ndarray) -> Estimate | None:
    b0, b1, a0, a1 = window
    parts = [prefix_sums(a) for a in h.nps_parts()]
    col, last = ev.column, len(h.months) - 1
    treated = np.flatnonzero((col >= 0) & (col + b0 >= 0) & (col + a1 <= last))
    e = col[treated]
    ok = eligible(ev, e + max(a1, b1))
    t_pre, t_post = _own(parts, treated, e + b0, e + b1), _own(parts, treated, e + a0, e + a1)
    c_pre, c_post = _all(parts, e + b0, e + b1) * ok, _all(parts, e + a0, e + a1) * ok
    d_t = nps_of(*t_post) - nps_of(*t_pre)
    w = _weight(t_pre, t_post)

    def effect(loc_w: np.ndarray) -> np.ndarray:  # (draws, locations) weights -> (draws,)
        pre = [loc_w @ c_pre[k] for k in range(3)]
        post = [loc_w @ c_post[k] for k in range(3)]
        d = d_t[None, :] - (nps_of(*post) - nps_of(*pre))
        wt = loc_w[:, treated] * w[None, :] * np.isfinite(d)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nansum(wt * np.nan_to_num(d), axis=1) / wt.sum(axis=1)

    used = (w > 0) & (c_pre[2].sum(axis=0) > 0) & (c_post[2].sum(axis=0) > 0)
    if not used.any():
        return None
    point = float(effect(np.ones((1, col.size)))[0])
    controls = np.flatnonzero(ok[:, used].any(axis=1))
    k_t, k_c = np.unique(cl[treated[used]]).size, np.unique(cl[controls]).size
    g = np.unique(np.concatenate([cl[treated[used]], cl[controls]])).size
    cells = (nps_of(*t_pre.sum(axis=1)), nps_of(*t_post.sum(axis=1)),
             nps_of(*c_pre.sum(axis=(1, 2))), nps_of(*c_post.sum(axis=(1, 2))))
    base = Estimate(point, None, None, None, int(used.sum()), int(controls.size), g,
                    tuple(float(x) for x in cells), _words(ev))
    if min(k_t, k_c) < MIN_CLUSTERS or used.sum() < MIN_TREATED:
        return base
    ids, inv = np.unique(cl, return_inverse=True)
    boot = effect(resample_counts(np.random.default_rng(SEED), ids.size, draws)[:, inv])
    boot = boot[np.isfinite(boot)]
    if boot.size < 20:
        return base
    se = float(boot.std(ddof=1))
    half = float(stats.t.ppf(0.975, g - 1)) * se
    return replace(base, low=point - half, high=point + half, se=se)
