"""The rules every number on the page depends on, pinned with values worked out by hand.

Status bands (both directions), target precedence, the 95% intervals of NPS, eNPS and proportions
(hand values and statsmodels), and the cache key of access rights. Each test here fails when the
rule it names is broken (docs/testing.md lists the deliberate breakages that were tried).
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from queries import access, census, scorecard, stats, targets
from queries import scope as sc
from queries.registry import BY_NAME
from queries.scorecard import build
from tests.intervals import adjusted_wald, wilson

OCT = date(2026, 10, 1)
EPS = 1e-9


# --- status bands ---------------------------------------------------------------------------


def band(metric: str, **where) -> tuple[float, float]:
    """(target, amber width) as the shipped targets file sets them: the edges below follow."""
    t = targets.load(targets.DEFAULT_FILE).for_metric(metric, **where)
    assert t.value is not None, f"{metric} has no default target"
    return float(t.value), float(t.amber)


# Status is judged on the value as shown (rounded to the metric's decimals, main's rule since the
# redesign): a value that reads as the target is green, one that reads as the band's edge is amber.
# Per metric, by hand from targets.toml (amber left out = 5% of the target):
# (metric, target, amber width, decimals, reads as target, first amber, band edge,
#  reads as the edge, first red)
#   exec_owner_share: 50, 5% of 50 = 2.5, 0 dp: 49.6 -> "50" green; 49 gap -1 amber; 47.5 reads
#     "48" (round half to even) gap -2 amber; 47.6 -> "48" amber; 47.4 -> "47" gap -3 red.
#   nps (no year): 45, 5% of 45 = 2.25, 0 dp: 44.6 -> "45" green; 44 amber; 43 gap -2 >= -2.25
#     amber; 42.6 -> "43" amber; 42 gap -3 red.
#   retention_rate: 91, amber = 1 set explicitly, 1 dp: 90.96 -> "91.0" green; 90.9 amber;
#     90.0 gap -1 amber; 89.96 -> "90.0" amber; 89.9 gap -1.1 red.
#   enps: 20, 5% of 20 = 1, 0 dp: 19.6 -> "20" green; 19 gap -1 amber; 19 is also the edge
#     (18 would be gap -2 < -1); 18.6 -> "19" amber; 18 red.
EDGES = [
    ("exec_owner_share", 50, 2.5, 0, 49.6, 49.0, 47.5, 47.6, 47.4),
    ("nps", 45, 2.25, 0, 44.6, 44.0, 43.0, 42.6, 42.0),
    ("retention_rate", 91, 1.0, 1, 90.96, 90.9, 90.0, 89.96, 89.9),
    ("enps", 20, 1.0, 0, 19.6, 19.0, 19.0, 18.6, 18.0),
]


@pytest.mark.parametrize(("metric", "target", "w", "decimals", "reads_target", "first_amber",
                          "edge", "reads_edge", "first_red"), EDGES, ids=[e[0] for e in EDGES])
def test_status_at_and_around_each_band_edge_higher_is_better(
        metric: str, target: float, w: float, decimals: int, reads_target: float,
        first_amber: float, edge: float, reads_edge: float, first_red: float) -> None:
    assert band(metric) == (target, w)  # the shipped targets file, as worked out above
    assert BY_NAME[metric].decimals == decimals
    t = targets.load(targets.DEFAULT_FILE).for_metric(metric)
    assert w > 0  # an amber band exists: otherwise amber could never show
    s = lambda v: targets.status(metric, v, t, low_confidence=False)  # noqa: E731
    assert s(target) == "green"
    assert s(target + 5) == "green"
    assert s(target - EPS) == "green"  # reads as the target
    assert s(reads_target) == "green"
    assert s(first_amber) == "amber"
    assert s(target - 0.75 * w) == "amber"  # inside the band, reading below the target
    assert s(edge) == "amber"
    assert s(reads_edge) == "amber"
    assert s(first_red) == "red"
    assert s(target - 3 * w) == "red"


def test_exec_owner_share_edges_by_hand() -> None:
    target, w = band("exec_owner_share")
    t = targets.Target(50, w)
    assert target == 50 and w == 2.5  # targets.toml: target 50, amber 5% of 50 = 2.5
    # Judged as shown (0 decimals): 50 -> green; 49.99 reads "50" -> green; 49 -> gap -1 -> amber;
    # 47.5 reads "48" -> gap -2 -> amber; 47.51 reads "48" -> amber; 47.49 reads "47" -> gap -3
    # -> red.
    assert targets.status("exec_owner_share", 50.0, t, False) == "green"
    assert targets.status("exec_owner_share", 49.99, t, False) == "green"
    assert targets.status("exec_owner_share", 49.0, t, False) == "amber"
    assert targets.status("exec_owner_share", 50 - w, t, False) == "amber"
    assert targets.status("exec_owner_share", 47.51, t, False) == "amber"
    assert targets.status("exec_owner_share", 47.49, t, False) == "red"


@pytest.fixture
def complaints(monkeypatch: pytest.MonkeyPatch) -> str:
    """A lower-is-better metric (the registry has none yet; the rule must still hold)."""
    m = dataclasses.replace(BY_NAME["nps"], name="complaints_per_100", direction=-1)
    monkeypatch.setitem(targets.BY_NAME, m.name, m)
    return m.name


def test_status_lower_is_better_band_edges(complaints: str) -> None:
    w = 2.0
    t = targets.Target(10, w)
    s = lambda v: targets.status(complaints, v, t, low_confidence=False)  # noqa: E731
    # Target 10, amber width 2, lower is better, judged as shown (0 decimals, copied from NPS):
    # 10 green, 8 green (better), 10 + eps reads "10" green, 10.6 reads "11" amber, 11 amber,
    # 12 amber (the edge), 12.4 reads "12" amber, 12.6 reads "13" red, 13 red, 20 red.
    assert targets.BY_NAME[complaints].decimals == 0
    assert s(10.0) == "green"
    assert s(8.0) == "green"
    assert s(0.0) == "green"
    assert s(10 + EPS) == "green"
    assert s(10.6) == "amber"
    assert s(11.0) == "amber"
    assert s(12.0) == "amber"
    assert s(12.4) == "amber"
    assert s(12.6) == "red"
    assert s(13.0) == "red"
    assert s(20.0) == "red"


def test_status_never_colours_missing_or_low_confidence_values() -> None:
    t = targets.Target(60, 15)
    assert targets.status("exec_owner_share", None, t, False) == "no_data"
    assert targets.status("exec_owner_share", math.nan, t, False) == "no_data"
    assert targets.status("exec_owner_share", math.nan, t, True) == "no_data"
    assert targets.status("exec_owner_share", 10.0, t, True) == "low_confidence"  # not red
    assert targets.status("exec_owner_share", 90.0, t, True) == "low_confidence"  # not green
    assert targets.status("exec_owner_share", 10.0, targets.Target(None, 15), False) == \
        "no_target"


def test_zero_amber_band_goes_straight_from_green_to_red() -> None:
    t = targets.Target(45, 0.0)
    # NPS is shown to 0 decimals: 45 - 1e-6 and 44.6 read "45" (green); 44.4 reads "44": gap -1,
    # beyond a zero-width band -> red, with no amber in between.
    assert targets.status("nps", 45.0, t, False) == "green"
    assert targets.status("nps", 45 - 1e-6, t, False) == "green"
    assert targets.status("nps", 44.6, t, False) == "green"
    assert targets.status("nps", 44.4, t, False) == "red"
    assert targets.status("nps", 44.0, t, False) == "red"


# --- target precedence ----------------------------------------------------------------------

PRECEDENCE = """
version = "test-precedence"
[defaults]
nps = { target = 40, amber = 4 }
retention_rate = { target = 90, amber = 2 }
[years."2026"]
nps = { target = 41 }
[regions.N]
nps = { target = 42 }
retention_rate = { amber = 3 }
[locations.L1]
nps = { target = 43, amber = 1 }
"""


@pytest.fixture
def precedence_file(tmp_path, monkeypatch: pytest.MonkeyPatch):
    p = tmp_path / "targets.toml"
    p.write_text(PRECEDENCE)
    monkeypatch.setenv(targets.ENV_TARGETS, str(p))
    return p


def test_target_precedence_location_over_region_over_year_over_default(precedence_file) -> None:
    tg = targets.load()  # read through $CX_TARGETS_FILE, as the page does
    assert tg.version == "test-precedence"
    f = tg.for_metric
    assert f("nps", year=2025) == targets.Target(40, 4)  # defaults only
    assert f("nps", year=2026) == targets.Target(41, 4)  # year beats default; amber inherited
    assert f("nps", region="N", year=2026) == targets.Target(42, 4)  # region beats year
    assert f("nps", region="N", year=2025) == targets.Target(42, 4)
    assert f("nps", region="S", year=2026) == targets.Target(41, 4)  # S has no layer
    assert f("nps", region="N", location="L1", year=2026) == targets.Target(43, 1)  # location
    assert f("nps", region="N", location="L2", year=2026) == targets.Target(42, 4)
    # A layer that sets only the amber width keeps the default target.
    assert f("retention_rate", region="N", year=2026) == targets.Target(90, 3)
    assert f("retention_rate", region="S", year=2026) == targets.Target(90, 2)


def test_a_layer_named_none_never_applies_to_a_wider_view() -> None:
    # A region, location and year literally called "None" (a careless export) must not set the
    # company's targets: the company view has no region, so only the defaults apply.
    tg = targets.parse({
        "defaults": {"nps": {"target": 40, "amber": 4}},
        "years": {"None": {"nps": {"target": 50}}},
        "regions": {"None": {"nps": {"target": 51}}},
        "locations": {"None": {"nps": {"target": 52}}},
    })
    assert tg.for_metric("nps") == targets.Target(40, 4)
    assert tg.for_metric("nps", region="None") == targets.Target(51, 4)


def test_scorecard_uses_the_precedence_for_target_and_status(precedence_file, warehouse) -> None:
    dims = sc.load_dims(warehouse)
    tg = targets.load()
    # Company, October 2026 -> year layer: target 41. NPS 14.3 (n 7 < 30) is low confidence.
    company = build(warehouse, dims, sc.Scope(), OCT, tg, with_map=False)
    assert company.metrics["nps"].target == 41
    # Region N -> 42; location L1 -> 43.
    north = build(warehouse, dims, sc.Scope(region="N"), OCT, tg, with_map=False)
    assert north.metrics["nps"].target == 42
    l1 = build(warehouse, dims, sc.Scope(region="N", location="L1"), OCT, tg, with_map=False)
    assert l1.metrics["nps"].target == 43
    # Retention in N: L1 180/200 + L2 95/100 = 275/300 = 91.67% (n 300 >= 30) against target 90:
    # above the target -> green. Company: 315/350 = 90.0% -> exactly on target -> green.
    assert north.metrics["retention_rate"].value == pytest.approx(27500 / 300)
    assert north.metrics["retention_rate"].status == "green"
    assert company.metrics["retention_rate"].status == "green"
    # South (L3 40/50 = 80%) is 10 below 90 with amber 2 -> red in the company's league table.
    kids = company.children
    south = kids[(kids.key == "S") & (kids.metric == "retention_rate")].iloc[0]
    assert south.value == pytest.approx(80.0) and south.status == "red"


# --- intervals ------------------------------------------------------------------------------


def test_adjusted_wald_nps_interval_by_hand() -> None:
    # promoters 3, detractors 2, n 7 (the fixture company in October):
    # n' = 7 + 3 = 10, p' = (3 + .75) / 10 = .375, d' = (2 + .75) / 10 = .275, centre .1
    # var = p' + d' - (p' - d')^2 = .65 - .01 = .64; SE = sqrt(.64 / 10) = .252982
    # 1.959964 * .252982 = .495835 -> (.1 - .4958, .1 + .4958) = (-39.58, 59.58) points
    lo, hi = adjusted_wald(3, 2, 7)
    assert (lo, hi) == pytest.approx((-39.5836, 59.5836), abs=1e-4)
    # promoters 10 of 10: n' 13, p' 10.75/13 = .826923, d' .75/13 = .057692, centre .769231
    # var = .884615 - .591716 = .292899; SE = sqrt(.292899/13) = .150103; half .294197
    # -> (47.50, 106.3) clamped to (47.50, 100)
    assert adjusted_wald(10, 0, 10) == pytest.approx((47.5036, 100.0), abs=1e-4)
    assert adjusted_wald(0, 10, 10) == pytest.approx((-100.0, -47.5036), abs=1e-4)


def test_enps_interval_by_hand() -> None:
    # eNPS of the fixture company in October: L1 10 promoters / 4 detractors of 20, L2 3 / 5 of
    # 10 (L3 is excluded: 6 + 1 > 5 responses) -> 13, 9, n 30.
    # n' = 33, p' = 13.75/33 = .416667, d' = 9.75/33 = .295455, centre .121212
    # var = .712121 - .014692 = .697429; SE = sqrt(.697429/33) = .145377; half .284934
    # -> (-16.37, 40.61)
    assert adjusted_wald(13, 9, 30) == pytest.approx((-16.3720, 40.6144), abs=1e-4)


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (7, 29),
                                      (315, 350), (1, 1000), (999, 1000), (50, 100)])
def test_wilson_matches_statsmodels(k: int, n: int) -> None:
    assert wilson(k, n) == pytest.approx(proportion_confint(k, n, method="wilson"),
                                               abs=1e-12)


def test_wilson_by_hand() -> None:
    # Retention of the fixture company in October: 315 of 350 (p = .9), z^2 = 3.841459
    # denom = 1 + 3.841459/350 = 1.010976; centre = (.9 + 3.841459/700) / denom = .895660
    # half = 1.959964 * sqrt(.9 * .1 / 350 + 3.841459 / (4 * 350^2)) / denom = .031559
    # -> (86.41%, 92.72%)
    lo, hi = wilson(315, 350)
    assert (lo, hi) == pytest.approx((0.864099, 0.927216), abs=1e-6)
    assert all(math.isnan(x) for x in wilson(0, 0))  # no interval without data


def test_nps_se_matches_trinomial_formula_and_published_example() -> None:
    # 250 promoters, 75 detractors of 1000: p .25, d .075, var = .325 - .030625 = .294375
    # SE = 100 sqrt(.294375 / 1000) = 1.7157 (published: 1.716)
    assert float(stats.nps_se(250, 75, 1000)) == pytest.approx(1.71574, abs=1e-5)
    assert math.isnan(float(stats.nps_se(0, 0, 0)))


def test_scorecard_tiles_carry_the_hand_intervals(warehouse) -> None:
    """The intervals the tiles and the pack show, on the hand-built warehouse."""
    dims = sc.load_dims(warehouse)
    card = build(warehouse, dims, sc.Scope(), OCT, targets.load(targets.DEFAULT_FILE),
                 with_map=False)
    assert card.metrics["nps"].interval == pytest.approx((-39.5836, 59.5836), abs=1e-4)
    assert card.metrics["enps"].interval == pytest.approx((-16.3720, 40.6144), abs=1e-4)
    # Region N: L1 10,9,7,3 (2 promoters, 1 detractor of 4) + L2 10,6 (1, 1 of 2) -> 3, 2, n 6
    # n' 9, p' 3.75/9 = .416667, d' 2.75/9 = .305556, centre .111111
    # var = .722222 - .012346 = .709877; SE = sqrt(.709877/9) = .280847; half .550450
    # -> (-43.93, 66.16)
    north = build(warehouse, dims, sc.Scope(region="N"), OCT, targets.load(targets.DEFAULT_FILE),
                  with_map=False)
    assert north.metrics["nps"].value == pytest.approx(100 / 6)
    assert north.metrics["nps"].interval == pytest.approx((-43.9339, 66.1562), abs=1e-4)


# --- access rights as a cache key -----------------------------------------------------------

RIGHTS = """
[users."ceo@example.com"]
company = true
[users."cfo@example.com"]
company = true
[users."north@example.com"]
regions = ["N"]
[users."North.Deputy@Example.com"]
regions = ["N"]
[users."both@example.com"]
regions = ["S", "N"]
[users."both2@example.com"]
regions = ["N", "S"]
[users."lakeside@example.com"]
locations = ["L1"]
[users."n-and-l1@example.com"]
regions = ["N"]
locations = ["L1"]
"""


@pytest.fixture
def rights(tmp_path) -> access.Policy:
    p = tmp_path / "policy.toml"
    p.write_text(RIGHTS)
    policy = access.load(p)
    assert policy is not None
    return policy


def test_cache_key_equal_for_equal_rights(rights: access.Policy) -> None:
    k = lambda u: rights.allowed_for(u).key  # noqa: E731
    assert k("ceo@example.com") == k("cfo@example.com") == (True, (), ())
    assert k("north@example.com") == k("north.deputy@example.com") == (False, ("N",), ())
    assert k("both@example.com") == k("both2@example.com") == (False, ("N", "S"), ())  # sorted
    assert hash(k("both@example.com")) == hash(k("both2@example.com"))


def test_cache_key_differs_for_different_rights(rights: access.Policy) -> None:
    users = ["ceo@example.com", "north@example.com", "both@example.com",
             "lakeside@example.com", "n-and-l1@example.com", "stranger@example.com"]
    keys = [rights.allowed_for(u).key for u in users]
    assert len(set(keys)) == len(users), keys
    assert rights.allowed_for("lakeside@example.com").key == (False, (), ("L1",))
    assert rights.allowed_for("stranger@example.com").key == (False, (), ())


# --- change classification (the arrows and the movers) -----------------------------------


def test_change_z_by_hand() -> None:
    # (7 - 3) / sqrt(3^2 + 4^2) = 4 / 5 = 0.8; order matters: (3 - 7) / 5 = -0.8
    assert stats.change_z(7, 3, 3, 4) == pytest.approx(0.8)
    assert stats.change_z(3, 4, 7, 3) == pytest.approx(-0.8)
    assert math.isnan(stats.change_z(1, 0, 1, 0))  # no noise estimate: no z
    assert math.isnan(stats.change_z(1, math.nan, 0, 1))


def test_change_call_sampled_by_hand() -> None:
    # SEs 3 and 4 -> SE of the difference 5. 10 vs 4: z = 1.2, p = .23 -> steady (within the
    # noise); 15 vs 4: z = 2.2, two-sided p = .0278 < .05 -> rise; -7 vs 4: z = -2.2 -> fall.
    call = stats.change_call
    assert call(10, 3, 4, 4, True, 0) == "steady"
    assert call(15, 3, 4, 4, True, 0) == "rise"
    assert call(-7, 3, 4, 4, True, 0) == "fall"
    assert stats.change_p(15, 3, 4, 4) == pytest.approx(0.027807, abs=1e-6)
    # Immaterial at the shown precision: 2.00 -> 2.04 with one decimal is no change at all.
    assert call(2.04, 0.001, 2.0, 0.001, True, 1) == "steady"


def test_change_call_unsampled_and_missing() -> None:
    # Not a sample (e.g. a share of locations): any material difference is real.
    assert stats.change_call(3.0, math.nan, 2.0, math.nan, False, 0) == "rise"
    assert stats.change_call(2.0, 0.0, 3.0, 0.0, False, 0) == "fall"
    assert stats.change_call(2.0, 0.0, 2.0, 0.0, False, 0) == "steady"
    for v1, v0 in ((None, 1.0), (1.0, None), (math.nan, 1.0), (1.0, math.nan)):
        assert stats.change_call(v1, 1.0, v0, 1.0, True, 0) == "n/a"
        assert stats.change_call(v1, 1.0, v0, 1.0, False, 0) == "n/a"


def test_standard_errors_by_hand() -> None:
    # 30 of 100: sqrt(.3 * .7 / 100) = .0458258
    assert float(stats.proportion_se(30, 100)) == pytest.approx(0.0458258, abs=1e-7)
    se = stats.proportion_se([0, 30, 5], [0, 100, 5])
    assert math.isnan(se[0]) and se[1] == pytest.approx(0.0458258, abs=1e-7) and se[2] == 0
    # NPS 162 promoters, 54 detractors of 324: p .5, d 1/6, var = 2/3 - 1/9 = 5/9,
    # SE = 100 sqrt(5/9 / 324) = 4.1409 (the published 4.14)
    nse = stats.nps_se([162, 0], [54, 0], [324, 0])
    assert nse[0] == pytest.approx(100 * math.sqrt(5 / 9 / 324)) and math.isnan(nse[1])
    assert float(stats.nps_se(10, 0, 10)) == 0.0  # all promoters: no spread


def test_wilson_at_other_confidence_levels_matches_statsmodels() -> None:
    for z, alpha in ((1.0, 0.31731050786291415), (2.5758293035489004, 0.01)):
        for k, n in ((3, 10), (315, 350), (0, 7), (7, 7)):
            assert wilson(k, n, z=z) == pytest.approx(
                proportion_confint(k, n, alpha=alpha, method="wilson"), abs=1e-9)


# --- the targets file is validated when it loads --------------------------------------------


@pytest.mark.parametrize(("text", "words"), [
    ('[defaults]\nnot_a_metric = { target = 1 }\n',
     "line 2: [defaults] not_a_metric: unknown metric (allowed: acsi, cx_agenda_share, "),
    ('[years."2026"]\nnot_a_metric = { target = 1 }\n',
     "line 2: [years.2026] not_a_metric: unknown metric"),
    ('[regions.N]\nnot_a_metric = { target = 1 }\n',
     "line 2: [regions.N] not_a_metric: unknown metric"),
    ('[locations.L1]\nnot_a_metric = { target = 1 }\n',
     "line 2: [locations.L1] not_a_metric: unknown metric"),
    ('[years."2026"]\nnps = { target = "high" }\n',
     "line 2: [years.2026.nps] target: must be a number (the metric's display units), not 'high'"),
    ('[regions.N]\nnps = { target = "high" }\n',
     "line 2: [regions.N.nps] target: must be a number"),
    ('[locations.L1]\n\nnps = { target = "high" }\n',
     "line 3: [locations.L1.nps] target: must be a number"),
    ('[defaults]\nnps = { target = 40, amber = -1 }\n',
     "line 2: [defaults.nps] amber: must be a number >= 0 (display units), not -1"),
    ('[acsi]\nsat_overall = 0.5\nsat_expectations = 0.5\nsat_ideal = 0.5\n',
     "line 1: [acsi]: the three weights must sum to 1, got (0.5, 0.5, 0.5) (sum 1.5)"),
    ('[acsi]\nsat_overall = -0.5\nsat_expectations = 1\nsat_ideal = 0.5\n',
     "line 2: [acsi] sat_overall: must be at least 0.0, not -0.5"),
    ('version = 2026.11\n[default]\nnps = { target = 47 }\n',  # both problems, each with its line
     '2 problems\n  line 1: [version]: must be text in quotes, like version = "2026.11", not '
     "2026.11\n  line 2: [default]: unknown key (allowed: acsi, defaults, fiscal_year, journeys, "
     "locations, regions, value, version, years)"),
    ("not toml [", "not valid TOML (Expected '=' after a key"),
])
def test_bad_targets_file_is_a_clear_error(tmp_path, text: str, words: str) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(ValueError) as err:
        targets.load(p)
    assert str(err.value).startswith(f"Targets file {p}") and words in str(err.value)


def test_targets_file_with_a_byte_order_mark(tmp_path) -> None:
    # Saved by a Windows editor as "UTF-8 with BOM": read as utf-8-sig, not refused with
    # "Invalid statement (at line 1, column 1)" (issue 25).
    p = tmp_path / "bom.toml"
    p.write_bytes('\ufeffversion = "bom"\n[defaults]\nnps = { target = 40 }\n'.encode())
    tg = targets.load(p)
    assert tg.version == "bom" and tg.for_metric("nps") == targets.Target(40, 2.0)  # 5% of 40


def test_targets_file_weights_and_version(tmp_path) -> None:
    p = tmp_path / "w.toml"
    p.write_text('version = "v9"\n[acsi]\nsat_overall = 0.3885\nsat_expectations = 0.3190\n'
                 'sat_ideal = 0.2925\n')
    tg = targets.load(p)
    assert tg.version == "v9" and tg.weights == (0.3885, 0.3190, 0.2925)
    p2 = tmp_path / "empty.toml"
    p2.write_text("")
    tg = targets.load(p2)
    assert tg.version == "unversioned" and tg.weights == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert tg.for_metric("nps") == targets.Target(None, 0.0)  # no target anywhere: none
    assert tg.for_metric("nps", region="N", location="L1", year=2026) == targets.Target(None, 0.0)


def test_acsi_weights_tolerance(tmp_path) -> None:
    p = tmp_path / "w.toml"
    # Rounded thirds sum to 0.9999999: within the 1e-6 tolerance a person writing them expects.
    p.write_text("[acsi]\nsat_overall = 0.3333333\nsat_expectations = 0.3333333\n"
                 "sat_ideal = 0.3333333\n")
    assert sum(targets.load(p).weights) == pytest.approx(0.9999999)
    p = tmp_path / "w0.toml"  # (targets.load caches by path)
    p.write_text("[acsi]\nsat_overall = 0.5\nsat_expectations = 0.5\nsat_ideal = 0\n")
    assert targets.load(p).weights == (0.5, 0.5, 0.0)  # a zero weight is allowed


def test_wilson_is_exact_at_zero_and_all() -> None:
    # 0 of 3 and 10 of 10 are cases where the closed form leaves a residue (about 1e-17): the
    # interval must still start at exactly 0 and end at exactly 1.
    for n in (3, 6, 7, 10, 12, 13):
        assert wilson(0, n)[0] == 0.0
        assert wilson(n, n)[1] == 1.0


def test_parsers_name_their_source_by_default() -> None:
    # Called on a dict (no file), the error still says which kind of file it is about.
    with pytest.raises(ValueError, match=r"^Targets file, \[defaults\] bogus: unknown metric"):
        targets.parse({"defaults": {"bogus": {"target": 1}}})
    with pytest.raises(ValueError, match=r"^Access policy, \[users\] x: must be a table"):
        access.parse({"users": {"x": "company"}})


def test_standard_errors_at_the_smallest_samples() -> None:
    # One answer is a sample: its SE is 0 (p (1 - p) = 0), not missing.
    assert float(stats.nps_se(1, 0, 1)) == 0.0 and float(stats.proportion_se(1, 1)) == 0.0
    assert float(stats.proportion_se(0, 1)) == 0.0
    # A numerator above its denominator (bad data that got through) gives SE 0, never NaN from
    # the square root of a negative p (1 - p): 12 / 10 -> p (1 - p) = -0.24 -> clipped to 0.
    assert float(stats.proportion_se(12, 10)) == 0.0


# --- statistics edges the mutation run showed untested (docs/testing.md) --------------------


def test_t_p_value_outside_the_distribution() -> None:
    # df < 1 has no t distribution (no p, not a crash); an infinite t lies beyond every
    # quantile, so its two-sided p is exactly 0.
    assert math.isnan(stats.t_two_sided_p(1.0, 0)) and math.isnan(stats.t_two_sided_p(-2.0, -3))
    assert math.isnan(stats.t_two_sided_p(math.nan, 5))
    assert stats.t_two_sided_p(math.inf, 5) == 0.0 and stats.t_two_sided_p(-math.inf, 1) == 0.0


def test_change_call_default_and_declared_minimum() -> None:
    # 10.0 -> 10.5 shown with one decimal: a step of 0.1 is enough by default (no declared
    # minimum), so an unsampled change of 0.5 is a rise; with a declared minimum of 1.0 it is
    # too small to be called anything but steady.
    assert stats.change_call(10.5, None, 10.0, None, False, 1) == "rise"
    assert stats.change_call(10.5, None, 10.0, None, False, 1, min_change=1.0) == "steady"
    assert stats.change_call(9.0, None, 10.0, None, False, 1, min_change=1.0) == "fall"


def test_change_call_without_a_p_value_is_not_available() -> None:
    # A net score with no answers in the earlier month (n0 = 0) has no pooled z, so no p: the
    # call is "n/a", never "steady" (which would claim the data showed no change), whether
    # the earlier month's SE is known or 0.
    assert math.isnan(stats.change_p(20, 5, 10, 5, net_n=(10, 0)))
    assert stats.change_call(20, 5, 10, 5, True, 0, net_n=(10, 0)) == "n/a"
    assert stats.change_call(20, 5, 10, 0.0, True, 0, net_n=(10, 0)) == "n/a"


def test_margin_text_at_its_edges() -> None:
    # No value or no interval: nothing is shown.
    assert stats.margin_text(None, 1.0, 2.0, 0) == ""
    assert stats.margin_text(5.0, math.nan, 6.0, 0) == ""
    assert stats.margin_text(5.0, 4.0, None, 1) == ""
    # 8 to 13 around 10: centre 10.5 is half a shown unit (0 decimals) off the value, i.e. not
    # centred at the shown precision -> both ends; likewise with 1 decimal (0.5 >= 0.05).
    assert stats.margin_text(10.0, 8.0, 13.0, 0) == "8 to 13"
    assert stats.margin_text(10.0, 8.0, 13.0, 1) == "8.0 to 13.0"
    # 8.0 to 12.096 around 10.0: centre 10.048, 0.048 < 0.05 off -> centred: ± half-width 2.048
    assert stats.margin_text(10.0, 8.0, 12.096, 1) == "±2.0"
    # 1 unit off at 0 decimals (centre 11 against 10) is not centred either
    assert stats.margin_text(10.0, 9.0, 13.0, 0) == "9 to 13"
    assert stats.margin_text(1e4, 8e3, 1.2e4, 0) == "±2,000"  # thousands separator
    assert stats.margin_text(10.0, 8.0, 12.0, 0) == "±2"


def test_net_change_z_from_a_single_answer() -> None:
    # One answer this month, a promoter: NPS 100, SE 0. Last month 4 answers (1 promoter,
    # 1 detractor, 2 passives): NPS 0, p + d = 0.5, SE = 100 sqrt(0.5 / 4) = 35.355.
    # Pooled over the 5 answers (+1, +1, -1, 0, 0): mean 0.2, E[x^2] 0.6, variance 0.56;
    # z = (1 - 0) / sqrt(0.56 (1/1 + 1/4)) = 1 / sqrt(0.7) = 1.19523.
    se0 = 100 * math.sqrt(0.5 / 4)
    assert stats.net_change_z(100, 0.0, 1, 0, se0, 4) == pytest.approx(1 / math.sqrt(0.7))
    assert stats.net_change_z(0, se0, 4, 100, 0.0, 1) == pytest.approx(-1 / math.sqrt(0.7))
    # no answers on either side: no z (not a division by zero)
    assert math.isnan(stats.net_change_z(100, 0.0, 0, 0, se0, 4))
    assert math.isnan(stats.net_change_z(0, se0, 4, 100, 0.0, 0))


# --- census noise (queries/census.py) by hand ----------------------------------------------

_T12, _T6 = 2.1788128296672284, 2.4469118511449786  # scipy.stats.t.ppf(0.975, 12 and 6)


def _census_series() -> dict[str, dict[int, float]]:
    """Retention per unit by month offset (0 = the judged month, -1 the month before, ...).

    A: changes of +-1 into months -12 .. -1 (RMS 1 over 12 changes), a +10 jump into month -13
       (outside the 12-change window) and +9.5 into the judged month itself (not history).
    B: 6 changes of +-2 (the minimum history): RMS 2. C: 5 changes, too few: no yardstick."""
    a = {-14: 80.0, -13: 90.0} | {-j: (91.0 if j % 2 == 0 else 90.0) for j in range(12, 0, -1)}
    b = {-j: (52.0 if j % 2 == 0 else 50.0) for j in range(7, 0, -1)}
    c = {-j: 70.0 + (j % 2) for j in range(6, 0, -1)}
    return {"A": a | {0: 99.5}, "B": b | {0: 60.0}, "C": c | {0: 71.0}}


def test_census_noise_of_series_by_hand() -> None:
    month = date(2026, 10, 1)
    for unit, (rms, k) in {"A": (1.0, 12), "B": (2.0, 6), "C": (math.nan, 5)}.items():
        series = _census_series()[unit]
        months = [scorecard.add_months(month, off) for off in series]
        got = census.noise_of_series(months, list(series.values()), month)
        assert got[1] == k, unit
        assert got[0] == pytest.approx(rms, nan_ok=True), unit
    # A missing month breaks the two changes either side of it: A without month -5 has 10.
    a = {o: v for o, v in _census_series()["A"].items() if o != -5}
    months = [scorecard.add_months(month, off) for off in a]
    assert census.noise_of_series(months, list(a.values()), month) == (1.0, 10)
    values = [math.nan if o == -5 else v for o, v in _census_series()["A"].items()]
    months = [scorecard.add_months(month, off) for off in _census_series()["A"]]
    assert census.noise_of_series(months, values, month) == (1.0, 10)


def test_census_apply_by_hand() -> None:
    month = date(2026, 10, 1)
    rows = [{"key": unit, "metric": "retention_rate", "month": scorecard.add_months(month, off),
             "value": v, "se": 0.0, "df": math.nan, "lo": 0.0, "hi": 0.0, "moe": 0.0}
            for unit, series in _census_series().items() for off, v in series.items()]
    rows.append({"key": "A", "metric": "nps", "month": month, "value": 40.0, "se": 3.0,
                 "df": math.nan, "lo": 34.0, "hi": 46.0, "moe": 6.0})
    out = census.apply(pd.DataFrame(rows), month)
    now = out[out.month == month].set_index(["key", "metric"])
    # A: se = 1 / sqrt 2 = 0.70711 on 12 df; half = 2.17881 * 0.70711 = 1.54066;
    # 99.5 - 1.54066 = 97.95934, 99.5 + 1.54066 = 101.04 -> clipped to 100 (a share).
    a = now.loc[("A", "retention_rate")]
    assert (a.se, a.df) == (pytest.approx(1 / math.sqrt(2)), 12)
    assert (a.lo, a.hi) == (pytest.approx(99.5 - _T12 / math.sqrt(2)), 100.0)
    assert a.moe == pytest.approx((100.0 - 99.5 + _T12 / math.sqrt(2)) / 2)
    # B: se = 2 / sqrt 2 = 1.41421 on 6 df; half = 2.44691 * 1.41421 = 3.46047 around 60
    b = now.loc[("B", "retention_rate")]
    assert (b.se, b.df) == (pytest.approx(math.sqrt(2)), 6)
    assert (b.lo, b.hi, b.moe) == (pytest.approx(60 - _T6 * math.sqrt(2)),
                                   pytest.approx(60 + _T6 * math.sqrt(2)),
                                   pytest.approx(_T6 * math.sqrt(2)))
    # C: too little history -> no interval at all, never a guess
    c = now.loc[("C", "retention_rate")]
    assert all(math.isnan(c[col]) for col in ("se", "df", "lo", "hi", "moe"))
    # An earlier month of A gets the same yardstick around its own value (90 at month -3).
    earlier = out[(out.key == "A") & (out.month == scorecard.add_months(month, -3))].iloc[0]
    assert (earlier.se, earlier.df) == (pytest.approx(1 / math.sqrt(2)), 12)
    assert (earlier.lo, earlier.hi) == (pytest.approx(90 - _T12 / math.sqrt(2)),
                                        pytest.approx(90 + _T12 / math.sqrt(2)))
    # A sampled metric's row is left as it was.
    n = now.loc[("A", "nps")]
    assert (n.se, n.lo, n.hi, n.moe) == (3.0, 34.0, 46.0, 6.0) and math.isnan(n.df)
    # No census rows or no rows: returned unchanged.
    only_nps = pd.DataFrame(rows[-1:])
    assert census.apply(only_nps, month).equals(only_nps)
    assert census.apply(pd.DataFrame(rows[:0]), month).empty


def test_census_series_of_unequal_lengths_is_an_error() -> None:
    # months and values come in pairs: a missing value must be None or NaN, never a shorter
    # list that silently drops the latest months.
    months = [date(2026, m, 1) for m in range(1, 10)]
    with pytest.raises(ValueError):
        census.noise_of_series(months, [90.0] * 8, date(2026, 10, 1))


# --- fair rank: Paule-Mandel spread and rank intervals (queries/insights/rank.py) -----------


def test_rank_intervals_where_the_answer_is_certain() -> None:
    from queries.insights.rank import rank_intervals

    # No uncertainty (SE 0, or unknown and so taken as 0): each interval is the rank itself,
    # 1 = the highest value.
    lo, hi = rank_intervals(np.array([30.0, 10.0, 20.0]), np.array([0.0, np.nan, 0.0]))
    assert lo.tolist() == [1, 3, 2] and hi.tolist() == [1, 3, 2]
    assert lo.dtype.kind == "i" and hi.dtype.kind == "i"
    # 100 SEs apart: the order never changes in any draw
    lo, hi = rank_intervals(np.array([0.0, 100.0]), np.array([1.0, 1.0]))
    assert lo.tolist() == [2, 1] and hi.tolist() == [2, 1]
    # Two units with the same value and SE: each is 1st or 2nd half of the time -> [1, 2]
    lo, hi = rank_intervals(np.array([50.0, 50.0]), np.array([5.0, 5.0]))
    assert lo.tolist() == [1, 1] and hi.tolist() == [2, 2]
    # Seeded: the same data give the same intervals on every rerun of the page, never a rank
    # that flickers between 2-5 and 2-6.
    x, se = np.linspace(40, 60, 12), np.full(12, 6.0)
    first, again = rank_intervals(x, se), rank_intervals(x, se)
    assert (first[0] == again[0]).all() and (first[1] == again[1]).all()
    # No units: no intervals
    lo, hi = rank_intervals(np.array([]), np.array([]))
    assert lo.size == 0 and hi.size == 0 and lo.dtype.kind == "i"


def test_benjamini_hochberg_edges() -> None:
    # No p-value at all (every test impossible, or none): nothing rejected, no adjusted p.
    reject, q = stats.benjamini_hochberg([math.nan, math.nan])
    assert reject.tolist() == [False, False] and np.isnan(q).all() and reject.dtype == bool
    reject, q = stats.benjamini_hochberg([0.001, None])  # None: no test was possible
    assert reject.tolist() == [True, False] and math.isnan(q[1])
    reject, q = stats.benjamini_hochberg([])
    assert reject.size == 0 and q.size == 0
    # A single p exactly at q is rejected (step-up uses p_(k) <= k q / m, as statsmodels does);
    # two p of .03: both adjusted to .03 * 2 / 2 = .03 -> both rejected; .04 and .06 -> the
    # smaller's adjusted p is min(.04 * 2, .06) = .06 > .05 -> neither.
    assert stats.benjamini_hochberg([0.05])[0].tolist() == [True]
    reject, q = stats.benjamini_hochberg([0.03, 0.03])
    assert reject.tolist() == [True, True] and q == pytest.approx([0.03, 0.03])
    reject, q = stats.benjamini_hochberg([0.06, 0.04])
    assert reject.tolist() == [False, False] and q == pytest.approx([0.06, 0.06])
    # a stricter q
    assert stats.benjamini_hochberg([0.03, 0.03], q=0.01)[0].tolist() == [False, False]


def test_change_p_normal_or_student_t() -> None:
    # z = (15 - 4) / 5 = 2.2: normal two-sided p = 0.027807 (scipy: 2 norm.sf(2.2)); with a
    # census metric's 5 degrees of freedom, Student t: 0.079094 (scipy: 2 t.sf(2.2, 5)).
    assert stats.normal_two_sided_p(-2.2) == pytest.approx(0.0278069, abs=1e-7)
    assert math.isnan(stats.normal_two_sided_p(math.nan))
    assert stats.change_p(15, 3, 4, 4, df=5.0) == pytest.approx(0.0790939, abs=1e-7)
    assert stats.change_p(15, 3, 4, 4, df=math.nan) == pytest.approx(0.0278069, abs=1e-7)
    assert math.isnan(stats.change_p(15, 0, 4, 0, df=5.0))  # no noise estimate: no p
    # 15 vs 4 is a rise under the normal test but within the noise on 5 df
    assert stats.change_call(15, 3, 4, 4, True, 0) == "rise"
    assert stats.change_call(15, 3, 4, 4, True, 0, df=5.0) == "steady"


def test_intervals_without_data_or_with_bad_data() -> None:
    assert all(math.isnan(x) for x in adjusted_wald(0, 0, 0))  # no answers: no interval
    # A numerator above its denominator (bad data that got through): still an interval, ending
    # at exactly 1, never NaN from the square root of a negative p (1 - p).
    lo, hi = wilson(12, 10)
    assert hi == 1.0 and 0.0 < lo < 1.0


def test_paule_mandel_by_hand() -> None:
    from queries.insights.rank import paule_mandel_tau2

    # Two units 0 and 10, sampling variance 1 each: equal weights 1 / (1 + t), mean 5,
    # Q(t) = (25 + 25) / (1 + t) = k - 1 = 1  ->  t = tau^2 = 49.
    assert paule_mandel_tau2(np.array([0.0, 10.0]), np.array([1.0, 1.0])) == pytest.approx(49)
    # 0 and 1.5 with variance 0.5: Q(t) = 2 x 0.75^2 / (0.5 + t) = 1  ->  t = 0.625 (below 1)
    assert paule_mandel_tau2(np.array([0.0, 1.5]), np.array([0.5, 0.5])) == pytest.approx(0.625)
    # Q(0) exactly k - 1 (0 and 2 with variance 2: Q = (1 + 1) / 2 = 1): no spread beyond chance
    assert paule_mandel_tau2(np.array([0.0, 2.0]), np.array([2.0, 2.0])) == 0.0
    # One unit or none: no spread to estimate
    assert math.isnan(paule_mandel_tau2(np.array([5.0]), np.array([1.0])))
    assert math.isnan(paule_mandel_tau2(np.array([]), np.array([])))


def test_change_call_small_significant_change_and_the_alpha_edge() -> None:
    """A significant change smaller than one point is still a rise or a fall; p exactly at alpha
    is not significant (p < alpha); no sampling error on either side is no evidence of change."""
    # 10.5 vs 10.0, SE 0.1 each: z = 0.5 / 0.1414 = 3.54, p = 0.0004
    assert stats.change_call(10.5, 0.1, 10.0, 0.1, True, 1) == "rise"
    assert stats.change_call(10.0, 0.1, 10.5, 0.1, True, 1) == "fall"
    p = stats.change_p(10.5, 0.1, 10.0, 0.1)
    assert p == pytest.approx(2 * scipy_stats.norm.sf(0.5 / math.sqrt(0.02)), rel=1e-9)
    assert stats.change_call(10.5, 0.1, 10.0, 0.1, True, 1, alpha=p) == "steady"
    assert stats.change_call(10.5, 0.1, 10.0, 0.1, True, 1, alpha=p * 1.0001) == "rise"
    assert stats.change_call(20.0, 0.0, 10.0, 0.0, True, 0) == "steady"
