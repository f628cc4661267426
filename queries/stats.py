"""Sampling statistics for scorecard numbers: margins, intervals and tests of change.

Scalar and NumPy-vectorised alike (functions accept floats or arrays).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import special
from scipy import stats as sps

Z95 = 1.959963984540054
Z998 = 3.090232306167813  # two-sided 99.8% (0.1% in each tail)


def nps_se(promoters, detractors, n):
    """Trinomial standard error of NPS in points: 100 sqrt((p + d - (p - d)^2) / n)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.asarray(promoters, dtype=float) / n
        d = np.asarray(detractors, dtype=float) / n
        var = (p + d - (p - d) ** 2) / n
        return np.where(n > 0, 100 * np.sqrt(np.maximum(var, 0)), np.nan)


def nps_of(pos, neg, n) -> np.ndarray:
    """NPS in points; NaN where n is 0."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, 100 * (np.asarray(pos, float) - np.asarray(neg, float)) / n, np.nan)


def nps_answer_variance(pos: float, neg: float, n: float) -> float:
    """Per-answer variance of the NPS score (+100/0/-100): V, so that SE^2 = V / n."""
    if n <= 0:
        return math.nan
    p, d = pos / n, neg / n
    return 100.0**2 * max(p + d - (p - d) ** 2, 0.0)


def nps_change_z(now: tuple, before: tuple) -> np.ndarray:
    """z of an NPS change, (pos, neg, n) each side, per-answer variance of both sides pooled.

    Under "no change" both samples share one distribution, so its variance is estimated from
    both together: a 2-answer month of promoters no longer has a standard error of 0.
    """
    n1, n0 = np.asarray(now[2], float), np.asarray(before[2], float)
    pos, neg, n = (np.asarray(now[i], float) + np.asarray(before[i], float) for i in range(3))
    with np.errstate(divide="ignore", invalid="ignore"):
        p, d = pos / n, neg / n
        var = 100.0**2 * np.maximum(p + d - (p - d) ** 2, 0) * (1 / n1 + 1 / n0)
        diff = nps_of(*now) - nps_of(*before)
        both = (n1 > 0) & (n0 > 0)
        return np.where(both & (var > 0), diff / np.sqrt(var), np.where(both, 0.0, np.nan))


def proportion_se(k, n):
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.asarray(k, dtype=float) / n
        return np.where(n > 0, np.sqrt(np.clip(p * (1 - p), 0, None) / n), np.nan)


def change_z(v1: float, se1: float, v0: float, se0: float) -> float:
    """z of the difference of two independent estimates (two-sample Wald test)."""
    denom = math.sqrt(se1 * se1 + se0 * se0)
    if not denom or math.isnan(denom):
        return math.nan
    return (v1 - v0) / denom


def _nan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


# --- one interval per metric, vectorised (the tile, table, map, chart, pack and CLI all read it)


def wilson_arrays(k, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of k/n as fractions; NaN where n is 0. Exact 0 and 1 at the ends."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(np.clip(p * (1 - p), 0, None) / n + z * z / (4 * n * n)) / denom
        lo = np.where(k <= 0, 0.0, np.maximum(0.0, centre - half))
        hi = np.where(k >= n, 1.0, np.minimum(1.0, centre + half))
    ok = n > 0
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def nps_adjusted_wald_arrays(pos, neg, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald NPS interval in points (n + 3, 3/4 added to each of promoters, detractors)."""
    pos, neg, n = (np.asarray(a, dtype=float) for a in (pos, neg, n))
    n2 = n + 3
    p, d = (pos + 0.75) / n2, (neg + 0.75) / n2
    se = np.sqrt(np.clip(p + d - (p - d) ** 2, 0, None) / n2)
    lo = 100 * np.maximum(-1.0, (p - d) - z * se)
    hi = 100 * np.minimum(1.0, (p - d) + z * se)
    ok = n > 0
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


# --- Student t for integer degrees of freedom (SciPy's special functions; the tests check them
# against the Abramowitz & Stegun series and published table values, tests/reference_stats.py)


def t_two_sided_p(t: float, df: int) -> float:
    """P(|T| >= |t|) for Student's t with integer df >= 1; NaN without a distribution (df < 1)."""
    if math.isnan(t) or df < 1:
        return math.nan
    return float(2 * special.stdtr(df, -abs(t)))  # an infinite t: exactly 0


@lru_cache(maxsize=256)
def t_quantile(df: int, alpha: float = 0.05) -> float:
    """Two-sided critical value: P(|T| >= t) = alpha."""
    if df < 1:
        return math.nan
    return float(special.stdtrit(df, 1 - alpha / 2))


def normal_two_sided_p(z: float) -> float:
    return math.nan if math.isnan(z) else math.erfc(abs(z) / math.sqrt(2))


def change_p(v1: float, se1: float, v0: float, se0: float, df: float | None = None,
             net_n: tuple[float, float] | None = None) -> float:
    """Two-sided p of a change between two estimates: normal, or Student t when `df` is given
    (census metrics, whose noise is estimated from a short history of their own changes);
    `net_n` = (n1, n0) for a net score, whose z pools both months' variance (net_change_z)."""
    if net_n is not None:
        zz = net_change_z(v1, se1, net_n[0], v0, se0, net_n[1])
        return normal_two_sided_p(zz)
    zz = change_z(v1, se1, v0, se0)
    if math.isnan(zz):
        return math.nan
    if df is not None and not math.isnan(df):
        return t_two_sided_p(zz, int(df))
    return normal_two_sided_p(zz)


# --- false-discovery control -------------------------------------------------------------

FDR_Q = 0.05


def benjamini_hochberg(pvalues, q: float = FDR_Q) -> tuple[np.ndarray, np.ndarray]:
    """(reject, adjusted p) by Benjamini-Hochberg step-up; NaN p-values are never rejected.

    Why: ~55 locations x 5 headline metrics give ~14 'significant' changes a month by chance at
    p < 0.05 each; BH keeps the expected share of false calls among the calls at q.
    """
    p = np.asarray(pvalues, dtype=float)
    out_q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)  # NaN: no test was possible, so it is not part of the family
    if ok.any():
        out_q[ok] = sps.false_discovery_control(p[ok], method="bh")
    return np.where(np.isfinite(out_q), out_q <= q, False), out_q


# --- materiality -------------------------------------------------------------------------


def material(delta: float | None, decimals: int, min_change: float = 0.0) -> bool:
    """A change worth an arrow: at least one unit of the displayed precision and at least the
    metric's declared minimum. 0.53 -> 0.53 (two decimals) or -0.06 pts (one decimal) is not."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return False
    step = 10.0 ** -decimals
    return abs(delta) >= max(step, min_change) - 1e-9 * step


def change_call(v1, se1, v0, se0, sampled: bool, decimals: int, min_change: float = 0.0,
                df: float | None = None, alpha: float = 0.05,
                net_n: tuple[float, float] | None = None) -> str:
    """The one rule for a single change: 'rise', 'fall', 'steady' (immaterial or within the
    noise) or 'n/a'. Used by the tiles, the pack, the CSV and the CLI alike."""
    if v1 is None or v0 is None or _nan(v1) or _nan(v0):
        return "n/a"
    delta = v1 - v0
    if not material(delta, decimals, min_change):
        return "steady"
    if not sampled:
        return "rise" if delta > 0 else "fall"
    if se1 is None or se0 is None or _nan(se1) or _nan(se0):
        return "n/a"
    p = change_p(v1, se1, v0, se0, df, net_n)
    if math.isnan(p):
        return "steady" if not (se1 or se0) else "n/a"
    return ("rise" if delta > 0 else "fall") if p < alpha else "steady"


def margin_text(value, lo, hi, decimals: int) -> str:
    """How the one interval is shown: '±h' (its half-width) when it is centred on the value at
    the displayed precision, else its two ends ('3.4 to 57.2'); '' when there is none."""
    if any(x is None or (isinstance(x, float) and math.isnan(x)) for x in (value, lo, hi)):
        return ""
    lo, hi, value = float(lo), float(hi), float(value)
    half, centre = (hi - lo) / 2, (hi + lo) / 2
    if abs(centre - value) < 0.5 * 10.0 ** -decimals:
        return f"±{half:,.{decimals}f}"
    return f"{lo:,.{decimals}f} to {hi:,.{decimals}f}"


def net_change_z(v1: float, se1: float, n1: float, v0: float, se0: float, n0: float) -> float:
    """z of a change in a net score (NPS, eNPS) with the per-answer variance of both months
    pooled, as "no change" says they share one distribution. The unpooled Wald z is
    anti-conservative in the tails at n of 40-100 (p < 0.001 came out 1.6-1.8x too often in the
    null simulation), which is exactly where false-discovery control looks.

    p + d of each side is recovered from its value and SE: SE^2 n / 100^2 = p + d - (p - d)^2.
    """
    if not (n1 > 0 and n0 > 0):
        return math.nan
    pd1 = se1 * se1 * n1 / 1e4 + (v1 / 100) ** 2
    pd0 = se0 * se0 * n0 / 1e4 + (v0 / 100) ** 2
    both = (n1 * pd1 + n0 * pd0) / (n1 + n0)
    mean = (n1 * v1 + n0 * v0) / (n1 + n0) / 100
    var = max(both - mean * mean, 0.0) * (1 / n1 + 1 / n0)
    if var <= 0:
        return 0.0 if v1 == v0 else math.nan
    return (v1 - v0) / (100 * math.sqrt(var))
