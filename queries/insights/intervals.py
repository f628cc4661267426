"""Intervals the insight analyses share: a correlation's, and a seeded bootstrap's."""

from __future__ import annotations

import math

import numpy as np

from queries.stats import Z95

SEED = 20261  # bootstrap draws are seeded: the same warehouse always gives the same interval


def fisher_ci(r: float, n: int) -> tuple[float, float] | None:
    """95% interval of a correlation by Fisher's z (assumes independent observations)."""
    if n <= 3 or math.isnan(r) or abs(r) >= 1:
        return None
    z, half = math.atanh(r), Z95 / math.sqrt(n - 3)
    return (math.tanh(z - half), math.tanh(z + half))


def percentile_ci(draws: np.ndarray) -> tuple[float, float] | None:
    draws = draws[np.isfinite(draws)]
    if draws.size < 20:
        return None
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return (float(lo), float(hi))


def resample_counts(rng: np.random.Generator, k: int, draws: int) -> np.ndarray:
    """(draws, k) multiplicities of a bootstrap over k clusters (each row sums to k)."""
    if k == 0:
        return np.zeros((draws, 0))
    return rng.multinomial(k, np.full(k, 1.0 / k), size=draws).astype(float)


def strength_words(r: float | None) -> str:
    """A correlation in words a board reads, with its value: 'a weak link (correlation 0.29)'
    (no "r = " on a page or in a pack)."""
    if r is None or r != r:
        return "link strength unknown"
    size = abs(r)
    word = ("no" if size < 0.1 else "a weak" if size < 0.3 else "a moderate" if size < 0.5
            else "a strong")
    return f"{word} link (correlation {r:.2f})"
