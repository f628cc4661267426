"""Independent references for the NPS statistics: each side's answers written out as +100 / 0 /
-100 scores and summarised by NumPy, and a guard that turns any NumPy warning into an error."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator

import numpy as np


def answers(pos: int, neg: int, n: int) -> np.ndarray:
    """The n answers behind (pos, neg, n) as NPS scores."""
    return np.array([100.0] * pos + [0.0] * (n - pos - neg) + [-100.0] * neg)


def pooled_z(now: tuple, before: tuple) -> float:
    """Two-sample z with one variance (ddof 0) from both sides' answers together."""
    a, b = answers(*now), answers(*before)
    var = np.concatenate([a, b]).var() * (1 / len(a) + 1 / len(b))
    return 0.0 if var == 0 else (a.mean() - b.mean()) / math.sqrt(var)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Every Python warning and NumPy floating-point condition raises inside the block."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            yield
