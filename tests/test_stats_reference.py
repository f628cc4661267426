"""Every statistical call against an independent reference: SciPy, statsmodels, a bootstrap, and
simulations where nothing changes (issue 10)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from queries import census, scorecard, stats
from queries import scope as sc
from queries.evaluate import evaluate
from queries.insights.rank import paule_mandel_tau2, rank_intervals, shrink
from queries.registry import BY_NAME
from tests import reference_stats as hand
from tests.stats_sim import MONTH, MONTHS, child_components, children_long

# --- Student t, Benjamini-Hochberg, intervals ---------------------------------------------


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 29, 30])
def test_t_distribution_matches_the_abramowitz_stegun_series(df):
    # The run-time t comes from SciPy (scipy.special.stdtr/stdtrit); the reference is the
    # closed-form series for integer df and a bisection on it (tests/reference_stats.py).
    for t in (0.0, 0.3, 1.0, 1.96, 2.5, 4.0, 12.0, -2.5):
        assert stats.t_two_sided_p(t, df) == pytest.approx(hand.t_two_sided_p(t, df), abs=1e-12)
    assert stats.t_quantile(df) == pytest.approx(hand.t_quantile(df), rel=1e-9)
    assert stats.t_quantile(df, 0.1) == pytest.approx(hand.t_quantile(df, 0.1), rel=1e-9)


def test_t_quantile_matches_published_tables():
    # Two-sided 5% critical values of Student's t as printed in statistics tables (e.g. NIST/
    # SEMATECH e-Handbook 1.3.6.7.2): df 1, 2, 5, 11, 30.
    for df, table in ((1, 12.706), (2, 4.303), (5, 2.571), (11, 2.201), (30, 2.042)):
        assert stats.t_quantile(df) == pytest.approx(table, abs=5e-4)


def test_benjamini_hochberg_matches_statsmodels():
    rng = np.random.default_rng(7)
    for _ in range(50):
        p = np.concatenate([rng.uniform(0, 1, 40), rng.uniform(0, 0.004, rng.integers(0, 6))])
        reject, q = stats.benjamini_hochberg(p, 0.05)
        ref_reject, ref_q, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
        assert (reject == ref_reject).all()
        assert q == pytest.approx(ref_q, abs=1e-12)
    # NaN (no test possible) is never rejected and does not count in the family
    reject, q = stats.benjamini_hochberg([0.001, np.nan, 0.02])
    ref_reject, ref_q, _, _ = multipletests([0.001, 0.02], method="fdr_bh")
    assert list(reject) == [ref_reject[0], False, ref_reject[1]]
    assert math.isnan(q[1]) and q[[0, 2]] == pytest.approx(ref_q)


def test_wilson_arrays_match_statsmodels_and_zero_of_thirty_is_not_plus_minus_zero():
    k = np.array([0, 1, 5, 15, 29, 30, 300])
    n = np.array([30, 30, 30, 30, 30, 30, 1000])
    lo, hi = stats.wilson_arrays(k, n)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert lo == pytest.approx(ref_lo, abs=1e-9) and hi == pytest.approx(ref_hi, abs=1e-9)
    # 0/30 (a sampled proportion, e.g. 48 h follow-up): [0, 11.35] %, never "±0"
    m = BY_NAME["detractor_followup_48h"]
    long = evaluate(_ratio_frame(m.name, 0, 30), (1 / 3,) * 3, keys=["key"])
    row = long[long.metric == m.name].iloc[0]
    assert (row.lo, row.hi) == (0.0, pytest.approx(100 * ref_hi[0]))
    text = stats.margin_text(row.value, row.lo, row.hi, m.decimals)
    assert text == "0.0 to 11.4" and "±0" not in text


def test_nps_n30_tile_margin_is_the_intervals_half_width():
    # 15 promoters, 6 detractors of 30 -> NPS 30. Adjusted-Wald: n' = 33, p' = 15.75/33 = .47727,
    # d' = 6.75/33 = .20455, centre .27273, SE' = sqrt((.68182 - .27273^2) / 33) = .13567,
    # interval 100 * (.27273 -+ 1.95996 * .13567) = [0.68, 53.86]. The Wald margin would be
    # 1.96 * 100 * sqrt((.7 - .09) / 30) = 27.95: not what is shown any more.
    long = evaluate(_nps_frame(15, 6, 30), (1 / 3,) * 3, keys=["key"])
    row = long[long.metric == "nps"].iloc[0]
    assert (row.lo, row.hi) == (pytest.approx(0.68, abs=0.01), pytest.approx(53.86, abs=0.01))
    assert row.moe == pytest.approx((row.hi - row.lo) / 2)
    # centred at 27.3, not at 30: the views show its ends, not a misleading "±26.6"
    assert stats.margin_text(row.value, row.lo, row.hi, 0) == "1 to 54"
    # a large sample is symmetric at the shown precision: the ± is the half-width
    long = evaluate(_nps_frame(500, 200, 1000), (1 / 3,) * 3, keys=["key"])
    row = long[long.metric == "nps"].iloc[0]
    assert stats.margin_text(row.value, row.lo, row.hi, 0) == f"±{row.moe:.0f}"


def _frame_with(values: dict[str, float]) -> pd.DataFrame:
    from queries.sql.compile import component_names
    from queries.sql.schema import MONTHLY_TABLES

    names = ["responses__n"] + component_names("survey_responses")
    for t in MONTHLY_TABLES:
        names += component_names(t)
    return pd.DataFrame([dict.fromkeys(names, 0.0) | {"key": "X"} | values])


def _nps_frame(pos: int, neg: int, n: int) -> pd.DataFrame:
    return _frame_with({"nps__pos": pos, "nps__neg": neg, "nps__n": n, "responses__n": n})


def _ratio_frame(name: str, num: float, den: float) -> pd.DataFrame:
    return _frame_with({f"{name}__num": num, f"{name}__den": den, f"{name}__rows": 1})


# --- materiality ---------------------------------------------------------------------------


def test_unchanged_at_displayed_precision_is_no_change():
    from presentation import fmt

    m = BY_NAME["recognitions_per_employee"]  # 0.5312 -> 0.5281 shows as 0.53 -> 0.53
    assert stats.change_call(0.5281, None, 0.5312, None, m.sampled, m.decimals,
                             m.min_change) == "steady"
    assert fmt.delta_parts(m, 0.5281 - 0.5312, "steady") == ("no change", "off", "")
    pay = BY_NAME["cx_linked_pay_share"]  # -0.06 points of CX-linked pay: no red arrow
    assert stats.change_call(24.94, None, 25.00, None, pay.sampled, pay.decimals,
                             pay.min_change) == "steady"
    assert fmt.delta_parts(pay, -0.06, "steady") == ("no change", "off", "")
    # a change that matters still gets its arrow: -1.2 points
    assert stats.change_call(23.8, None, 25.0, None, False, pay.decimals, pay.min_change) == "fall"
    assert fmt.delta_parts(pay, -1.2, "fall")[2] == "▼"  # an arrow (the redesign's glyph)


# --- census noise (retention, referral) ------------------------------------------------------


def _census_null(seed: int, units: int = 400, months: int = 14, extra: float = 0.006):
    """Retention of `units` customer bases whose propensity never changes, with extra-binomial
    month-to-month noise (sd `extra`): (rates units x months, starts)."""
    rng = np.random.default_rng(seed)
    start = rng.integers(800, 2000, units)
    keep = np.clip(0.90 + rng.normal(0, extra, (units, months)), 0, 1)
    return 100 * rng.binomial(start[:, None], keep) / start[:, None], start


def test_census_false_call_rate_under_a_null_is_about_five_percent():
    calls = binomial_calls = tested = 0
    for seed in range(5):
        rates, start = _census_null(seed)
        for i in range(rates.shape[0]):
            months = list(MONTHS[-14:]) if len(MONTHS) >= 14 else _months(14)
            rms, k = census.noise_of_series(months, list(rates[i]), months[-1])
            se = rms / math.sqrt(2)
            p = stats.change_p(rates[i, -1], se, rates[i, -2], se, k)
            calls += p < 0.05
            b = [stats.proportion_se(r / 100 * s, s) * 100 for r, s in
                 ((rates[i, -1], start[i]), (rates[i, -2], start[i]))]
            binomial_calls += stats.change_p(rates[i, -1], b[0], rates[i, -2], b[1]) < 0.05
            tested += 1
    # Measured: 5.15% false calls with the history-based yardstick, 11.0% under a binomial
    # model (2,000 unit-months with an extra-binomial sd of 0.6 points, as on the demo).
    assert calls / tested <= 0.06
    assert binomial_calls / tested > 0.08


def _months(k: int) -> list[date]:
    return [scorecard.add_months(MONTH, -j) for j in range(k - 1, -1, -1)]


def test_unchanged_census_values_are_steady():
    months = _months(13)
    values = [90.0, 90.4, 89.7, 90.2, 90.0, 89.9, 90.3, 90.1, 89.8, 90.2, 90.0, 90.1, 90.1]
    rms, k = census.noise_of_series(months, values, months[-1])
    # 11 changes into months -1 .. -11 (the 12th needs a value before the window)
    assert k == 11
    assert rms == pytest.approx(math.sqrt(np.mean(np.square(np.diff(values[:-1])))))
    se = rms / math.sqrt(2)
    m = BY_NAME["retention_rate"]
    assert stats.change_call(90.1, se, 90.1, se, True, m.decimals, m.min_change, k) == "steady"
    # the same series through the vectorised path gives the same yardstick and interval
    long = pd.DataFrame({"metric": "retention_rate", "month": months, "value": values,
                         "se": 0.0, "df": np.nan, "lo": 0.0, "hi": 0.0, "moe": 0.0})
    out = census.apply(long, months[-1], key=None)
    last = out.iloc[-1]
    half = stats.t_quantile(11) * se
    assert last.se == pytest.approx(se) and last.df == 11
    assert (last.lo, last.hi) == (pytest.approx(90.1 - half), pytest.approx(90.1 + half))
    # too little history: no interval, no call
    short = census.apply(long.iloc[-4:], months[-1], key=None)
    assert short.se.isna().all() and short.lo.isna().all()


def test_census_apply_matches_the_unit_by_unit_reference():
    long = children_long(child_components(3, children=12))
    for (key, metric), part in long[long.metric.isin(census.CENSUS)].groupby(["key", "metric"]):
        rms, k = census.noise_of_series(list(part.month), list(part.value), MONTH)
        assert part.se.iloc[0] == pytest.approx(rms / math.sqrt(2)), (key, metric)
        assert part.df.iloc[0] == k


# --- movers: false-discovery control ---------------------------------------------------------

def _movers_of(long: pd.DataFrame) -> tuple[list[dict], pd.DataFrame]:
    now, before = long[long.month == MONTH], long[long.month == MONTHS[-2]]
    return scorecard.movers(sc.Scope(), now, before), scorecard.mover_tests(now, before)


# Per commit 40 seeded simulations (seconds); the 200 of the measured rate behind `slow`.
@pytest.mark.parametrize("seeds", [40, pytest.param(200, marks=pytest.mark.slow)])
def test_movers_in_a_scope_where_nothing_changes(seeds):
    """55 children x 5 headline metrics, nothing changes: a scope shows any mover in at most
    ~5% of simulations (BH at q = 0.05 controls exactly that under a complete null)."""
    with_movers = uncorrected = 0
    for seed in range(seeds):
        movers, tests = _movers_of(children_long(child_components(seed)))
        assert len(tests) > 250  # the whole family is tested, not a pre-selected few
        with_movers += bool(movers)
        uncorrected += bool((tests.p < 0.05).any())
    rate = with_movers / seeds
    # Measured: 2 of the first 40 scopes (5.0%), 12 of 200 (6.0%). The binomial 95% upper limit
    # of 5% over n runs is 5% + 1.645 sqrt(.05 * .95 / n): 10.7% for 40, 7.5% for 200. The old
    # rule (each test at 5%): every scope.
    assert rate <= 0.05 + 1.645 * math.sqrt(0.05 * 0.95 / seeds)
    assert uncorrected / seeds > 0.9


def test_a_planted_change_is_still_found():
    found = 0
    for seed in range(20):
        movers, tests = _movers_of(children_long(child_components(1000 + seed,
                                                                  planted="C07")))
        found += any(m["key"] == "C07" and m["metric"] == "nps" and m["good"] for m in movers)
        hit = tests[(tests.key == "C07") & (tests.metric == "nps")].iloc[0]
        assert hit.q <= 0.05 or not hit.significant
    assert found == 20  # NPS +40 points at n ~ 300: found every time, after correction


def test_mover_p_values_match_the_references():
    movers, tests = _movers_of(children_long(child_components(5, planted="C07")))
    for r in tests.itertuples():
        m = BY_NAME[r.metric]
        if m.census:  # Student t on the unit's own history
            t = (r.value - r.value_prev) / math.hypot(r.se, r.se_prev)
            assert r.p == pytest.approx(hand.t_two_sided_p(t, int(r.df)), abs=1e-9)
        elif m.kind == "acsi":
            z = (r.value - r.value_prev) / math.hypot(r.se, r.se_prev)
            assert r.p == pytest.approx(2 * sps.norm.sf(abs(z)), abs=1e-9)
    ref = multipletests(tests.p, method="fdr_bh")[1]
    assert tests.q.to_numpy() == pytest.approx(ref)
    assert {m["key"] for m in movers} >= {"C07"}
    assert all(m["q_value"] <= 0.05 for m in movers)


def test_net_score_change_z_pools_both_months_like_statsmodels():
    # NPS as the mean of +100/0/-100 scores; under "no change" both months share the variance.
    from statsmodels.stats.weightstats import ztest

    a = np.repeat([100.0, 0.0, -100.0], [30, 12, 8])  # n 50, NPS 44
    b = np.repeat([100.0, 0.0, -100.0], [18, 20, 12])  # n 50, NPS 12
    v1, v0 = a.mean(), b.mean()
    se1 = float(stats.nps_se(30, 8, 50))
    se0 = float(stats.nps_se(18, 12, 50))
    z = stats.net_change_z(v1, se1, 50, v0, se0, 50)
    pooled = np.concatenate([a, b])
    ref = (v1 - v0) / math.sqrt(pooled.var() * (1 / 50 + 1 / 50))
    assert z == pytest.approx(ref, rel=1e-9)
    assert z == pytest.approx(ztest(a, b)[0], rel=0.02)  # ztest: unpooled-ish ddof=1 variant


# --- fair rank --------------------------------------------------------------------------------


def test_paule_mandel_matches_statsmodels_where_the_moment_estimate_collapses():
    rng = np.random.default_rng(11)
    collapsed = 0
    for _ in range(30):
        k = 40
        n = rng.integers(30, 200, k).astype(float)
        n[:2] = rng.integers(1, 5, 2)  # one or two units with 1-4 answers
        true = 44 + rng.normal(0, 9.0, k)
        v = 7000 / n
        x = true + rng.normal(0, np.sqrt(v))
        tau2 = paule_mandel_tau2(x, v)
        assert tau2 == pytest.approx(combine_effects(x, v, method_re="pm").tau2, rel=1e-4)
        old = max(float(np.var(x, ddof=1) - v.mean()), 0.0)
        collapsed += old == 0 and tau2 > 9
    assert collapsed >= 1  # the old estimator said "no spread" where PM finds 3+ points


def test_rank_interval_is_wide_for_a_noisy_unit_and_contains_its_rank():
    x = np.array([80.0, 50.0, 45.0, 40.0, 30.0, 95.0])
    n = np.array([2000.0, 2000.0, 2000.0, 2000.0, 2000.0, 3.0])
    eb = shrink(x, n, (1600.0, 560.0, 2003.0))
    lo, hi = rank_intervals(eb["shrunk"], eb["shrunk_se"])
    ranks = (-eb["shrunk"]).argsort().argsort() + 1
    assert ((lo <= ranks) & (ranks <= hi)).all()
    assert hi[5] - lo[5] >= 3  # 3 answers: its place is barely known
    assert hi[0] - lo[0] <= 1  # 2,000 answers, well clear of the rest


# --- ACSI-style index: SE against a bootstrap -------------------------------------------------


def test_acsi_standard_error_matches_a_bootstrap():
    from tests.stats_sim import _acsi

    rng = np.random.default_rng(3)
    n = 400
    shared = rng.normal(0, 1.6, n)
    items = np.stack([np.clip(np.rint(mu + shared + rng.normal(0, 0.9, n)), 1, 10)
                      for mu in (7.6, 7.3, 6.9)], axis=1)
    items[rng.random((n, 3)) < 0.08] = np.nan  # 8% of answers skipped, item by item
    w = np.array([0.3885, 0.3190, 0.2925])

    def index(rows: np.ndarray) -> float:
        return float(sum(w[k] * (np.nanmean(rows[:, k]) - 1) / 9 * 100 for k in range(3)))

    comps = {}
    for key, col in zip("oei", range(3), strict=True):
        x = items[:, col]
        ok = ~np.isnan(x)
        comps |= {f"acsi__{key}_n": ok.sum(), f"acsi__{key}_sum": np.nansum(x),
                  f"acsi__{key}_sq": np.nansum(x**2)}
    comps["acsi__incomplete"] = float(np.isnan(items).any(axis=1).sum())
    for a, b in ("oe", "oi", "ei"):
        ia, ib = "oei".index(a), "oei".index(b)
        both = ~np.isnan(items[:, ia]) & ~np.isnan(items[:, ib])
        comps |= {f"acsi__p_{a}{b}_n": both.sum(), f"acsi__p_{a}{b}_a": items[both, ia].sum(),
                  f"acsi__p_{a}{b}_b": items[both, ib].sum(),
                  f"acsi__p_{a}{b}_ab": (items[both, ia] * items[both, ib]).sum()}
    long = evaluate(_frame_with({k: float(v) for k, v in comps.items()}), tuple(w), ["key"])
    row = long[long.metric == "acsi"].iloc[0]
    assert row.value == pytest.approx(index(items))
    boot = [index(items[rng.integers(0, n, n)]) for _ in range(2000)]
    assert row.se == pytest.approx(float(np.std(boot, ddof=1)), rel=0.08)
    assert _acsi  # the simulation helper builds the same components per unit


# --- one deduplication rule on both paths ----------------------------------------------------

D = date
DUP_ROWS = {
    "regions": [("N", "North"), ("S", "South")],
    "locations": [("L1", "Lakeside", "N", 45.0, -93.0), ("L2", "Ridge", "N", 44.0, -92.0),
                  ("L3", "Bayou", "S", 30.0, -90.0)],
    # response_id, location_id, responded_on, nps_score, sat_overall, sat_expectations, sat_ideal
    "survey_responses": [
        (1, "L1", D(2026, 9, 10), 10, 9, 9, 9),
        (1, "L1", D(2026, 10, 5), 10, 9, 9, 9),  # re-sent next month: counts in September only
        (2, "L3", D(2026, 10, 3), 0, 1, 1, 1),  # the same id in two regions on one day:
        (2, "L1", D(2026, 10, 3), 0, 1, 1, 1),  # first by location_id -> L1 (North) only
        (3, "L3", D(2026, 10, 7), 9, 8, 8, 8),
        (4, "L2", D(2026, 10, 20), 8, 7, 7, 7),
    ],
    "leadership_monthly": [], "incentives_monthly": [], "culture_monthly": [],
    "loyalty_monthly": [],
}


def test_one_dedup_rule_raw_equals_rollup_and_regions_sum_to_company(make_warehouse):
    from queries.sql import aggregate
    from tests.fixture_warehouse import load_with_rollup

    eng = make_warehouse(DUP_ROWS, loader=load_with_rollup, name="dups")
    oct_, nov = D(2026, 10, 1), D(2026, 11, 1)
    cols = ["key", "responses__n", "nps__n", "nps__pos", "nps__neg"]
    raw = aggregate.fetch(eng, sc.Scope(), oct_, nov, use_rollup=False)[cols]
    rolled = aggregate.fetch(eng, sc.Scope(), oct_, nov, use_rollup=True)[cols]
    pd.testing.assert_frame_equal(raw, rolled)
    by = raw.set_index("key")
    # October by hand: North = id 2 (L1, 0) + id 4 (L2, 8): 2 responses, 1 detractor;
    # South = id 3 (L3, 9): 1 response, 1 promoter. Id 1 belongs to September; id 2 to L1.
    assert by.loc["N", ["responses__n", "nps__pos", "nps__neg"]].tolist() == [2, 0, 1]
    assert by.loc["S", ["responses__n", "nps__pos", "nps__neg"]].tolist() == [1, 1, 0]
    company = aggregate.fetch(eng, sc.Scope(), oct_, nov, by="none", use_rollup=False)
    assert company["responses__n"].iloc[0] == 3 == by["responses__n"].sum()
    for path in (False, True):  # each region's own query sums to the company's split
        for region in ("N", "S"):
            part = aggregate.fetch(eng, sc.Scope(region=region), oct_, nov, by="none",
                                   use_rollup=path)
            assert part["responses__n"].iloc[0] == by.loc[region, "responses__n"]
    sep = aggregate.fetch(eng, sc.Scope(), D(2026, 9, 1), oct_, by="none", use_rollup=False)
    assert sep["responses__n"].iloc[0] == 1
