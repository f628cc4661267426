"""Key drivers: which touchpoint moves the NPS answer, as shares of explained variance.

Method: the Shapley (LMG) decomposition of R^2 of a linear regression of the NPS answer (0-10)
on the touchpoint answers. Each item's importance is its average gain in R^2 when it joins every
subset of the other items, so the shares are never negative and sum exactly to the model's R^2,
however strongly the items move together (and touchpoint answers do: one good visit lifts every
answer). Raw regression weights split a shared effect arbitrarily between correlated items and
can flip sign; Johnson's relative weights approximate LMG cheaply but are not exact. With at
most MAX_ITEMS items per journey all 2^p subsets cost milliseconds, so the exact decomposition
is used.

Input: only the sums of queries/sql/items.cross_select (computed in the warehouse): counts, sums,
squares and cross-products per pair of items and with the NPS answer. They give the pairwise
correlation matrix, and every subset's R^2 is r_S' R_SS^-1 r_S: no raw answer reaches Python.

The minimum-answers rule: every pair of the journey's items needs MIN_ANSWERS responses that
answered both and the NPS question, else no drivers are shown, and the page, the pack and the
CLI say why (with the count). An item asked of under half as many customers as the journey's
most-asked item is left out and named, rather than shrinking every pair's sample to its own.
At 150 answers the importances of the simulated tests' planted items are within about 0.03 of
the population's (tests/test_drivers.py); below it they wander more than the gaps between items.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from queries.scope import Scope
from queries.sql.engine import execute
from queries.sql.items import cross_select

MIN_ANSWERS = 150
MAX_ITEMS = 12  # 4,096 subsets; a journey asking more keeps its most-answered 12


@dataclass(frozen=True)
class Driver:
    item: str
    importance: float  # share of R^2: the Shapley value
    mean_score: float  # mean answer of the responses that also answered the NPS question
    n: int  # those responses

    def as_dict(self) -> dict:
        return {"item": self.item, "importance": round(self.importance, 4),
                "mean_score": round(self.mean_score, 2), "n": self.n}


@dataclass(frozen=True)
class Drivers:
    journey: str | None
    r2: float | None
    items: tuple[Driver, ...] = ()
    n: int = 0  # responses answering every kept pair (the smallest pair count)
    reason: str | None = None  # why there are no drivers, or which items were left out
    left_out: tuple[str, ...] = field(default=())

    @property
    def shown(self) -> bool:
        return self.r2 is not None and bool(self.items)

    def as_dict(self) -> dict:
        return {"journey": self.journey, "r2": None if self.r2 is None else round(self.r2, 4),
                "n": self.n, "min_answers": MIN_ANSWERS, "reason": self.reason,
                "left_out": list(self.left_out),
                "items": [d.as_dict() for d in self.items]}


def subset_r2(corr_xx: np.ndarray, corr_xy: np.ndarray) -> dict[int, float]:
    """R^2 of every subset of items (a bitmask) from the correlation matrices."""
    p = len(corr_xy)
    out = {0: 0.0}
    for mask in range(1, 1 << p):
        idx = [i for i in range(p) if mask >> i & 1]
        r = corr_xy[idx]
        beta = np.linalg.lstsq(corr_xx[np.ix_(idx, idx)], r, rcond=None)[0]
        out[mask] = float(min(max(r @ beta, 0.0), 1.0))
    return out


def shapley(corr_xx: np.ndarray, corr_xy: np.ndarray) -> tuple[float, np.ndarray]:
    """(R^2 of all items, each item's Shapley share of it); the shares sum to R^2."""
    p = len(corr_xy)
    r2 = subset_r2(corr_xx, corr_xy)
    weight = [math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
              for k in range(p)]
    shares = np.zeros(p)
    for mask, value in r2.items():
        k = bin(mask).count("1")
        for i in range(p):
            if not mask >> i & 1:
                shares[i] += weight[k] * (r2[mask | 1 << i] - value)
    return r2[(1 << p) - 1], shares


def _var(n: float, s: float, ss: float) -> float:
    return ss - s * s / n if n else 0.0


def from_sums(sums: pd.DataFrame, journey: str | None) -> Drivers:
    """Drivers of one journey from cross_select's rows for it."""
    diag = sums[sums.item_a == sums.item_b].set_index("item_a")
    answered = diag["n"].sort_values(ascending=False, kind="stable")
    top = float(answered.iloc[0]) if len(answered) else 0.0
    # An item asked of far fewer customers than the others (under half as many) is left out
    # rather than shrinking every pair's sample to its own.
    kept = [str(i) for i, n in answered.items() if n >= 0.5 * top][:MAX_ITEMS]
    few = [str(i) for i in answered.index if str(i) not in kept]
    pair = {(str(r.item_a), str(r.item_b)): r for r in sums.itertuples(index=False)}
    while len(kept) > 1 and any((a, b) not in pair for a, b in itertools.combinations(kept, 2)):
        few.append(kept.pop())  # never answered together: no correlation to estimate
    n = min((int(pair[(a, b)].n) for a in kept for b in kept), default=0)
    if n < MIN_ANSWERS:
        return Drivers(journey, None, n=n, left_out=tuple(few), reason=(
            f"Too few answers for key drivers: {n:,} responses answered the touchpoint "
            f"questions and the NPS question here; at least {MIN_ANSWERS:,} are needed. "
            "A longer window or a wider view has more."))
    p = len(kept)
    corr_xx, corr_xy = np.eye(p), np.zeros(p)
    means, counts = [], []
    for i, a in enumerate(kept):
        d = diag.loc[a]
        va, vy = _var(d.n, d.sa, d.saa), _var(d.n, d.sy, d.syy)
        cov = d.say - d.sa * d.sy / d.n
        corr_xy[i] = cov / math.sqrt(va * vy) if va > 0 and vy > 0 else 0.0
        means.append(d.sa / d.n)
        counts.append(int(d.n))
        for j in range(i + 1, p):
            r = pair[(a, kept[j])]
            v1, v2 = _var(r.n, r.sa, r.saa), _var(r.n, r.sb, r.sbb)
            c = (r.sab - r.sa * r.sb / r.n) / math.sqrt(v1 * v2) if v1 > 0 and v2 > 0 else 0.0
            corr_xx[i, j] = corr_xx[j, i] = c
    r2, shares = shapley(corr_xx, corr_xy)
    items = sorted((Driver(a, float(s), float(m), n) for a, s, m, n in
                    zip(kept, shares, means, counts, strict=True)),
                   key=lambda d: -d.importance)
    reason = (f"Left out, asked of too few customers: {', '.join(few)}." if few else None)
    return Drivers(journey, r2, tuple(items), n=n, reason=reason, left_out=tuple(few))


def compute(sums: pd.DataFrame, journey: str | None, journeys: tuple[str, ...]
            ) -> list[Drivers]:
    """Drivers per journey: the chosen one, else each recorded journey, else one set."""
    if journey is not None:
        wanted: tuple[str | None, ...] = (journey,)
    else:
        wanted = journeys or (None,)
    out = []
    for j in wanted:
        rows = sums if j is None else sums[sums.journey == j]
        out.append(from_sums(rows, j))
    return out


def fetch(engine: Engine, scope: Scope, start: date, stop: date,
          journeys: tuple[str, ...] = ()) -> list[Drivers]:
    """The view's drivers (one statement): per journey when the warehouse records journeys."""
    with engine.connect() as conn:
        result = execute(conn, cross_select(scope, start, stop, bool(journeys)))
        sums = pd.DataFrame([tuple(r) for r in result.fetchall()], columns=list(result.keys()))
    for c in ("n", "sa", "sb", "saa", "sbb", "sab", "sy", "syy", "say", "sby"):
        sums[c] = pd.to_numeric(sums[c], errors="coerce").astype("float64").fillna(0.0)
    sums["journey"] = sums["journey"].map(lambda v: None if v is None or pd.isna(v) else str(v))
    return compute(sums, scope.journey, journeys)
