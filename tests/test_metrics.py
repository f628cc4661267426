"""Every metric on the tiny fixture warehouse, checked against arithmetic done by hand.

Runs on DuckDB and PostgreSQL (the `backend` fixture). The rows are in fixture_warehouse.py.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from queries import scope as sc
from queries import scorecard, targets
from queries.aggregate import fetch, freshness
from queries.evaluate import evaluate

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
    assert r.moe == pytest.approx(1.959964 * 31.48416, rel=1e-5)
    assert r.excluded == 1  # the out-of-range 11, counted once despite the duplicate row
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
    assert r.excluded == 1


def test_acsi_standard_error_from_complete_responses(card):
    # Complete (all three items valid) in Oct: ids 1,2,3,4,6,7,9. Response-level index
    # x = ((o-1)+(e-1)+(i-1))/27*100: id1 (9,8,10)->88.889, id2 (8,8,7)->74.074,
    # id3 (7,6,6)->59.259, id4 (2,3,1)->7.407, id6 (5,5,5)->44.444, id7 (10,10,10)->100,
    # id9 (8,8,8)->77.778. SE = sample sd / sqrt(7).
    xs = [(o + e + i - 3) / 27 * 100 for o, e, i in
          [(9, 8, 10), (8, 8, 7), (7, 6, 6), (2, 3, 1), (5, 5, 5), (10, 10, 10), (8, 8, 8)]]
    mean = sum(xs) / 7
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / 6)
    assert card.metrics["acsi"].se == pytest.approx(sd / math.sqrt(7))


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
    # Wilson 95% interval for 9 / 30 is (16.66, 47.88) %
    lo, hi = card.metrics["referral_rate"].interval
    assert (lo, hi) == (pytest.approx(16.665, abs=0.01), pytest.approx(47.876, abs=0.01))


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
    # Retention Sep: L1 170 / 200 = 85 %; Oct 315 / 350 = 90 %.
    # SE: sqrt(.9 * .1 / 350) = .01604, sqrt(.85 * .15 / 200) = .02525;
    # z = .05 / sqrt(.01604^2 + .02525^2) = 1.67 < 1.96 -> within the noise
    assert card.metrics["retention_rate"].previous == pytest.approx(85.0)
    assert card.metrics["retention_rate"].change_prev == "steady"
    # Listening hours per leader are a census, not a sample: 1.0 -> 1.4 is a rise.
    assert card.metrics["listening_hours_per_leader"].change_prev == "rise"


def test_movers(card):
    # North retention: Oct (180 + 95) / (200 + 100) = 91.67 % (n 300), Sep 170 / 200 = 85 %.
    # SE: sqrt(.91667 * .08333 / 300) = .015957, sqrt(.85 * .15 / 200) = .025249
    # z = .066667 / sqrt(.015957^2 + .025249^2) = 2.232 > 1.96 -> a significant rise.
    assert len(card.movers) == 1
    mover = card.movers[0]
    assert (mover["key"], mover["metric"], mover["direction"]) == ("N", "retention_rate", "rise")
    assert mover["z"] == pytest.approx(2.232, abs=1e-3)
    assert mover["sentence"] == "North: Customer retention rose 6.7 pts to 91.7% (n = 300)"


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
    l1 = scorecard.build(warehouse, dims, sc.resolve(dims, None, "L1"), OCT, t)
    # L1: ids 1..4 valid -> promoters 2, detractors 1 -> 25
    assert l1.scope == sc.Scope(region="N", location="L1")
    assert l1.metrics["nps"].value == pytest.approx(25.0)
    assert l1.metrics["retention_rate"].value == pytest.approx(90.0)
    assert l1.children.empty


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
    # September: promoters 2, detractors 1 of 3 -> SE = 100 sqrt((1 - 1/9) / 3) = 54.43
    assert moe[SEP] == pytest.approx(1.959964 * 100 * math.sqrt((8 / 9) / 3))
    assert moe[date(2026, 1, 1)] is None
