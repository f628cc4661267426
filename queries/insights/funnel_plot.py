"""Funnel plot: which children lie outside the limits chance allows for their number of answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from queries.insights.children import PLURAL, child_nps, needs_children
from queries.insights.history import History, NotAvailable, load_history
from queries.results import jsonable
from queries.scope import Dims, Scope
from queries.stats import Z95, Z998, nps_answer_variance, nps_of


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
    se = np.sqrt(nps_answer_variance(*parent) / grid)
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
    z = (kids.nps - p_value) / np.sqrt(nps_answer_variance(*kids.parent) / kids.n)
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
    missing = needs_children(scope, "funnel")
    if missing:
        return missing
    return funnel_from(history or load_history(engine, dims, scope, month, 1, False), dims, month)


