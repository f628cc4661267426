"""Census noise (queries/census.py) at its edges, every number worked out by hand.

Complements the census tests in test_rules.py: an interval clipped at 0 % (a referral rate near
zero), a frame without a `key` column (one unit, e.g. the company), and a unit with no history
at all (no interval, and no numpy warning on the page).
"""

from __future__ import annotations

import math
import warnings
from datetime import date

import pandas as pd
import pytest

from queries import census, scorecard

MONTH = date(2026, 10, 1)
_T6 = 2.4469118511449786  # scipy.stats.t.ppf(0.975, 6)


def _frame(series: dict[int, float], metric: str = "referral_rate", key: str | None = "D"):
    rows = [{"metric": metric, "month": scorecard.add_months(MONTH, off), "value": v,
             "se": 0.0, "df": math.nan, "lo": 0.0, "hi": 0.0, "moe": 0.0}
            for off, v in series.items()]
    if key is not None:
        for r in rows:
            r["key"] = key
    return pd.DataFrame(rows)


def _judged(out: pd.DataFrame) -> pd.Series:
    return out[out.month == MONTH].iloc[0]


def test_interval_near_zero_is_clipped_at_zero_not_above() -> None:
    # Referral rate 0.0, 0.2, 0.0, ... in months -7 .. -1: 6 changes of +-0.2, RMS 0.2, 6 df.
    # Judged month 0.1: se = 0.2 / sqrt 2 = 0.141421; half = 2.446912 * 0.141421 = 0.346046;
    # lo = 0.1 - 0.346046 = -0.246 -> 0 (a share), hi = 0.446046, moe = (0.446046 - 0) / 2.
    series = {-j: (0.2 if j % 2 == 0 else 0.0) for j in range(7, 0, -1)} | {0: 0.1}
    got = _judged(census.apply(_frame(series), MONTH))
    half = _T6 * 0.2 / math.sqrt(2)
    assert half == pytest.approx(0.346046, abs=1e-6)
    assert (got.se, got.df) == (pytest.approx(0.2 / math.sqrt(2)), 6)
    assert got.lo == 0.0
    assert got.hi == pytest.approx(0.1 + half)
    assert got.moe == pytest.approx((0.1 + half) / 2)


@pytest.mark.parametrize("key", ["key", None])
def test_one_unit_without_a_key_column(key) -> None:
    # The company alone has no `key` column. Retention 50, 52, 50, ... in months -7 .. -1:
    # 6 changes of +-2, RMS 2; judged 60: se = 2 / sqrt 2 = 1.414214 on 6 df,
    # half = 2.446912 * 1.414214 = 3.460456 -> (56.539544, 63.460456).
    series = {-j: (52.0 if j % 2 == 0 else 50.0) for j in range(7, 0, -1)} | {0: 60.0}
    frame = _frame(series, "retention_rate", key=None)
    assert "key" not in frame.columns
    got = _judged(census.apply(frame, MONTH, key=key))
    assert (got.se, got.df) == (pytest.approx(math.sqrt(2)), 6)
    assert (got.lo, got.hi) == (pytest.approx(56.539544), pytest.approx(63.460456))


def test_unit_with_no_history_gets_no_interval_and_no_warning() -> None:
    # A location opened this month: no earlier month, 0 changes -> no yardstick; the 0 / 0 of
    # its RMS must stay inside census.apply (a RuntimeWarning would reach the page's log).
    frame = pd.concat([_frame({0: 80.0}, key="new"),
                       _frame({-1: 5.0, 0: 6.0}, key="young")], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = census.apply(frame, MONTH)
    for _, row in out.iterrows():
        assert all(math.isnan(row[c]) for c in ("se", "df", "lo", "hi", "moe")), row.key
