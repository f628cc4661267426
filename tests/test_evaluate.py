"""`queries.evaluate` on hand-made component rows: each kind of metric, its n, margin and flags.

No warehouse: the components are written directly (as the SQL would sum them), so every expected
number is a line of arithmetic in a comment, and the ACSI standard error is checked against the
response-level index computed from the raw answers with NumPy.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from queries.evaluate import evaluate, totals
from queries.registry import BY_NAME
from queries.sql.compile import component_names

EQUAL = (1 / 3, 1 / 3, 1 / 3)
TABLES = ("survey_responses", "loyalty_monthly", "leadership_monthly", "incentives_monthly",
          "culture_monthly")


def frame(*rows: dict[str, float], keys: list[str] | None = None) -> pd.DataFrame:
    cols = [c for t in TABLES for c in component_names(t)]
    df = pd.DataFrame([dict.fromkeys(cols, 0.0) | r for r in rows])
    df["key"] = keys or [f"k{i}" for i in range(len(rows))]
    return df


# What evaluate returns after the key columns, in this order (the page, CLI and pack read them).
OUT_COLUMNS = ["metric", "value", "numerator", "denominator", "n", "se", "moe", "lo", "hi",
               "df", "excluded", "low_confidence"]


def one(long: pd.DataFrame, metric: str, key: str = "k0") -> pd.Series:
    return long[(long.metric == metric) & (long.key == key)].iloc[0]


def test_output_shape_and_default_keys() -> None:
    df = frame({"responses__n": 5}, {"responses__n": 7})
    df["month"] = ["2026-09", "2026-10"]
    long = evaluate(df, EQUAL)  # keys found by name: key and month
    assert list(long.columns) == ["key", "month", *OUT_COLUMNS]
    assert len(long) == 2 * len(BY_NAME)
    assert one(long, "responses", "k1").month == "2026-10"
    assert list(evaluate(df, EQUAL, keys=["key"]).columns) == ["key", *OUT_COLUMNS]


def test_sampled_ratio_retention() -> None:
    # 45 retained of 50: 90%; sampled: n = 50 customers, SE = 100 sqrt(.9 .1 / 50) = 4.2426,
    # margin 1.96 x 4.2426 = 8.3154; 3 rows excluded; n 50 >= 30: not low confidence.
    long = evaluate(frame({"retention_rate__num": 45, "retention_rate__den": 50,
                           "retention_rate__rows": 2, "retention_rate__bad": 3}), EQUAL)
    r = one(long, "retention_rate")
    assert (r.value, r.numerator, r.denominator, r.n) == (pytest.approx(90.0), 45, 50, 50)
    assert r.se == pytest.approx(4.242641, abs=1e-6)
    assert r.excluded == 3 and not r.low_confidence


def test_unsampled_ratio_counts_rows_and_has_no_margin() -> None:
    # Executive owner: 3 locations with an owner of 4 reporting -> 75%; not a sample, so n is the
    # number of rows (4), with no standard error.
    long = evaluate(frame({"exec_owner_share__num": 3, "exec_owner_share__den": 4,
                           "exec_owner_share__rows": 4}), EQUAL)
    r = one(long, "exec_owner_share")
    assert r.value == pytest.approx(75.0) and r.n == 4
    assert math.isnan(r.se) and math.isnan(r.moe)
    # Listening hours: 9 hours / 6 leaders = 1.5 h (scale 1).
    long = evaluate(frame({"listening_hours_per_leader__num": 9,
                           "listening_hours_per_leader__den": 6,
                           "listening_hours_per_leader__rows": 2}), EQUAL)
    assert one(long, "listening_hours_per_leader").value == pytest.approx(1.5)


def test_zero_denominator_is_no_value_not_infinity() -> None:
    long = evaluate(frame({"retention_rate__num": 5, "retention_rate__den": 0}), EQUAL)
    r = one(long, "retention_rate")
    assert math.isnan(r.value) and math.isnan(r.se)


def test_net_counts_enps() -> None:
    # 10 promoters, 4 detractors of 20 -> eNPS 100 (10 - 4) / 20 = 30; numerator 6, n 20;
    # SE = 100 sqrt((.5 + .2 - .09) / 20) = 17.4642; n 20 < 30 -> low confidence.
    long = evaluate(frame({"enps__pos": 10, "enps__neg": 4, "enps__n": 20, "enps__bad": 1}),
                    EQUAL)
    r = one(long, "enps")
    assert (r.value, r.numerator, r.denominator, r.n) == (pytest.approx(30.0), 6, 20, 20)
    assert r.se == pytest.approx(17.464249, abs=1e-6) and r.excluded == 1 and r.low_confidence


@pytest.mark.parametrize(("n", "low"), [(29, True), (30, False), (31, False)])
def test_low_confidence_below_min_n_only(n: int, low: bool) -> None:
    assert BY_NAME["nps"].min_n == 30
    long = evaluate(frame({"nps__pos": n // 2, "nps__neg": 0, "nps__n": n}), EQUAL)
    assert bool(one(long, "nps").low_confidence) is low


def test_response_count() -> None:
    long = evaluate(frame({"responses__n": 12}), EQUAL)
    r = one(long, "responses")
    assert (r.value, r.numerator, r.n, r.excluded) == (12, 12, 12, 0)
    assert math.isnan(r.denominator) and math.isnan(r.se)


ANSWERS = np.array([(9, 7, 8), (4, 6, 5), (10, 9, 10), (2, 3, 1), (7, 7, 6)], dtype=float)


def acsi_components(answers: np.ndarray) -> dict[str, float]:
    """Item sums and squares, and pairwise sums and cross-products, of complete answers, as
    compile.survey_components sums them."""
    o, e, i = answers.T
    items = {"o": o, "e": e, "i": i}
    out = {f"acsi__{k}_sum": float(v.sum()) for k, v in items.items()}
    out |= {f"acsi__{k}_n": float(len(v)) for k, v in items.items()}
    out |= {f"acsi__{k}_sq": float((v * v).sum()) for k, v in items.items()}
    for a, b in ("oe", "oi", "ei"):
        out |= {f"acsi__p_{a}{b}_n": float(len(answers)), f"acsi__p_{a}{b}_a": float(
            items[a].sum()), f"acsi__p_{a}{b}_b": float(items[b].sum()),
            f"acsi__p_{a}{b}_ab": float((items[a] * items[b]).sum())}
    return out


@pytest.mark.parametrize("weights", [EQUAL, (0.3885, 0.3190, 0.2925), (0.6, 0.3, 0.1)])
def test_acsi_value_and_se_match_the_response_level_index(weights) -> None:
    # Reference: each answer's own index sum_k w_k (x_k - 1) / 9 * 100; the value is their mean,
    # the SE their sample standard deviation / sqrt(n).
    per_answer = ((ANSWERS - 1) / 9 * 100) @ np.array(weights)
    long = evaluate(frame(acsi_components(ANSWERS)), weights)
    r = one(long, "acsi")
    assert r.value == pytest.approx(per_answer.mean())
    assert r.se == pytest.approx(per_answer.std(ddof=1) / math.sqrt(len(ANSWERS)))
    assert r.n == 5
    assert math.isnan(r.numerator) and math.isnan(r.denominator)


def test_acsi_by_hand_equal_weights() -> None:
    # Means 6.4, 6.4, 6.0 -> (5.4 + 5.4 + 5.0) / 27 * 100 = 58.5185
    long = evaluate(frame(acsi_components(ANSWERS)), EQUAL)
    assert one(long, "acsi").value == pytest.approx(1580 / 27, abs=1e-9)


def test_acsi_se_needs_two_complete_answers() -> None:
    long = evaluate(frame(acsi_components(ANSWERS[:1])), EQUAL)
    r = one(long, "acsi")
    assert r.value == pytest.approx(((ANSWERS[0] - 1) / 9 * 100).mean())
    assert math.isnan(r.se)


def test_acsi_n_is_the_smallest_item_count() -> None:
    comps = acsi_components(ANSWERS) | {"acsi__e_n": 3.0, "acsi__e_sum": 18.0}
    assert one(evaluate(frame(comps), EQUAL), "acsi").n == 3


def test_totals_sum_components_over_other_keys() -> None:
    df = frame({"retention_rate__num": 45, "retention_rate__den": 50},
               {"retention_rate__num": 10, "retention_rate__den": 20},
               {"retention_rate__num": 7, "retention_rate__den": 10}, keys=["a", "b", "c"])
    df["month"] = ["m1", "m1", "m2"]
    by_month = totals(df, ["month"]).set_index("month")
    # m1: (45 + 10) / (50 + 20) = 78.57% (a ratio of sums, not the mean of 90% and 50%)
    assert by_month.loc["m1", "retention_rate__num"] == 55
    assert by_month.loc["m1", "retention_rate__den"] == 70
    assert by_month.loc["m2", "retention_rate__den"] == 10
    everything = totals(df, [])
    assert len(everything) == 1 and everything["retention_rate__den"].iloc[0] == 80
    assert "key" not in everything.columns


def test_acsi_n_is_per_row() -> None:
    small = acsi_components(ANSWERS[:2])  # 2 complete answers
    long = evaluate(frame(acsi_components(ANSWERS), small), EQUAL)
    assert one(long, "acsi", "k0").n == 5 and one(long, "acsi", "k1").n == 2


def test_totals_keep_rows_without_a_key() -> None:
    # A location with no region in the dimension table groups under a missing key; its
    # customers must still count (dropping them would change the company's ratio of sums).
    df = frame({"retention_rate__num": 45, "retention_rate__den": 50},
               {"retention_rate__num": 10, "retention_rate__den": 20},
               {"retention_rate__num": 7, "retention_rate__den": 10}, keys=["a", "a", None])
    out = totals(df, ["key"])
    assert len(out) == 2 and out["retention_rate__den"].sum() == 80
    assert out[out["key"].isna()]["retention_rate__num"].iloc[0] == 7


@pytest.mark.parametrize("answers", [
    [(9, 7, 8), (4, 6, 5)],  # two answers: the smallest sample with a standard error
    [(5, 5, 5), (5, 5, 6)],  # nearly identical: variance below 1 point^2 must stay as it is
    [(5, 5, 5), (5, 5, 5), (5, 5, 5)],  # identical: SE exactly 0
])
def test_acsi_se_small_samples(answers) -> None:
    a = np.array(answers, dtype=float)
    per_answer = ((a - 1) / 9 * 100) @ np.array(EQUAL)
    r = one(evaluate(frame(acsi_components(a)), EQUAL), "acsi")
    # e.g. (5,5,5), (5,5,6): indexes 44.444 and 48.148; sample SD 2.619, SE 2.619 / sqrt 2 = 1.852
    assert r.se == pytest.approx(per_answer.std(ddof=1) / math.sqrt(len(a)), abs=1e-9)


def test_unsampled_ratio_n_is_rows_not_denominator() -> None:
    # Listening hours: 9 hours over 6 leaders, reported by 2 locations -> n = 2 locations.
    long = evaluate(frame({"listening_hours_per_leader__num": 9,
                           "listening_hours_per_leader__den": 6,
                           "listening_hours_per_leader__rows": 2}), EQUAL)
    assert one(long, "listening_hours_per_leader").n == 2


def test_output_is_float_with_a_unique_index_even_from_integer_components() -> None:
    # Drivers may return integer sums; every number leaving evaluate is float64 (NaN-able), and
    # the long frame has one label per row (the page and the pack select rows by label).
    df = frame({"responses__n": 5, "retention_rate__num": 4, "retention_rate__den": 5,
                "retention_rate__rows": 1, "enps__pos": 2, "enps__neg": 1, "enps__n": 4},
               {"responses__n": 7})
    comps = [c for c in df.columns if "__" in c]
    df[comps] = df[comps].astype("int64")
    long = evaluate(df, EQUAL, keys=["key"])
    for col in ("value", "numerator", "denominator", "n", "se", "moe", "excluded"):
        assert long[col].dtype == np.float64, col
    assert long.index.equals(pd.RangeIndex(len(long)))


def test_each_kind_carries_its_one_interval() -> None:
    from statsmodels.stats.proportion import proportion_confint

    # Sampled proportion: 48 h follow-up 7 of 20 -> Wilson (statsmodels), in percent.
    # NPS 3 promoters, 2 detractors of 7 -> adjusted Wald -39.58 .. 59.58 (docs/testing.md).
    # eNPS (counts, not scores): its excluded rows are its own, never the NPS null answers.
    long = evaluate(frame({"detractor_followup_48h__num": 7, "detractor_followup_48h__den": 20,
                           "detractor_followup_48h__rows": 3,
                           "nps__pos": 3, "nps__neg": 2, "nps__n": 7, "nps__bad": 1,
                           "nps__null": 2, "enps__pos": 1, "enps__neg": 1, "enps__n": 3,
                           "enps__bad": 4, "responses__n": 9}), EQUAL)
    f = one(long, "detractor_followup_48h")
    ref_lo, ref_hi = proportion_confint(7, 20, alpha=0.05, method="wilson")
    assert (f.lo, f.hi) == (pytest.approx(100 * ref_lo), pytest.approx(100 * ref_hi))
    assert f.moe == pytest.approx(50 * (ref_hi - ref_lo)) and math.isnan(f.df)
    nps = one(long, "nps")
    assert (nps.lo, nps.hi) == (pytest.approx(-39.58, abs=0.01), pytest.approx(59.58, abs=0.01))
    assert nps.moe == pytest.approx(49.58, abs=0.01)
    assert nps.excluded == 3 and one(long, "enps").excluded == 4  # 1 bad + 2 null; 4 bad
    # Not a sample (a share of locations, a count): no interval at all.
    for name in ("exec_owner_share", "responses"):
        r = one(long, name)
        assert math.isnan(r.lo) and math.isnan(r.hi) and math.isnan(r.moe), name


@pytest.mark.parametrize(("answers", "clipped"), [
    ([(10, 10, 10), (10, 10, 9), (10, 10, 10)], "hi"),  # 98.77 + 1.96 x 1.23 > 100
    ([(1, 1, 1), (1, 1, 2), (1, 1, 1)], "lo"),  # 1.23 - 1.96 x 1.23 < 0
    ([(9, 7, 8), (4, 6, 5), (10, 9, 10), (2, 3, 1), (7, 7, 6)], None),
])
def test_acsi_interval_is_value_plus_minus_z_se_within_the_scale(answers, clipped) -> None:
    a = np.array(answers, dtype=float)
    per_answer = ((a - 1) / 9 * 100) @ np.array(EQUAL)
    mean, se = per_answer.mean(), per_answer.std(ddof=1) / math.sqrt(len(a))
    r = one(evaluate(frame(acsi_components(a)), EQUAL), "acsi")
    lo, hi = mean - 1.959963984540054 * se, mean + 1.959963984540054 * se
    assert r.lo == (0.0 if clipped == "lo" else pytest.approx(lo))
    assert r.hi == (100.0 if clipped == "hi" else pytest.approx(hi))
    assert r.moe == pytest.approx((r.hi - r.lo) / 2)


def _items_without_complete_answers(pairs: dict[str, tuple[float, float, float]]) -> dict:
    """Items answered by different responses: o by {1, 3}, e by {5, 7}, i by {4, 6} (each mean
    2, 6, 5; each sample variance 2), with the pairwise sums given per pair (n, a, b, ab)."""
    comps = {"acsi__o_n": 2.0, "acsi__o_sum": 4.0, "acsi__o_sq": 10.0,
             "acsi__e_n": 2.0, "acsi__e_sum": 12.0, "acsi__e_sq": 74.0,
             "acsi__i_n": 2.0, "acsi__i_sum": 10.0, "acsi__i_sq": 52.0}
    for pair, (n, a, b, ab) in pairs.items():
        comps |= {f"acsi__p_{pair}_n": n, f"acsi__p_{pair}_a": a, f"acsi__p_{pair}_b": b,
                  f"acsi__p_{pair}_ab": ab}
    return comps


# Value: ((2 - 1) + (6 - 1) + (5 - 1)) / 3 / 9 * 100 = 1000 / 27 = 37.037.
# Variance with no covariance: sum_k (1/3)^2 * s_k^2 / n_k = 3 * (1/9) * (2 / 2) = 1/3,
# SE = 100 / 9 * sqrt(1/3) = 6.4150.
ACSI_NO_COVARIANCE_SE = 100 / 9 * math.sqrt(1 / 3)


def test_acsi_items_answered_by_different_responses_add_no_covariance() -> None:
    comps = _items_without_complete_answers({p: (0.0, 0.0, 0.0, 0.0) for p in ("oe", "oi", "ei")})
    r = one(evaluate(frame(comps), EQUAL), "acsi")
    assert r.value == pytest.approx(1000 / 27)
    assert r.se == pytest.approx(ACSI_NO_COVARIANCE_SE)


def test_acsi_a_pair_answered_by_one_response_adds_no_covariance() -> None:
    # Responses (o=1, e=5), (o=3, i=4), (e=7, i=6): each pair of items shares one response, and
    # a covariance over one response is undefined, so it adds nothing (not NaN, not a guess).
    comps = _items_without_complete_answers({"oe": (1.0, 1.0, 5.0, 5.0),
                                             "oi": (1.0, 3.0, 4.0, 12.0),
                                             "ei": (1.0, 7.0, 6.0, 42.0)})
    r = one(evaluate(frame(comps), EQUAL), "acsi")
    assert r.se == pytest.approx(ACSI_NO_COVARIANCE_SE)


def test_acsi_all_lowest_answers_give_a_zero_width_interval_at_zero() -> None:
    # Every item answered 1 by three responses: index 0, no spread, SE 0 -> interval 0 to 0.
    r = one(evaluate(frame(acsi_components(np.ones((3, 3)))), EQUAL), "acsi")
    assert (r.value, r.se, r.lo, r.hi) == (0.0, 0.0, 0.0, 0.0)


def test_output_is_float_for_a_single_integer_metric() -> None:
    # With one metric there is no other metric's NaN to make pandas upcast the long frame: the
    # float64 columns must come from evaluate itself (45 of 50 retained, 2 rows, 3 excluded).
    df = frame({"retention_rate__num": 45, "retention_rate__den": 50,
                "retention_rate__rows": 2, "retention_rate__bad": 3})
    comps = [c for c in df.columns if "__" in c]
    df[comps] = df[comps].astype("int64")
    long = evaluate(df, EQUAL, keys=["key"], metrics=(BY_NAME["retention_rate"],))
    for col in ("value", "numerator", "denominator", "n", "se", "excluded"):
        assert long[col].dtype == np.float64, col
    r = long.iloc[0]
    assert (r.numerator, r.denominator, r.n, r.excluded) == (45.0, 50.0, 50.0, 3.0)
