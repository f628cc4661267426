"""Each location's percentile within the whole network on NPS, with the interval of that
percentile (docs/value.md).

The percentile is the textbook percentile rank: 100 x (locations below + half of those equal,
itself included) / locations. Its interval is the rank's own uncertainty (the approach of
league tables of hospitals and schools): every location's true NPS is unknown within its
sampling error, so each draw gives every location an NPS from its sampling distribution (normal,
centred on its value, with the adjusted-Wald standard error, never zero at a small n), ranks all
of them, and the 2.5th and 97.5th percentiles of a location's ranks over the draws are its 95%
interval. A location with 50 answers (NPS +/- 19) in a network whose locations differ by a
few points has a percentile interval spanning most of the range: the honest answer.

One grouped statement: NPS per location over the window (the company map's own statement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from queries.insights.intervals import SEED
from queries.results import jsonable
from queries.scope import Dims, Scope
from queries.sql import aggregate
from queries.windows import Window

DRAWS = 2000


@dataclass(frozen=True)
class Percentile:
    location: str
    name: str
    region: str | None
    nps: float
    n: float
    percentile: float  # 0-100, higher is better
    low: float
    high: float
    of: int  # locations ranked in the network

    def as_dict(self) -> dict[str, Any]:
        return jsonable(self, 1)


def adjusted_se(pos: np.ndarray, neg: np.ndarray, n: np.ndarray) -> np.ndarray:
    """NPS standard error from the adjusted shares (add 3 answers, 3/4 to each side)."""
    n2 = n + 3
    p, d = (pos + 0.75) / n2, (neg + 0.75) / n2
    return 100 * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0) / n2)


def point_ranks(values: np.ndarray) -> np.ndarray:
    """Percentile rank of each value: 100 x (below + half of the equal ones) / count."""
    v = np.asarray(values, float)
    below = (v[None, :] < v[:, None]).sum(axis=1)
    equal = (v[None, :] == v[:, None]).sum(axis=1)
    return 100 * (below + 0.5 * equal) / v.size


def rank_intervals(values: np.ndarray, se: np.ndarray, draws: int = DRAWS,
                   seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """95% interval of each percentile rank over `draws` draws of every location's NPS."""
    k = values.size
    rng = np.random.default_rng(seed)
    sims = values[None, :] + rng.standard_normal((draws, k)) * se[None, :]
    order = sims.argsort(axis=1, kind="stable").argsort(axis=1, kind="stable")
    pct = 100 * (order + 0.5) / k  # continuous draws: no ties
    lo, hi = np.percentile(pct, [2.5, 97.5], axis=0)
    return lo, hi


def from_components(comps: pd.DataFrame, dims: Dims, draws: int = DRAWS) -> list[Percentile]:
    """Every location with answers, ranked within the network, best first."""
    ok = comps[(comps["nps__n"] > 0) & comps["key"].notna()]
    if ok.empty:
        return []
    pos, neg, n = (ok[c].to_numpy(float) for c in ("nps__pos", "nps__neg", "nps__n"))
    nps = 100 * (pos - neg) / n
    point = point_ranks(nps)
    lo, hi = rank_intervals(nps, adjusted_se(pos, neg, n), draws)
    locs = dims.locations.set_index("location_id")
    out = []
    for i, key in enumerate(ok["key"].astype(str)):
        name = str(locs.loc[key, "location_name"]) if key in locs.index else key
        region = locs.loc[key, "region_id"] if key in locs.index else None
        out.append(Percentile(key, name, None if region is None else str(region),
                              float(nps[i]), float(n[i]), float(point[i]),
                              float(min(lo[i], point[i])), float(max(hi[i], point[i])),
                              int(nps.size)))
    return sorted(out, key=lambda p: (-p.percentile, p.location))


def network(engine: Engine, dims: Dims, month: date, window: Window,
            draws: int = DRAWS) -> list[Percentile]:
    """NPS percentile of every location in the network over `window` ending `month`."""
    now = window.periods(month)[:1]
    comps = aggregate.fetch(engine, Scope(), now[0][1], now[0][2], by="location",
                            survey_only=True, periods=None if window.code == "1m" else now)
    comps = comps[comps["month"] == month]
    return from_components(comps, dims, draws)


def for_scope(ranks: list[Percentile], scope: Scope) -> list[Percentile]:
    """The view's locations (a region's, or the one location); none for the company."""
    if scope.level == "location":
        return [p for p in ranks if p.location == scope.location]
    if scope.level == "region":
        return [p for p in ranks if p.region == scope.region]
    return []
