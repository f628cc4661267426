"""Property tests for the metric arithmetic (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queries import stats
from queries.evaluate import evaluate, totals
from tests.intervals import adjusted_wald, wilson

scores = st.lists(st.one_of(st.none(), st.integers(min_value=-3, max_value=13)), min_size=0,
                  max_size=200)


def nps_components(values: list[int | None]) -> dict[str, float]:
    """The same counting rule as the SQL: only non-NULL scores within 0-10 count."""
    valid = [v for v in values if v is not None and 0 <= v <= 10]
    return {"nps__n": len(valid), "nps__pos": sum(v >= 9 for v in valid),
            "nps__neg": sum(v <= 6 for v in valid)}


def _frame(rows: list[dict[str, float]]) -> pd.DataFrame:
    from queries.sql.compile import component_names

    cols = component_names("survey_responses")
    for t in ("loyalty_monthly", "leadership_monthly", "incentives_monthly", "culture_monthly"):
        cols += component_names(t)
    df = pd.DataFrame([{c: 0.0 for c in cols} | r for r in rows])
    df["key"] = [str(i) for i in range(len(rows))]
    return df


@settings(deadline=None)  # evaluate() builds a frame per metric: slow on a loaded 2-core box
@given(scores)
def test_nps_within_bounds_and_ignores_bad_scores(values):
    comps = nps_components(values)
    long = evaluate(_frame([comps]), (1 / 3, 1 / 3, 1 / 3), keys=["key"])
    nps = long[long.metric == "nps"].iloc[0]
    if comps["nps__n"] == 0:
        assert math.isnan(nps.value)  # no valid answer: no value, not 0
    else:
        assert -100 <= nps.value <= 100
        clean = [v for v in values if v is not None and 0 <= v <= 10]
        expected = 100 * (sum(v >= 9 for v in clean) - sum(v <= 6 for v in clean)) / len(clean)
        assert nps.value == pytest.approx(expected)


@given(st.integers(1, 500), st.integers(1, 500), st.integers(0, 10_000))
def test_margin_shrinks_with_n(a, b, n):
    p, d = a / (a + b + 1), b / (a + b + 1)
    small, big = n + 10, 4 * (n + 10)
    se_small = stats.nps_se(p * small, d * small, small)
    se_big = stats.nps_se(p * big, d * big, big)
    assert se_big <= se_small + 1e-12
    assert se_big == pytest.approx(se_small / 2, rel=1e-9)  # 4x the sample, half the margin


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), min_size=1, max_size=8))
def test_totals_are_ratio_of_sums(parts):
    rows = [{"retention_rate__num": min(k, n), "retention_rate__den": n} for k, n in parts]
    df = _frame(rows)
    df["month"] = "m"
    total = evaluate(totals(df, ["month"]), (1 / 3, 1 / 3, 1 / 3), keys=["month"])
    got = total[total.metric == "retention_rate"].iloc[0].value
    num, den = sum(min(k, n) for k, n in parts), sum(n for _, n in parts)
    if den == 0:
        assert math.isnan(got)
    else:
        assert got == pytest.approx(100 * num / den)


@given(st.integers(0, 300), st.integers(1, 300))
def test_wilson_contains_the_estimate(k, n):
    k = min(k, n)
    lo, hi = wilson(k, n)
    assert 0 <= lo <= k / n <= hi <= 1


@given(st.integers(0, 200), st.integers(0, 200), st.integers(0, 200))
def test_adjusted_wald_matches_the_score_distribution(p, d, extra):
    """The interval is the adjusted centre -+ 1.96 SE, the SE taken from the variance of the
    +1/0/-1 score under the adjusted shares (computed here as a weighted variance, not by the
    product's closed form), clamped to [-100, 100]."""
    n = p + d + extra
    if n == 0:
        return
    lo, hi = adjusted_wald(p, d, n)
    n2 = n + 3
    shares = np.array([(p + 0.75) / n2, (n - p - d + 1.5) / n2, (d + 0.75) / n2])
    assert shares.sum() == pytest.approx(1.0)
    scores = np.array([1.0, 0.0, -1.0])
    centre = float(np.average(scores, weights=shares))
    var = float(np.average((scores - centre) ** 2, weights=shares))
    half = 1.959963984540054 * math.sqrt(var / n2)
    assert lo == pytest.approx(max(-100.0, 100 * (centre - half)), abs=1e-9)
    assert hi == pytest.approx(min(100.0, 100 * (centre + half)), abs=1e-9)
    assert -100 <= lo < 100 * centre < hi <= 100  # never zero width, always around the centre


def test_published_worked_examples():
    # n = 324 with shares 1/2, 1/3 promoters/.. : promoters 162, detractors 54 -> NPS 33.3,
    # SE 4.14, 95% interval 25.2 to 41.4 (STACK_NOTES' published example).
    se = float(stats.nps_se(162, 54, 324))
    assert se == pytest.approx(4.14, abs=0.005)
    # n = 1000, 250 promoters, 75 detractors -> NPS 17.5, SE 1.716
    assert float(stats.nps_se(250, 75, 1000)) == pytest.approx(1.716, abs=0.0005)


def test_acsi_published_weights_example():
    # Item means 8, 7.5, 7 with weights .3885/.3190/.2925 give 72.76 (72.22 unweighted).
    row = {"acsi__o_sum": 8.0, "acsi__o_n": 1, "acsi__e_sum": 7.5, "acsi__e_n": 1,
           "acsi__i_sum": 7.0, "acsi__i_n": 1}
    long = evaluate(_frame([row]), (0.3885, 0.3190, 0.2925), keys=["key"])
    assert long[long.metric == "acsi"].iloc[0].value == pytest.approx(72.76, abs=0.005)
    long = evaluate(_frame([row]), (1 / 3, 1 / 3, 1 / 3), keys=["key"])
    assert long[long.metric == "acsi"].iloc[0].value == pytest.approx(72.22, abs=0.005)
