"""One interval at a time through the vectorised functions the product uses, as two floats: the
hand-computed tests pin exactly the code behind every tile, table, chart and pack."""

from __future__ import annotations

from queries import stats


def wilson(k: float, n: float, z: float = stats.Z95) -> tuple[float, float]:
    lo, hi = stats.wilson_arrays(k, n, z)
    return float(lo), float(hi)


def adjusted_wald(promoters: float, detractors: float, n: float) -> tuple[float, float]:
    lo, hi = stats.nps_adjusted_wald_arrays(promoters, detractors, n)
    return float(lo), float(hi)
