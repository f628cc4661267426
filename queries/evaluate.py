"""Metric values from summed components: the arithmetic of every definition in the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd

from queries.compile import ITEM_KEYS, PAIRS
from queries.registry import METRICS, Metric
from queries.stats import Z95, nps_se, proportion_se

OUT_COLUMNS = ["metric", "value", "numerator", "denominator", "n", "se", "moe", "excluded",
               "low_confidence"]


def _div(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a / b.where(b > 0)).astype("float64")


def _acsi(df: pd.DataFrame, weights: tuple[float, float, float]):
    w = np.asarray(weights, dtype=float)
    means = [_div(df[f"acsi__{k}_sum"], df[f"acsi__{k}_n"]) for k in ITEM_KEYS]
    value = sum(wk * (mk - 1) / 9 * 100 for wk, mk in zip(w, means, strict=True))
    n = pd.concat([df[f"acsi__{k}_n"] for k in ITEM_KEYS], axis=1).min(axis=1)
    # Standard error of the mean response-level index, from complete responses' moments.
    nc = df["acsi__c_n"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = {k: df[f"acsi__c_{k}"].to_numpy(float) / nc for k in ITEM_KEYS}
        cov = {}
        for pair in PAIRS:
            a, b = pair
            cov[pair] = df[f"acsi__c_{pair}"].to_numpy(float) / nc - mu[a] * mu[b]
        idx = dict(zip(ITEM_KEYS, range(3), strict=True))
        var = np.zeros_like(nc)
        for a in ITEM_KEYS:
            for b in ITEM_KEYS:
                key = a + b if a + b in cov else b + a
                var = var + w[idx[a]] * w[idx[b]] * cov[key]
        var = var * (100 / 9) ** 2 * nc / np.maximum(nc - 1, 1)  # sample variance
        se = np.where(nc > 1, np.sqrt(np.maximum(var, 0) / nc), np.nan)
    bad = sum(df[f"acsi__{k}_bad"] for k in ITEM_KEYS)
    return value, pd.Series(np.nan, index=df.index), pd.Series(np.nan, index=df.index), n, se, bad


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
        return value, pos - neg, n, n, nps_se(pos, neg, n), df[f"{p}__bad"]
    if m.kind == "acsi":
        return _acsi(df, weights)
    count = df["responses__n"]
    return count.astype(float), count, pd.Series(np.nan, index=df.index), count, np.full(
        len(df), np.nan), pd.Series(0.0, index=df.index)


def evaluate(
    components: pd.DataFrame, weights: tuple[float, float, float], keys: list[str] | None = None,
    metrics: tuple[Metric, ...] = METRICS,
) -> pd.DataFrame:
    """Long frame: one row per (keys..., metric) with value, parts, n, se, 95% margin, flags."""
    keys = keys if keys is not None else [c for c in ("key", "month") if c in components]
    df = components.reset_index(drop=True)
    parts = []
    # object dtype: a child with no region keeps key None (pandas' str dtype would make it NaN)
    key_cols = {k: pd.Series(df[k].to_numpy(), dtype=object) for k in keys}
    for m in metrics:
        value, num, den, n, se, bad = _one(m, df, weights)
        n_arr, se_arr = np.asarray(n, dtype=float), np.asarray(se, dtype=float)
        # One frame per metric from plain arrays: column-by-column assignment costs 10x more.
        parts.append(pd.DataFrame(key_cols | {
            "metric": np.full(len(df), m.name, dtype=object),
            "value": np.asarray(value, dtype=float),
            "numerator": np.asarray(num, dtype=float),
            "denominator": np.asarray(den, dtype=float),
            "n": n_arr, "se": se_arr, "moe": Z95 * se_arr,
            "excluded": np.asarray(bad, dtype=float),
            "low_confidence": n_arr < m.min_n,
        }))
    return pd.concat(parts, ignore_index=True)


def totals(components: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum components over the other keys (e.g. children -> scope): ratios of sums stay exact."""
    comp_cols = [c for c in components.columns if "__" in c]
    if not by:
        return components[comp_cols].sum().to_frame().T
    return components.groupby(by, dropna=False, as_index=False)[comp_cols].sum()
