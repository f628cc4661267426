"""Every metric on the tiny fixture warehouse, checked against arithmetic done by hand.

Runs on DuckDB and PostgreSQL (the `backend` fixture). The rows are in fixture_warehouse.py.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from queries import scope as sc
from queries import scorecard, targets, windows
from queries.evaluate import evaluate
from queries.sql.aggregate import fetch, freshness

OCT = date(2026, 10, 1)
SEP = date(2026, 9, 1)


@pytest.fixture
def card(warehouse):
    dims = sc.load_dims(warehouse)
    return scorecard.build(warehouse, dims, sc.Scope(), OCT, targets.load())


def val(card, name):
    return card.metrics[name].value


def test_nps_company_october(card):
    # Valid NPS answers in Oct: ids 1(10) 2(9) 3(7) 4(3) 7(10) 8(6) 9(8) -> n = 7.
    # id 5 skipped (NULL), id 6 scored 11 (out of range, loaded twice, excluded once).
    # Promoters: 1, 2, 7 = 3; detractors: 4, 8 = 2. NPS = 100 * (3 - 2) / 7 = 14.2857.
    r = card.metrics["nps"]
    assert r.value == pytest.approx(100 / 7)
    assert (r.numerator, r.denominator, r.n) == (1, 7, 7)
    # SE = 100 * sqrt((3/7 + 2/7 - (1/7)^2) / 7) = 100 * sqrt(34/343) = 31.4842
    assert r.se == pytest.approx(100 * math.sqrt((34 / 49) / 7))
    # The +- shown is the half-width of the one interval (adjusted-Wald), not a Wald margin:
    # n' = 10, p' = 3.75/10, d' = 2.75/10; SE' = sqrt((.375 + .275 - .1^2) / 10) = .252982;
    # interval 100 * (.1 -+ 1.959964 * .252982) = [-39.58, 59.58], half-width 49.5836.
    assert r.interval == (pytest.approx(-39.5836, abs=1e-3), pytest.approx(59.5836, abs=1e-3))
    assert r.moe == pytest.approx(49.5836, abs=1e-3)
    # Excluded: the out-of-range 11 (counted once despite the duplicate row) and id 5's NULL,
    # as docs/cli.md says.
    assert r.excluded == 2
    assert r.low_confidence  # n = 7 < 30
    assert r.status == "low_confidence"


def test_responses_count_duplicates_once(card):
    # ids 1..9 in October; id 6 appears twice in the table.
    assert val(card, "responses") == 9


def test_acsi_equal_weights(card):
    # sat_overall (ids 1-9):   9+8+7+2+10+5+10+6+8 = 65 over 9 -> 7.2222
    # sat_expectations: 8+8+6+3+9+5+10+8 = 57 over 8 (id 8's 0 is out of range) -> 7.125
    # sat_ideal: 10+7+6+1+5+10+6+8 = 53 over 8 (id 5 NULL) -> 6.625
    # index = ((7.2222-1) + (7.125-1) + (6.625-1)) / 3 / 9 * 100 = 66.5638
    expected = ((65 / 9 - 1) + (57 / 8 - 1) + (53 / 8 - 1)) / 3 / 9 * 100
    r = card.metrics["acsi"]
    assert r.value == pytest.approx(expected)
    assert expected == pytest.approx(66.5638, abs=1e-4)
    assert r.n == 8
    # Responses with an item NULL or out of range: id 5 (ideal NULL), id 8 (expectations 0).
    assert r.excluded == 2


def test_acsi_standard_error_matches_the_values_definition(card):
    # Each item's mean uses its own answers, so the SE is the delta-method SE of
    # sum_k w_k (mean_k - 1) / 9 * 100 with Var(mean_k) = s_k^2 / n_k and
    # Cov(mean_k, mean_l) = n_kl * c_kl / (n_k * n_l) over the n_kl responses answering both.
    o = {1: 9, 2: 8, 3: 7, 4: 2, 5: 10, 6: 5, 7: 10, 8: 6, 9: 8}
    e = {1: 8, 2: 8, 3: 6, 4: 3, 5: 9, 6: 5, 7: 10, 9: 8}  # id 8's 0 is out of range
    i = {1: 10, 2: 7, 3: 6, 4: 1, 6: 5, 7: 10, 8: 6, 9: 8}  # id 5 skipped

    def var(x):
        v = list(x.values())
        m = sum(v) / len(v)
        return sum((a - m) ** 2 for a in v) / (len(v) - 1)

    def cov(x, y):
        ids = sorted(set(x) & set(y))
        mx, my = sum(x[k] for k in ids) / len(ids), sum(y[k] for k in ids) / len(ids)
        c = sum((x[k] - mx) * (y[k] - my) for k in ids) / (len(ids) - 1)
        return len(ids) * c / (len(x) * len(y))

    w = 1 / 3
    total = (w * w * (var(o) / 9 + var(e) / 8 + var(i) / 8)
             + 2 * w * w * (cov(o, e) + cov(o, i) + cov(e, i)))
    assert card.metrics["acsi"].se == pytest.approx(100 / 9 * math.sqrt(total))
    # its interval is value +- 1.96 SE, and the +- shown is its half-width
    r = card.metrics["acsi"]
    assert r.interval[1] - r.interval[0] == pytest.approx(2 * 1.959964 * r.se, rel=1e-6)


def test_leadership_metrics(card):
    # exec owner: L1 True, L2 False, L3 NULL (excluded) -> 1 / 2 = 50 %
    assert val(card, "exec_owner_share") == pytest.approx(50.0)
    assert card.metrics["exec_owner_share"].excluded == 1
    # listening hours per leader: L3 has leaders NULL -> (6 + 1) / (3 + 2) = 1.4
    assert val(card, "listening_hours_per_leader") == pytest.approx(1.4)
    # CX agenda share: (30 + 10 + 20) / (120 + 100 + 80) = 20 %
    assert val(card, "cx_agenda_share") == pytest.approx(20.0)
    # Detractor follow-up: (3 + 2 + 0) / (4 + 2 + 0) = 83.33 %, n = 6 < 10 -> low confidence
    r = card.metrics["detractor_followup_48h"]
    assert r.value == pytest.approx(500 / 6)
    assert r.low_confidence and r.status == "low_confidence"


def test_incentive_metrics(card):
    # CX-linked share: (400 + 200 + 100) / (1000 + 2000 + 1000) = 17.5 %
    assert val(card, "cx_linked_pay_share") == pytest.approx(17.5)
    # Payout alignment: L3's cx_target_met is NULL (excluded); paid where met: 400 of 400 + 200
    assert val(card, "payout_alignment") == pytest.approx(400 / 600 * 100)


def test_culture_metrics(card):
    # eNPS: L3 invalid (6 + 1 > 5 responses) -> (10 + 3 - 4 - 5) / (20 + 10) = 13.33 points
    r = card.metrics["enps"]
    assert r.value == pytest.approx(4 / 30 * 100)
    assert r.n == 30 and not r.low_confidence
    # Recognitions per employee: L3's -1 excluded -> (30 + 5) / (25 + 15) = 0.875
    assert val(card, "recognitions_per_employee") == pytest.approx(0.875)


def test_loyalty_metrics(card):
    # Retention: (180 + 95 + 40) / (200 + 100 + 50) = 90 %; referral: (5 + 4 + 0) / 30 = 30 %
    assert val(card, "retention_rate") == pytest.approx(90.0)
    assert val(card, "referral_rate") == pytest.approx(30.0)
    # Census metrics: their noise comes from their own month-to-month history
    # (queries/census.py), and one earlier month is too little: no interval, no call.
    assert card.metrics["referral_rate"].interval is None
    assert card.metrics["retention_rate"].change_prev == "n/a"
    # A sampled proportion keeps its Wilson interval: detractor follow-up 5 / 6 ->
    # z^2 = 3.8415, denom = 1 + 3.8415/6 = 1.64025; centre (5/6 + 3.8415/12) / 1.64025 = .70320;
    # half = 1.96 sqrt((5/6)(1/6)/6 + 3.8415/144) / 1.64025 = 1.96 * .22322 / 1.64025 = .26673
    # -> (43.65, 96.99) %.
    lo, hi = card.metrics["detractor_followup_48h"].interval
    assert (lo, hi) == (pytest.approx(43.65, abs=0.01), pytest.approx(96.99, abs=0.01))


def test_ratio_of_sums_not_average_of_ratios(card):
    # Region N: L1 NPS 25 (n 4), L2 NPS 0 (n 2). Ratio of sums: (3 - 2) / 6 = 16.67,
    # whereas the average of the two location scores would be 12.5.
    kids = card.children
    n_nps = kids[(kids.key == "N") & (kids.metric == "nps")].iloc[0]
    assert n_nps.value == pytest.approx(100 / 6)
    assert n_nps["name"] == "North"
    s_nps = kids[(kids.key == "S") & (kids.metric == "nps")].iloc[0]
    assert s_nps.value == pytest.approx(0.0) and s_nps.n == 1


def test_previous_month_and_last_year(card):
    r = card.metrics["nps"]
    # September: ids 10 (10), 11 (5), 12 (9) -> (2 - 1) / 3 = 33.33
    assert r.previous == pytest.approx(100 / 3)
    # October 2025: id 13 scored 6 -> -100
    assert r.last_year == pytest.approx(-100.0)
    # 14.3 vs 33.3 with margins of +-62 and more: within the noise, not a fall
    assert r.change_prev == "steady"
    # Retention Sep: L1 170 / 200 = 85 %; Oct 315 / 350 = 90 %. A census: with one earlier
    # month there is no history of its own noise, so no call either way.
    assert card.metrics["retention_rate"].previous == pytest.approx(85.0)
    assert card.metrics["retention_rate"].change_prev == "n/a"
    # Listening hours per leader are not a sample: judged by their own history of changes, as
    # retention is. 1.0 -> 1.4 with one earlier month is no history: shown, not called.
    r = card.metrics["listening_hours_per_leader"]
    assert (r.previous, r.value, r.change_prev) == (pytest.approx(1.0), pytest.approx(1.4), "n/a")


def test_no_movers_from_a_census_without_history(card):
    # North retention 85 % -> 91.67 % gave z = 2.23 under a binomial model, a false alarm for
    # a census; with one month of history there is no yardstick, so nothing is a mover.
    assert card.movers == []


def test_trend_has_13_months_with_no_data_gaps(card):
    trend = card.metrics["nps"].trend
    assert len(trend) == 13
    assert trend[0] == (date(2025, 10, 1), pytest.approx(-100.0))
    assert trend[-1][0] == OCT
    assert dict(trend)[date(2026, 1, 1)] is None  # a month without data is "no data", not 0


def test_region_and_location_scopes(warehouse):
    dims = sc.load_dims(warehouse)
    t = targets.load()
    north = scorecard.build(warehouse, dims, sc.resolve(dims, "N", None), OCT, t)
    assert north.metrics["nps"].value == pytest.approx(100 / 6)
    assert set(north.children.key) == {"L1", "L2"}
    l1 = scorecard.build(warehouse, dims, sc.resolve(dims, None, "L1"), OCT, t,
                         window=windows.MONTH)
    # L1: ids 1..4 valid -> promoters 2, detractors 1 -> 25
    assert l1.scope == sc.Scope(region="N", location="L1")
    assert l1.metrics["nps"].value == pytest.approx(25.0)
    assert l1.metrics["retention_rate"].value == pytest.approx(90.0)
    assert l1.children.empty
    # A location's own numbers default to rolling 3 months (tests/test_windows.py by hand)
    default = scorecard.build(warehouse, dims, sc.resolve(dims, None, "L1"), OCT, t)
    assert default.window.code == "3m" and north.children_window.code == "3m"


def test_empty_month_gives_no_data(warehouse):
    dims = sc.load_dims(warehouse)
    card = scorecard.build(warehouse, dims, sc.Scope(), date(2026, 3, 1), targets.load())
    assert not card.has_data
    assert all(r.status == "no_data" for r in card.metrics.values())


def test_map_points_only_with_coordinates(card):
    pts = card.map_points
    # L3 has no coordinates; L1 NPS 25, L2 NPS 0
    assert sorted(pts.location_id) == ["L1", "L2"]
    assert pts.set_index("location_id").loc["L1", "value"] == pytest.approx(25.0)


def test_freshness_and_latest_complete_month(warehouse):
    first, latest = freshness(warehouse)
    assert (first, latest) == (date(2025, 10, 5), date(2026, 10, 31))
    assert scorecard.latest_complete_month(latest) == OCT
    assert scorecard.latest_complete_month(date(2026, 10, 30)) == SEP


def test_zero_denominator_gives_no_value(warehouse):
    # L3 had 0 new customers in October: referral rate has no value, not 0 and not an error.
    comps = fetch(warehouse, sc.Scope(region="S"), OCT, date(2026, 11, 1), by="location")
    long = evaluate(comps, targets.load().weights, keys=["key"])
    referral = long[(long.metric == "referral_rate") & (long.key == "L3")].iloc[0]
    assert math.isnan(referral.value)


def test_unknown_scope_is_rejected(warehouse):
    dims = sc.load_dims(warehouse)
    with pytest.raises(sc.ScopeError):
        sc.resolve(dims, "XX", None)
    with pytest.raises(sc.ScopeError):
        sc.resolve(dims, "S", "L1")  # L1 is in N
    with pytest.raises(sc.ScopeError):
        sc.resolve(dims, None, "'; DROP TABLE regions; --")


def test_trend_carries_each_months_margin(card):
    moe = dict(card.metrics["nps"].trend_moe)
    # September: promoters 2, detractors 1 of 3 -> adjusted-Wald n' = 6, p' = 2.75/6,
    # d' = 1.75/6; half-width = 1.959964 * 100 * sqrt((4.5/6 - (1/6)^2) / 6) = 68.20
    assert moe[SEP] == pytest.approx(1.959964 * 100 * math.sqrt((4.5 / 6 - 1 / 36) / 6))
    assert moe[date(2026, 1, 1)] is None
