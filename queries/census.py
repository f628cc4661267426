"""Month-to-month noise of census metrics (retention, referral), from each unit's own history.

Retention and referral count the whole customer base, not a sample of it, yet they still move
from month to month for reasons no one chose (who happened to be due, a busy week). That noise is
larger than a binomial model says: on the demo 12% / 10% of location-months came out as
"significant" changes under a binomial test, against 3.9% for NPS. So each unit (the scope, each
child) gets its own yardstick: the root-mean-square of its month-to-month changes over the
months before the one being judged (up to 12 changes, at least MIN_CHANGES). A change is then
judged by Student's t with that many degrees of freedom, and the interval of a month's value is
value +- t * RMS / sqrt(2) (one month's share of the noise of a difference of two months).
Too short a history gives no interval and no change call ("n/a"), never a guess.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from queries.registry import METRICS
from queries.stats import t_quantile

CENSUS = tuple(m.name for m in METRICS if m.census)
HISTORY = 12  # changes looked at, ending with the one into the month before the judged month
MIN_CHANGES = 6  # fewer: not enough history to tell noise from change


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def noise_of_series(months: list[date], values: list[float], month: date) -> tuple[float, int]:
    """(RMS of month-to-month changes, number of changes) over the HISTORY changes that end at
    the month before `month`; (nan, k) with fewer than MIN_CHANGES. Only consecutive months with
    values on both sides count as a change."""
    end = _month_index(month) - 1
    by = {_month_index(m): v for m, v in zip(months, values, strict=True)
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
    band in the judged month is exactly the tile's interval.
    """
    if long.empty:
        return long
    out = long.copy()
    mask = out["metric"].isin(CENSUS)
    if not mask.any():
        return out
    group_cols = ["metric"] + ([key] if key and key in out.columns else [])
    for _, idx in out[mask].groupby(group_cols, dropna=False).groups.items():
        part = out.loc[idx]
        rms, k = noise_of_series(list(part["month"]), list(part["value"]), month)
        if math.isnan(rms):
            out.loc[idx, ["se", "df", "lo", "hi", "moe"]] = np.nan
            continue
        level_sd = rms / math.sqrt(2)
        half = t_quantile(k) * level_sd
        v = part["value"].to_numpy(float)
        out.loc[idx, "se"] = level_sd
        out.loc[idx, "df"] = float(k)
        out.loc[idx, "lo"] = np.clip(v - half, 0, 100)
        out.loc[idx, "hi"] = np.clip(v + half, 0, 100)
        out.loc[idx, "moe"] = (out.loc[idx, "hi"] - out.loc[idx, "lo"]) / 2
    return out
