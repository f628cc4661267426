"""Month-to-month noise of census and other non-sample metrics, from each unit's own history.

Retention and referral count the whole customer base, not a sample of it, yet they still move
from month to month for reasons no one chose (who happened to be due, a busy week). That noise is
larger than a binomial model says: on the demo 12% / 10% of location-months came out as
"significant" changes under a binomial test, against 3.9% for NPS. So each unit (the scope, each
child) gets its own yardstick: the root-mean-square of its month-to-month changes over the
months before the one being judged (up to 12 changes, at least MIN_CHANGES). A change is then
judged by Student's t with that many degrees of freedom, and the interval of a month's value is
value +- t * RMS / sqrt(2) (one month's share of the noise of a difference of two months).
Too short a history gives no interval and no change call ("n/a"), never a guess.

The metrics that are not survey samples at all (listening hours, CX share of agenda, CX-linked
pay, payout alignment, recognitions, executive-owner share) move from month to month too, and an
arrow on every move over the materiality threshold put one on 26% of a null warehouse's company
and region metric-months: they get the same yardstick (`Metric.history_noise`). Their interval
stays empty (they have no sampling error to show); only the change test uses it.

A year-on-year change is judged by a yardstick of its own (`yoy_noise`): the month-to-month RMS
understates the noise of a change over twelve months for a persistent series (an AR(1) series
with rho 0.6 gave 20% false calls at 5%).
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from queries.months import month_index
from queries.registry import METRICS
from queries.stats import t_quantile

CENSUS = tuple(m.name for m in METRICS if m.census)
HISTORY_NOISE = tuple(m.name for m in METRICS if m.history_noise)
HISTORY = 12  # changes looked at, ending with the one into the month before the judged month
MIN_CHANGES = 6  # fewer: not enough history to tell noise from change


def noise_of_series(months: list[date], values: list[float], month: date) -> tuple[float, int]:
    """(RMS of month-to-month changes, number of changes) over the HISTORY changes that end at
    the month before `month`; (nan, k) with fewer than MIN_CHANGES. Only consecutive months with
    values on both sides count as a change."""
    end = month_index(month) - 1
    by = {month_index(m): v for m, v in zip(months, values, strict=True)
          if v is not None and not (isinstance(v, float) and math.isnan(v))}
    diffs = [by[i] - by[i - 1] for i in range(end - HISTORY + 1, end + 1)
             if i in by and i - 1 in by]
    if len(diffs) < MIN_CHANGES:
        return math.nan, len(diffs)
    return float(np.sqrt(np.mean(np.square(diffs)))), len(diffs)


def apply(long: pd.DataFrame, month: date, key: str | None = "key") -> pd.DataFrame:
    """Replace se, df, lo, hi and moe of census-metric rows by the history-based noise model.

    `long` is an evaluate() frame with a `month` column (and `key` when there are several
    units); every month of a unit gets the yardstick measured before `month`, so the chart's
    band in the judged month is exactly the tile's interval. Vectorised (one array of units x
    months): the same numbers as `noise_of_series` unit by unit.
    """
    if long.empty:
        return long
    mask = long["metric"].isin(HISTORY_NOISE).to_numpy()
    if not mask.any():
        return long
    out = long.copy()
    sub = out.loc[mask]
    unit = sub[key].astype(str) if key and key in sub.columns else pd.Series("", index=sub.index)
    group, _ = pd.factorize(sub["metric"].astype(str) + "\x1f" + unit)
    offset = month_index(month) - np.array([month_index(m) for m in sub["month"]])
    grid = np.full((group.max() + 1, HISTORY + 2), np.nan)
    ok = (offset >= 0) & (offset <= HISTORY + 1)
    grid[group[ok], offset[ok]] = sub["value"].to_numpy(float)[ok]
    diffs = grid[:, 1:HISTORY + 1] - grid[:, 2:HISTORY + 2]  # changes into month-1 ... month-12
    k = np.isfinite(diffs).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(np.nansum(diffs**2, axis=1) / k)
    rms = np.where(k >= MIN_CHANGES, rms, np.nan)
    quant = np.array([t_quantile(int(x)) if x >= MIN_CHANGES else np.nan for x in k])
    level_sd = (rms / math.sqrt(2))[group]
    half = quant[group] * level_sd
    v = sub["value"].to_numpy(float)
    lo, hi = np.clip(v - half, 0, 100), np.clip(v + half, 0, 100)
    have = np.isfinite(level_sd)
    out.loc[mask, "se"] = level_sd
    out.loc[mask, "df"] = np.where(have, k[group], np.nan).astype(float)
    shown = have & sub["metric"].isin(CENSUS).to_numpy()  # an interval only where one is shown
    out.loc[mask, "lo"] = np.where(shown, lo, np.nan)
    out.loc[mask, "hi"] = np.where(shown, hi, np.nan)
    out.loc[mask, "moe"] = np.where(shown, (hi - lo) / 2, np.nan)
    return out


def borrow(pooled: pd.DataFrame, monthly: pd.DataFrame, month: date,
           key: str | None = "key") -> pd.DataFrame:
    """A pooled window's history-judged rows take each unit's one-month yardstick (se, df) from
    `monthly` (already `apply`-ed) at `month`, and census rows their interval from it.

    Pooling k months narrows a census metric's noise by at most sqrt(k) (less for a persistent
    series); no history of k-month windows is long enough to measure it, so the one-month
    yardstick is kept: cautious (fewer calls), never eager.
    """
    if pooled.empty:
        return pooled
    keys = [key] if key else []
    src = monthly[(monthly["month"] == month) & monthly["metric"].isin(HISTORY_NOISE)]
    src = src[[*keys, "metric", "se", "df"]].rename(columns={"se": "_se", "df": "_df"})
    out = pooled.merge(src, on=[*keys, "metric"], how="left") if len(src) else pooled.assign(
        _se=np.nan, _df=np.nan)
    mask = out["metric"].isin(HISTORY_NOISE).to_numpy()
    out.loc[mask, "se"] = out.loc[mask, "_se"]
    out.loc[mask, "df"] = out.loc[mask, "_df"]
    cen = out["metric"].isin(CENSUS).to_numpy()
    k = out.loc[cen, "df"].to_numpy(float)
    quant = np.array([t_quantile(int(x)) if np.isfinite(x) else np.nan for x in k])
    v, half = out.loc[cen, "value"].to_numpy(float), quant * out.loc[cen, "se"].to_numpy(float)
    lo, hi = np.clip(v - half, 0, 100), np.clip(v + half, 0, 100)
    out.loc[cen, "lo"], out.loc[cen, "hi"], out.loc[cen, "moe"] = lo, hi, (hi - lo) / 2
    return out.drop(columns=["_se", "_df"])


YOY_MIN_MONTHS = 8  # levels needed before a year-on-year yardstick is trusted


def yoy_noise(months: list[date], values: list[float | None], month: date) -> tuple[float, int]:
    """(standard deviation of one month's level, degrees of freedom) for a year-on-year change.

    A change over twelve months of a persistent series carries the whole spread of its level,
    not the small step between neighbouring months: Var(x_t - x_t-12) = 2 (gamma0 - gamma12),
    about 2 gamma0 once twelve months have passed. So the yardstick is the spread of the levels
    of the twelve months before the judged one (sample SD, df = count - 1); passed as both
    sides' standard error it gives the change a standard error of SD * sqrt(2). A seasonal or
    trending series gets a wider yardstick, which is the cautious side. (nan, k) when fewer
    than YOY_MIN_MONTHS levels are known.
    """
    end = month_index(month)
    by = {month_index(m): v for m, v in zip(months, values, strict=True)
          if v is not None and math.isfinite(v)}
    levels = [by[i] for i in range(end - 12, end) if i in by]
    if len(levels) < YOY_MIN_MONTHS:
        return math.nan, len(levels)
    return float(np.std(levels, ddof=1)), len(levels) - 1
