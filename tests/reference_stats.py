"""Independent references for the Student t that queries/stats.py takes from SciPy: the
closed-form series of Abramowitz & Stegun 26.7.3-4 (integer df) and a bisection for the quantile.
They were the run-time code until issue 24; now they only check SciPy's special functions."""

from __future__ import annotations

import math


def t_two_sided_p(t: float, df: int) -> float:
    """P(|T| >= |t|) for Student's t with integer df >= 1 (Abramowitz & Stegun 26.7.3-4)."""
    if math.isinf(t):
        return 0.0
    theta = math.atan(abs(t) / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2 == 1:
        total, term = 0.0, math.cos(theta)
        for k in range(1, (df - 1) // 2 + 1):
            total += term
            term *= c2 * (2 * k) / (2 * k + 1)
        a = 2 / math.pi * (theta + s * total)  # df = 1: no terms, total 0, a = 2 theta / pi
    else:
        total, term = 0.0, 1.0
        for k in range(1, df // 2 + 1):
            total += term
            term *= c2 * (2 * k - 1) / (2 * k)
        a = s * total
    return max(0.0, 1.0 - a)


def t_quantile(df: int, alpha: float = 0.05) -> float:
    """Two-sided critical value by bisection on the series above."""
    lo, hi = 0.0, 1000.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_two_sided_p(mid, df) > alpha else (lo, mid)
    return (lo + hi) / 2
