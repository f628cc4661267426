"""Sampling statistics for scorecard numbers: margins, intervals and tests of change.

Scalar and NumPy-vectorised alike (functions accept floats or arrays).
"""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054


def nps_se(promoters, detractors, n):
    """Trinomial standard error of NPS in points: 100 sqrt((p + d - (p - d)^2) / n)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.asarray(promoters, dtype=float) / n
        d = np.asarray(detractors, dtype=float) / n
        var = (p + d - (p - d) ** 2) / n
        return np.where(n > 0, 100 * np.sqrt(np.maximum(var, 0)), np.nan)


def nps_adjusted_wald(promoters: float, detractors: float, n: float) -> tuple[float, float]:
    """95% adjusted-Wald NPS interval: add 3 to n and 3/4 to promoters and to detractors."""
    n2 = n + 3
    p, d = (promoters + 0.75) / n2, (detractors + 0.75) / n2
    se = math.sqrt(max(p + d - (p - d) ** 2, 0) / n2)
    centre = p - d
    return (float(100 * max(-1.0, centre - Z95 * se)), float(100 * min(1.0, centre + Z95 * se)))


def proportion_se(k, n):
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.asarray(k, dtype=float) / n
        return np.where(n > 0, np.sqrt(np.clip(p * (1 - p), 0, None) / n), np.nan)


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (good at small n and near 0 or 1)."""
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k <= 0 else max(0.0, centre - half)  # exact at the ends, no rounding residue
    hi = 1.0 if k >= n else min(1.0, centre + half)
    return (lo, hi)


def change_z(v1: float, se1: float, v0: float, se0: float) -> float:
    """z of the difference of two independent estimates (two-sample Wald test)."""
    denom = math.sqrt(se1 * se1 + se0 * se0)
    if not denom or math.isnan(denom):
        return math.nan
    return (v1 - v0) / denom


def classify_change(v1, se1, v0, se0, sampled: bool, z: float = Z95) -> str:
    """'rise', 'fall', 'steady' (within the noise) or 'n/a' when either value is missing."""
    if v1 is None or v0 is None or _nan(v1) or _nan(v0):
        return "n/a"
    if not sampled:
        return "rise" if v1 > v0 else "fall" if v1 < v0 else "steady"
    zz = change_z(v1, se1, v0, se0)
    if math.isnan(zz):
        return "n/a"
    return "rise" if zz > z else "fall" if zz < -z else "steady"


def _nan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)
