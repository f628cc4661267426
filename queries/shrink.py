"""Empirical-Bayes shrinkage: who is really furthest behind, not who drew the worst sample.

Ranking children on their raw values names the one with the unluckiest draw: with 50 answers a
location's NPS is +/-19, so the lowest raw value is mostly noise (the named worst location was
truly in its region's worst 10% only 62% of the time). Each value is pulled towards the mean of
its siblings by how unsure it is: shrunk = mu + B (x - mu), B = tau^2 / (tau^2 + se^2), with the
between-children variance tau^2 estimated by the DerSimonian-Laird method of moments.
"""

from __future__ import annotations

import numpy as np


def between_variance(x: np.ndarray, se: np.ndarray) -> float:
    """DerSimonian-Laird tau^2 (>= 0) of values `x` with standard errors `se` (all finite)."""
    w = 1.0 / se**2
    mean = np.sum(w * x) / np.sum(w)
    q = float(np.sum(w * (x - mean) ** 2))
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    return max(0.0, (q - (x.size - 1)) / c) if c > 0 else 0.0


def shrunk(values, ses) -> np.ndarray:
    """Each value shrunk towards the precision-weighted mean; NaN where value or se is missing.

    Values with a standard error of 0 (or fewer than three usable values) are returned as they
    are: there is nothing to pool them with.
    """
    x, se = np.asarray(values, dtype=float), np.asarray(ses, dtype=float)
    out = x.copy()
    ok = np.isfinite(x) & np.isfinite(se) & (se > 0)
    if ok.sum() < 3:
        return out
    tau2 = between_variance(x[ok], se[ok])
    w = 1.0 / (tau2 + se[ok] ** 2)
    mu = float(np.sum(w * x[ok]) / np.sum(w))
    out[ok] = mu + tau2 / (tau2 + se[ok] ** 2) * (x[ok] - mu)
    return out
