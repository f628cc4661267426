"""Simulated histories with known truth for the insight analyses (issue 32).

Each function builds a `History` (the location x month components the analyses read) straight
from numpy draws, without a warehouse, so that thousands of replications are cheap and every
analysis can be scored against the truth it was given: the interval's coverage, how often it calls
an effect when there is none (false alarms) and how often it finds a planted one (power).

The world is the demo's (sample_data/generate.py) in miniature: 7 regions, ~370 locations, 48
months, location levels (SD 7 NPS points), a region that improves and one that declines, season,
AR(1) month-to-month noise (0.6, SD 2) and, like the demo, a group of never-owner locations whose
NPS drifts down 0.3 points a month (the "pay regardless" group). The tests and the script that
writes docs/insights.md's figures (`benchmarks/insights_doc.py`) both read these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from queries.insights.history import History
from queries.months import add_months
from queries.scope import Scope

MONTH = date(2026, 10, 1)
N_MONTHS = 48
MONTHS = tuple(add_months(MONTH, k - N_MONTHS + 1) for k in range(N_MONTHS))
REGION_SIZES = (60, 65, 55, 40, 55, 35, 60)
SEASON = np.array([-3.0, -1.0, 0.0, 1.0, 1.5, 1.5, 1.0, 0.5, 0.0, 0.0, -1.0, -4.0])
PASSIVE = 0.30  # share of passives: promoters and detractors split the rest by the true NPS
OWNER_EFFECT = 10.0  # ramped over six months, as in the demo
RAMP = 6
REGION_SHOCK_SD = 1.5  # region-month shocks shared by a region's locations (region roll-outs)


def owner_truth(effect: float = OWNER_EFFECT, months: int = 6) -> float:
    """The true average effect over months +1..+months of an effect ramped over RAMP months."""
    return float(np.mean([effect * min(k / RAMP, 1.0) for k in range(1, months + 1)]))


@dataclass(frozen=True)
class World:
    """Who is where and when an owner arrives (-1: never), before any survey is drawn."""

    region: np.ndarray  # region index per location
    start: np.ndarray  # month an owner arrives, -1 never
    drifting: np.ndarray  # never-owner locations whose NPS drifts down
    size: np.ndarray  # mean answers a month


def staggered_world(rng: np.random.Generator, rollout: str = "location") -> World:
    """Owners arrive location by location (40%, months 8-40; 15% of the rest drift down), or
    region by region (`rollout="region"`: six regions, each at its own month; one never)."""
    region = rng.permutation(np.repeat(np.arange(len(REGION_SIZES)), REGION_SIZES))
    n = region.size
    size = np.exp(rng.normal(np.log(50.0) - 0.15, 0.55, n))
    if rollout == "region":
        months = rng.choice(np.arange(8, 41), len(REGION_SIZES), replace=False)
        months[rng.integers(len(REGION_SIZES))] = -1
        start = months[region]
    else:
        start = np.where(rng.random(n) < 0.40, rng.integers(8, 41, n), -1)
    never = np.flatnonzero(start < 0)
    drifting = np.zeros(n, bool)
    drifting[rng.choice(never, round(0.25 * never.size), replace=False)] = True
    return World(region, start, drifting, size)


def true_nps(rng: np.random.Generator, w: World, effect: float,
             region_shock_sd: float = 0.0) -> np.ndarray:
    """(locations, months) true NPS: levels, region trends, season, owner ramp, drift, noise."""
    n, m = w.region.size, np.arange(N_MONTHS)
    k = len(REGION_SIZES)
    slope = np.zeros(k)
    slope[rng.choice(k, 2, replace=False)] = (0.4, -0.3)
    trend = rng.normal(0.0, 3.0, k)[w.region][:, None] + slope[w.region][:, None] * (m - 23.5)
    season = SEASON[np.array([d.month - 1 for d in MONTHS])]
    since = m[None, :] - w.start[:, None]
    ramp = np.where((w.start[:, None] >= 0) & (since >= 0), np.clip(since / RAMP, 0, 1), 0.0)
    drift = np.where(w.drifting[:, None], 3.0 - 0.3 * m[None, :], 0.0)
    noise = np.zeros((n, N_MONTHS))
    shocks = rng.normal(0.0, 2.0, (n, N_MONTHS))
    noise[:, 0] = shocks[:, 0] / np.sqrt(1 - 0.36)
    for j in range(1, N_MONTHS):
        noise[:, j] = 0.6 * noise[:, j - 1] + shocks[:, j]
    region_shock = rng.normal(0.0, region_shock_sd, (k, N_MONTHS))[w.region]
    out = (44.0 + rng.normal(0.0, 7.0, n)[:, None] + trend + season[None, :] + effect * ramp
           + drift + noise + region_shock)
    return np.clip(out, -60.0, 90.0)


def survey(rng: np.random.Generator, nps: np.ndarray, size: np.ndarray
           ) -> dict[str, np.ndarray]:
    """Promoters, detractors and answers per location-month (trinomial at the true NPS)."""
    n = rng.poisson(size[:, None] * np.ones((1, nps.shape[1])))
    p = np.clip((1 - PASSIVE + nps / 100) / 2, 0.0, 1 - PASSIVE)
    d = np.clip(1 - PASSIVE - p, 0.0, 1.0)
    pos = rng.binomial(n, p)
    neg = rng.binomial(n - pos, np.clip(d / (1 - p), 0.0, 1.0))
    return {"nps__pos": pos, "nps__neg": neg, "nps__n": n, "responses__n": n}


def history(columns: dict[str, np.ndarray], region: np.ndarray, scope: Scope | None = None
            ) -> History:
    """A History over MONTHS from (locations, months) arrays of components."""
    n = region.size
    keys = [f"L{i:04d}" for i in range(n)]
    data = {"key": np.repeat(keys, N_MONTHS), "month": np.tile(np.array(MONTHS, object), n)}
    data |= {k: np.asarray(v, float).ravel() for k, v in columns.items()}
    return History(scope or Scope(), MONTH, MONTHS, tuple(keys),
                   tuple(f"R{r}" for r in region), pd.DataFrame(data))


def owner_history(seed: int, effect: float = OWNER_EFFECT, rollout: str = "location",
                  region_shock_sd: float = 0.0, scale: float = 1.0) -> History:
    """One simulated company for the executive-owner analysis."""
    rng = np.random.default_rng(seed)
    w = staggered_world(rng, rollout)
    cols = survey(rng, true_nps(rng, w, effect, region_shock_sd), scale * w.size)
    owner = (w.start[:, None] >= 0) & (np.arange(N_MONTHS)[None, :] >= w.start[:, None])
    cols |= {"exec_owner_share__num": owner.astype(float),
             "exec_owner_share__den": np.ones(owner.shape)}
    return history(cols, w.region)


def owner_run(seed: int, effect: float, rollout: str = "location", shock: float = 0.0,
              draws: int = 400) -> tuple[float, float, float] | None:
    """(estimate, low, high) of the six-month owner effect on one simulated company."""
    from queries.insights.leadership import did_estimate, owner_events

    h = owner_history(seed, effect, rollout, shock)
    e = did_estimate(h, owner_events(h), 6, draws)
    return None if e.effect is None or e.low is None else (e.effect, e.low, e.high)


@dataclass(frozen=True)
class Score:
    """How an interval did over replications: coverage of the truth, calls, their direction."""

    runs: int
    covered: int
    positive: int  # interval above 0
    negative: int  # interval below 0
    estimates: tuple[float, ...]

    @property
    def estimated(self) -> int:
        """Replications with an interval (the rest said "too few to estimate")."""
        return len(self.estimates)

    @property
    def coverage(self) -> float:
        """Share of the intervals given that cover the truth."""
        return self.covered / self.estimated if self.estimated else float("nan")

    @property
    def called_rise(self) -> float:
        return self.positive / self.runs

    @property
    def mean(self) -> float:
        return float(np.mean(self.estimates))


def score(intervals: list[tuple[float, float, float] | None], truth: float) -> Score:
    """(estimate, low, high) per replication (None: no estimate, counted as no call and no
    coverage) against the truth."""
    ok = [x for x in intervals if x is not None]
    return Score(len(intervals), sum(lo <= truth <= hi for _, lo, hi in ok),
                 sum(lo > 0 for _, lo, _ in ok), sum(hi < 0 for _, _, hi in ok),
                 tuple(e for e, _, _ in ok))


def replicate(run: Callable[[int], tuple[float, float, float] | None], seeds: range,
              truth: float) -> Score:
    return score([run(s) for s in seeds], truth)


def rank_coverage(seed: int, k: int = 20, tau: float = 1.0, n: float = 50.0,
                  ties_broken: bool = False) -> tuple[int, int, bool]:
    """Fair-rank intervals of k units whose true NPS spread (SD `tau`) is small against their
    noise, as in a region where Paule-Mandel often finds tau^2 = 0: (true ranks covered, k,
    whether tau^2 was estimated as 0). `ties_broken` ranks ties by input order (the old rule)."""
    from queries.insights.rank import shrink

    rng = np.random.default_rng(seed)
    truth = 44.0 + rng.normal(0.0, tau, k)
    p = (1 - PASSIVE + truth / 100) / 2
    counts = np.array([rng.multinomial(int(n), [pi, PASSIVE, 1 - PASSIVE - pi]) for pi in p])
    pos, neg = counts[:, 0].astype(float), counts[:, 2].astype(float)
    x = 100 * (pos - neg) / n
    eb = shrink(x, np.full(k, n), (pos.sum(), neg.sum(), n * k))
    lo, hi = _old_rank_intervals(eb) if ties_broken else _rank_intervals(eb)
    true_rank = (-truth).argsort().argsort() + 1
    return int(((lo <= true_rank) & (true_rank <= hi)).sum()), k, bool(eb["tau2"] == 0)


def _rank_intervals(eb: dict) -> tuple[np.ndarray, np.ndarray]:
    from queries.insights.rank import rank_intervals

    return rank_intervals(eb["shrunk"], eb["shrunk_se"])


def _old_rank_intervals(eb: dict) -> tuple[np.ndarray, np.ndarray]:
    """The rule before issue 32: ties broken by position in the input."""
    from queries.insights.intervals import SEED

    rng = np.random.default_rng(SEED)
    sh, se = eb["shrunk"], np.nan_to_num(eb["shrunk_se"])
    sims = sh[None, :] + rng.standard_normal((2000, sh.size)) * se[None, :]
    ranks = (-sims).argsort(axis=1).argsort(axis=1) + 1
    lo, hi = np.quantile(ranks, [0.025, 0.975], axis=0, method="inverted_cdf")
    return lo.astype(int), hi.astype(int)


CULTURE_EFFECT = 1.0  # NPS points next month per 10 points of true eNPS this month (power)


def culture_history(seed: int, effect: float = 0.0, locations: int = 370) -> History:
    """Employees' true eNPS (location level, AR(1) months) and, when `effect` is not 0, customer
    NPS next month rising `effect` points per 10 eNPS points; recognitions unrelated to NPS.
    Pulse surveys of ~40 employees and ~50 customer answers a month, as in the demo."""
    rng = np.random.default_rng(seed)
    region = np.arange(locations) % len(REGION_SIZES)
    m = N_MONTHS
    level = rng.normal(15.0, 9.0, locations)[:, None]
    ar = np.zeros((locations, m))
    shocks = rng.normal(0.0, 6.0, (locations, m))
    ar[:, 0] = shocks[:, 0] / 0.8
    for j in range(1, m):
        ar[:, j] = 0.6 * ar[:, j - 1] + shocks[:, j]
    enps = level + ar
    lagged = np.concatenate([np.zeros((locations, 1)), ar[:, :-1]], axis=1)
    w = World(region, np.full(locations, -1), np.zeros(locations, bool),
              np.exp(rng.normal(np.log(50.0) - 0.15, 0.55, locations)))
    nps = true_nps(rng, w, 0.0) + effect / 10.0 * lagged
    cols = survey(rng, nps, w.size)
    pulse = rng.binomial(np.full((locations, m), 60), rng.uniform(0.5, 0.8, (locations, 1)))
    p = np.clip((0.70 + enps / 100.0) / 2.0, 0.05, 0.68)
    e_pos = rng.binomial(pulse, p)
    e_neg = rng.binomial(pulse - e_pos, np.clip((0.70 - p) / (1 - p), 0.0, 1.0))
    employees = np.full((locations, m), 60.0)
    recognitions = rng.poisson(employees * rng.uniform(0.15, 0.7, (locations, 1)))
    cols |= {"enps__pos": e_pos, "enps__neg": e_neg, "enps__n": pulse,
             "recognitions_per_employee__num": recognitions,
             "recognitions_per_employee__den": employees}
    return history(cols, region)


def culture_run(seed: int, effect: float = 0.0) -> dict:
    """(estimate, low, high) of each culture coefficient on one simulated company, and whether
    the finding holds (the joint test)."""
    from queries.insights.culture import culture_from

    link = culture_from(culture_history(seed, effect), _Dims())
    return {c.name: None if c.low is None else (c.effect, c.low, c.high)
            for c in link.coefficients} | {"holds": link.holds}


class _Dims:
    """The one thing the analyses ask of the dimensions here: a scope's name."""

    def name(self, scope: Scope) -> str:
        return "Simulated company"


def demo_gaming_history(scale: float, seed: int = 2026, null: bool = False) -> tuple[History, dict]:
    """The demo generator's own counts (no warehouse) as a History for the gaming detector, and
    the planted gaming. `null`: every answer redrawn at one constant true NPS (no gaming, no
    rising score), volumes as in the demo."""
    from sample_data.generate import BASE_NPS, generate, score_probabilities

    demo = generate(scale, seed)
    hist = demo._hist
    if null:
        rng = np.random.default_rng(seed + 1)
        probs = score_probabilities(np.array([BASE_NPS]))[0]
        hist = rng.multinomial(hist.sum(axis=2), probs)
    loy = demo.monthly["loyalty_monthly"]
    shape = hist.shape[:2]
    cols = {"nps__pos": hist[:, :, 9:].sum(axis=2), "nps__neg": hist[:, :, :7].sum(axis=2),
            "nps__n": hist.sum(axis=2), "nps__tens": hist[:, :, 10],
            "responses__n": hist.sum(axis=2),
            "retention_rate__den": loy["customers_start"].to_numpy(float).reshape(shape),
            "referral_rate__den": loy["new_customers"].to_numpy(float).reshape(shape)}
    region = demo.dims["locations"]["region_id"].to_numpy(dtype=object)
    h = history(cols, np.unique(region, return_inverse=True)[1])
    keys = list(demo.dims["locations"]["location_id"])
    rename = dict(zip(h.locations, keys, strict=True))
    comps = h.comps.assign(key=h.comps["key"].map(rename))
    tens = pd.DataFrame({"key": comps["key"], "month": comps["month"],
                         "tens": comps["nps__tens"], "valid": comps["nps__n"]})
    out = History(h.scope, h.month, h.months, tuple(keys), h.regions, comps, tens)
    return out, ({} if null else demo.truth["gamed"])


def gaming_run(scale: float, null: bool = False) -> tuple[tuple, dict, int]:
    """The gaming flags on the demo's counts at `scale`: (flags, planted, locations)."""
    from queries.insights.gaming_flags import gaming_from

    h, gamed = demo_gaming_history(scale, null=null)

    class _Names(_Dims):
        def location_name(self, key: str) -> str:
            return key

    return gaming_from(h, _Names()).flags, gamed, len(h.locations)
