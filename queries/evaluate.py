"""Metric values from summed components: the arithmetic of every definition in the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd

from queries.registry import METRICS, Metric
from queries.sql.compile import CROSS, ITEM_KEYS
from queries.stats import Z95, nps_adjusted_wald_arrays, nps_se, proportion_se, wilson_arrays


def _div(a: pd.Series, b: pd.Series) -> pd.Series:
    """a / b, or NaN (no data) unless both are finite and b > 0: a sum that overflowed to
    infinity must not read as 0% (1e308 / inf)."""
    ok = (b > 0) & np.isfinite(a.astype("float64")) & np.isfinite(b.astype("float64"))
    return (a.where(ok) / b.where(ok)).astype("float64")


def _acsi(df: pd.DataFrame, weights: tuple[float, float, float]):
    """Index from each item's own answers, and its delta-method standard error from the same
    answers: Var(mean_k) = s_k^2 / n_k, Cov(mean_k, mean_l) = n_kl c_kl / (n_k n_l), where c_kl
    is the covariance over the n_kl responses answering both items (docs/metrics.md)."""
    w = dict(zip(ITEM_KEYS, np.asarray(weights, dtype=float), strict=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        nk = {k: df[f"acsi__{k}_n"].to_numpy(float) for k in ITEM_KEYS}
        sk = {k: df[f"acsi__{k}_sum"].to_numpy(float) for k in ITEM_KEYS}
        means = {k: sk[k] / np.where(nk[k] > 0, nk[k], np.nan) for k in ITEM_KEYS}
        value = sum(w[k] * (means[k] - 1) / 9 * 100 for k in ITEM_KEYS)
        var = np.zeros(len(df))
        for k in ITEM_KEYS:
            ss = df[f"acsi__{k}_sq"].to_numpy(float) - sk[k] * sk[k] / nk[k]
            var = var + w[k] ** 2 * (ss / (nk[k] - 1)) / nk[k]
        for pair in CROSS:
            a, b = pair
            npr = df[f"acsi__p_{pair}_n"].to_numpy(float)
            sa_, sb = df[f"acsi__p_{pair}_a"].to_numpy(float), df[f"acsi__p_{pair}_b"].to_numpy(
                float)
            cab = (df[f"acsi__p_{pair}_ab"].to_numpy(float) - sa_ * sb / npr) / (npr - 1)
            cov = np.where(npr > 1, npr * cab / (nk[a] * nk[b]), 0.0)
            var = var + 2 * w[a] * w[b] * cov
        n = np.minimum.reduce([nk[k] for k in ITEM_KEYS])
        se = np.where(n > 1, (100 / 9) * np.sqrt(np.maximum(var, 0)), np.nan)
    return (pd.Series(value, index=df.index), pd.Series(np.nan, index=df.index),
            pd.Series(np.nan, index=df.index), pd.Series(n, index=df.index), se,
            df["acsi__incomplete"])


def _one(m: Metric, df: pd.DataFrame, weights: tuple[float, float, float]):
    """(value, numerator, denominator, n, se, excluded) as Series over df's rows."""
    p = m.name
    if m.kind == "ratio":
        num, den = df[f"{p}__num"], df[f"{p}__den"]
        value = _div(num, den) * m.scale
        n = den if m.sampled else df[f"{p}__rows"]
        se = proportion_se(num, den) * m.scale if m.sampled else np.full(len(df), np.nan)
        return value, num, den, n, se, df[f"{p}__bad"]
    if m.kind in ("net_scores", "net_counts"):
        pos, neg, n = df[f"{p}__pos"], df[f"{p}__neg"], df[f"{p}__n"]
        value = _div(pos - neg, n) * 100
        bad = df[f"{p}__bad"] + (df["nps__null"] if m.kind == "net_scores" else 0)
        return value, pos - neg, n, n, nps_se(pos, neg, n), bad
    if m.kind == "acsi":
        return _acsi(df, weights)
    count = df["responses__n"]
    return count.astype(float), count, pd.Series(np.nan, index=df.index), count, np.full(
        len(df), np.nan), pd.Series(0.0, index=df.index)


def interval(m: Metric, df: pd.DataFrame, value: np.ndarray,
             se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The one 95% interval of a metric (NaN where it has none): adjusted-Wald for net scores,
    Wilson for sampled proportions, value +- 1.96 SE (clipped to the scale) for the index.
    Census metrics get theirs from their own history afterwards (queries/census.py)."""
    nan = np.full(len(df), np.nan)
    if not m.sampled:
        return nan, nan
    if m.kind in ("net_scores", "net_counts"):
        return nps_adjusted_wald_arrays(df[f"{m.name}__pos"], df[f"{m.name}__neg"],
                                        df[f"{m.name}__n"])
    if m.kind == "ratio":
        lo, hi = wilson_arrays(df[f"{m.name}__num"], df[f"{m.name}__den"])
        return lo * m.scale, hi * m.scale
    lo, hi = value - Z95 * se, value + Z95 * se
    return np.clip(lo, 0, 100), np.clip(hi, 0, 100)


def evaluate(
    components: pd.DataFrame, weights: tuple[float, float, float], keys: list[str] | None = None,
    metrics: tuple[Metric, ...] = METRICS,
) -> pd.DataFrame:
    """Long frame: one row per (keys..., metric) with value, parts, n, se, the 95% interval
    (lo, hi) and its half-width (moe), flags."""
    keys = keys if keys is not None else [c for c in ("key", "month") if c in components]
    df = components.reset_index(drop=True)
    parts = []
    # object dtype: a child with no region keeps key None (pandas' str dtype would make it NaN)
    key_cols = {k: pd.Series(df[k].to_numpy(), dtype=object) for k in keys}
    for m in metrics:
        value, num, den, n, se, bad = _one(m, df, weights)
        n_arr, se_arr = np.asarray(n, dtype=float), np.asarray(se, dtype=float)
        v_arr = np.asarray(value, dtype=float)
        lo, hi = interval(m, df, v_arr, se_arr)
        # One frame per metric from plain arrays: column-by-column assignment costs 10x more.
        parts.append(pd.DataFrame(key_cols | {
            "metric": np.full(len(df), m.name, dtype=object),
            "value": v_arr,
            "numerator": np.asarray(num, dtype=float),
            "denominator": np.asarray(den, dtype=float),
            # The +- shown anywhere is this interval's half-width (not a separate Wald margin).
            "n": n_arr, "se": se_arr, "moe": (hi - lo) / 2, "lo": lo, "hi": hi,
            "df": np.full(len(df), np.nan),
            "excluded": np.asarray(bad, dtype=float),
            "low_confidence": n_arr < m.min_n,
        }))
    return pd.concat(parts, ignore_index=True)


def totals(components: pd.DataFrame, by: list[str], min_count: int = 0) -> pd.DataFrame:
    """Sum components over the other keys (e.g. children -> scope): ratios of sums stay exact.
    `min_count=1` keeps a component with no value at all NULL, as SQL's SUM does."""
    comp_cols = [c for c in components.columns if "__" in c]
    if not by:
        return components[comp_cols].sum(min_count=min_count).to_frame().T
    return components.groupby(by, dropna=False, as_index=False)[comp_cols].sum(
        min_count=min_count)
