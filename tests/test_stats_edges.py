"""Edges of queries/stats.py that a full mutation run (docs/testing.md) found unpinned: database
Decimals, empty samples without warnings, the materiality threshold at each precision, the pooled
net-score test when neither month has any spread, and a one-answer NPS interval by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from queries import stats
from tests.nps_reference import answers, pooled_z, quiet


def test_wilson_takes_decimals_and_an_empty_sample_is_nan_quietly() -> None:
    lo, hi = stats.wilson_arrays([Decimal(3), 0], [Decimal(10), 0])
    want = proportion_confint(3, 10, alpha=0.05, method="wilson")
    assert (lo[0], hi[0]) == pytest.approx(want, rel=1e-6)
    assert math.isnan(lo[1]) and math.isnan(hi[1])
    with quiet():
        lo, hi = stats.wilson_arrays([0, 4], [0, 4])  # 0/0 and 4/4
    assert math.isnan(lo[0]) and math.isnan(hi[0])
    assert hi[1] == 1.0 and lo[1] == pytest.approx(proportion_confint(4, 4, method="wilson")[0])


def test_adjusted_wald_one_answer_by_hand_and_decimals() -> None:
    """n = 1, one promoter: n + 3 = 4, p = 1.75/4, d = 0.75/4, SE = sqrt(0.5625 / 4) = 0.375;
    25 -/+ 1.96 x 37.5 = -48.5 to 98.5."""
    lo, hi = stats.nps_adjusted_wald_arrays([1], [0], [1])
    assert lo[0] == pytest.approx(25 - 100 * stats.Z95 * 0.375)
    assert hi[0] == pytest.approx(25 + 100 * stats.Z95 * 0.375)
    assert lo[0] == pytest.approx(-48.50, abs=0.01) and hi[0] == pytest.approx(98.50, abs=0.01)
    lo_d, hi_d = stats.nps_adjusted_wald_arrays([Decimal(1)], [Decimal(0)], [Decimal(1)])
    assert (lo_d[0], hi_d[0]) == pytest.approx((lo[0], hi[0]))


@pytest.mark.parametrize(("delta", "decimals", "min_change", "want"), [
    (0.5, 1, None, True),         # the default minimum is 0: one displayed unit is enough
    (0.095, 1, None, False),      # below one unit of 0.1
    (0.1, 1, None, True),
    (0.01 - 5e-8, 2, None, False),  # the float tolerance is 1e-9 of a unit, not more
    (1.0 - 1e-9, 0, None, True),  # exactly at the tolerance: still material
    (0.6, 1, 0.75, False),
    (-0.75, 1, 0.75, True),
])
def test_material_threshold(delta: float, decimals: int, min_change: float | None,
                            want: bool) -> None:
    args = (delta, decimals) if min_change is None else (delta, decimals, min_change)
    assert stats.material(*args) is want


def test_net_change_z_without_spread_in_either_month() -> None:
    """All promoters in both months: the pooled variance is 0 and there is no change (z 0)."""
    assert stats.net_change_z(100.0, 0.0, 5, 100.0, 0.0, 5) == 0.0
    assert stats.net_change_z(-100.0, 0.0, 3, -100.0, 0.0, 8) == 0.0
    assert math.isnan(stats.net_change_z(100.0, 0.0, 0, 100.0, 0.0, 5))


def test_change_p_of_a_net_score_uses_each_months_own_count() -> None:
    """Unequal months (60 and 50 answers): p from the pooled z of the answers written out."""
    now, before = (30, 10, 60), (20, 15, 50)
    v1, v0 = float(stats.nps_of(*now)), float(stats.nps_of(*before))
    s1, s0 = float(stats.nps_se(*now)), float(stats.nps_se(*before))
    z = pooled_z(now, before)
    got = stats.change_p(v1, s1, v0, s0, net_n=(60, 50))
    assert got == pytest.approx(2 * scipy_stats.norm.sf(abs(z)), rel=1e-9)
    assert stats.change_p(v1, s1, v0, s0, net_n=(50, 60)) != pytest.approx(got, rel=1e-3)


def test_proportion_and_nps_standard_errors_by_hand_decimals_and_empty() -> None:
    """SE of 3/10: sqrt(0.21 / 10); NPS SE of (3, 2, 7): 100 sqrt((5/7 - 1/49) / 7)."""
    se = stats.proportion_se([Decimal(3)], [Decimal(10)])
    assert se[0] == pytest.approx(math.sqrt(0.21 / 10))
    nse = stats.nps_se([Decimal(3)], [Decimal(2)], [Decimal(7)])
    assert nse[0] == pytest.approx(100 * math.sqrt((5 / 7 - 1 / 49) / 7))
    assert nse[0] == pytest.approx(answers(3, 2, 7).std() / 7**0.5)
    with quiet():
        empty_se, empty_nps_se = stats.proportion_se([0], [0]), stats.nps_se([0], [0], [0])
    assert math.isnan(empty_se[0]) and math.isnan(empty_nps_se[0])
