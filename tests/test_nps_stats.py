"""The NPS helpers behind the movers, pay and gaming analyses, against hand values and against
the answers themselves: each side written out as +100 / 0 / -100 scores and summarised by NumPy."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from queries import stats
from tests.nps_reference import answers, pooled_z, quiet


def test_nps_of_by_hand() -> None:
    got = stats.nps_of([6, 3, 0], [2, 3, 0], [10, 8, 0])
    assert got[0] == pytest.approx(40.0) and got[1] == pytest.approx(0.0)
    assert math.isnan(got[2])  # no answers, no score


def test_nps_of_takes_database_decimals_and_warns_about_nothing() -> None:
    """PostgreSQL's SUM returns Decimal; an empty month must be NaN without a warning."""
    with quiet():
        got = stats.nps_of([Decimal(3)], [Decimal(1)], [Decimal(8)])
        empty = stats.nps_of([0], [0], [0])
    assert got.dtype == float and got[0] == pytest.approx(25.0)
    assert math.isnan(empty[0])


@pytest.mark.parametrize(("pos", "neg", "n"), [(3, 2, 7), (1, 0, 1), (0, 4, 4), (5, 5, 12)])
def test_nps_answer_variance_is_the_variance_of_the_answers(pos: int, neg: int, n: int) -> None:
    assert stats.nps_answer_variance(pos, neg, n) == pytest.approx(answers(pos, neg, n).var())


def test_nps_answer_variance_by_hand_and_without_answers() -> None:
    # p = 3/7, d = 2/7: 10^4 (5/7 - 1/49) = 10^4 * 34/49
    assert stats.nps_answer_variance(3, 2, 7) == pytest.approx(1e4 * 34 / 49)
    assert stats.nps_answer_variance(1, 0, 1) == 0.0  # one answer: no spread, not unknown
    assert math.isnan(stats.nps_answer_variance(0, 0, 0))


@pytest.mark.parametrize(("now", "before"), [
    ((30, 10, 60), (20, 15, 50)),
    ((2, 0, 2), (0, 1, 3)),  # a two-answer month of promoters: pooled, so not infinite
    ((7, 7, 20), (3, 9, 15)),
    ((1, 0, 10_000), (0, 0, 10_000)),  # a tiny pooled variance (< 1 point^2) is still used
    ((1, 0, 1), (0, 1, 4)),  # one answer this month is still a month to compare
    ((0, 1, 4), (1, 0, 1)),  # ... and last month
])
def test_nps_change_z_matches_the_answers(now: tuple, before: tuple) -> None:
    got = stats.nps_change_z(now, before)
    assert float(got) == pytest.approx(pooled_z(now, before), rel=1e-9)


def test_nps_change_z_by_hand() -> None:
    # pooled: 50 promoters, 25 detractors of 110 -> p = 5/11, d = 5/22; NPS 100/3 and 10
    p, d = 50 / 110, 25 / 110
    var = 1e4 * (p + d - (p - d) ** 2) * (1 / 60 + 1 / 50)
    want = (100 * 20 / 60 - 100 * 5 / 50) / math.sqrt(var)
    assert float(stats.nps_change_z((30, 10, 60), (20, 15, 50))) == pytest.approx(want)
    assert want == pytest.approx(1.5350, abs=1e-4)  # 23.33 / sqrt(231.06)


def test_nps_change_z_edges_vectorised() -> None:
    """No spread on either side: z 0 (no evidence of change); a side without answers: NaN."""
    with quiet():
        got = stats.nps_change_z(([5, 0, 3, 3], [0, 0, 1, 1], [5, 0, 5, 5]),
                                 ([5, 3, 0, 2], [0, 1, 0, 1], [5, 5, 0, 5]))
    assert got[0] == 0.0
    assert math.isnan(got[1]) and math.isnan(got[2])
    assert got[3] == pytest.approx(pooled_z((3, 1, 5), (2, 1, 5)))


def test_nps_change_z_takes_database_decimals() -> None:
    got = stats.nps_change_z((Decimal(30), Decimal(10), Decimal(60)),
                             (Decimal(20), Decimal(15), Decimal(50)))
    assert float(got) == pytest.approx(pooled_z((30, 10, 60), (20, 15, 50)))
