"""What it is worth (issue 30, docs/value.md) on the tiny fixture warehouse
(tests/fixture_warehouse.py), every number worked out by hand, on every engine: customers lost,
revenue at risk, the gap's value, the year to date and the pace needed, network percentiles;
the NPS gain's interval against a bootstrap; benchmarks never shown without their caveat."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from presentation import worth as words
from queries import benchmarks, pace, percentiles, scorecard, targets, value
from queries import scope as sc

OCT = date(2026, 10, 1)
VALUES = """
[value]
annual_value_per_customer = 2000
currency = "$"
[value.regions]
S = 3000
"""


def with_value(extra: str = VALUES) -> targets.Targets:
    text = targets.DEFAULT_FILE.read_text(encoding="utf-8") + extra
    return targets.parse(tomllib.loads(text), text)


def card_of(warehouse, scope, t, window=None):
    return scorecard.build(warehouse, sc.load_dims(warehouse), scope, OCT, t, with_map=False,
                           window=window)


def test_customers_and_revenue_at_stake_by_hand(warehouse):
    t = with_value()
    # Company, October: customers at the start L1 200 + L2 100 + L3 50 = 350, retained 180 +
    # 95 + 40 = 315: 35 lost. North (L1, L2) lost 25 at 2,000 = 50,000; South (L3) lost 10 at
    # its own 3,000 = 30,000: 80,000 a year at risk. At the 91% target 0.91 x 350 = 318.5 would
    # have stayed: 3.5 more, valued at the regions' customer-weighted value
    # (300 x 2,000 + 50 x 3,000) / 350 = 2,142.86: 7,500 a year.
    a = value.at_stake(card_of(warehouse, sc.Scope(), t), t)
    assert (a.customers_start, a.customers_retained, a.customers_lost) == (350, 315, 35)
    assert a.revenue_at_risk == pytest.approx(80_000)
    assert a.short_of_target == pytest.approx(3.5)
    assert a.value_per_customer == pytest.approx(750_000 / 350)
    assert a.gap_value == pytest.approx(7_500)
    # North alone: 300 at the start, 275 kept (91.7%, above target): 25 lost, 50,000, no gap
    n = value.at_stake(card_of(warehouse, sc.Scope(region="N"), t), t)
    assert (n.customers_lost, n.revenue_at_risk, n.short_of_target, n.gap_value) == (
        25, 50_000, 0, 0)
    # Lakeside over its default rolling 3 months (Sep and Oct): 400 at the start, 350 kept: 50
    # lost, 100,000; at 91%, 364 would have stayed: 14 more, 28,000 a year
    loc = value.at_stake(card_of(warehouse, sc.Scope(region="N", location="L1"), t), t)
    assert (loc.window, loc.customers_lost) == ("3m", 50)
    assert (loc.revenue_at_risk, loc.gap_value) == (pytest.approx(100_000), pytest.approx(28_000))
    assert words.cfo_line(loc) == ("50 customers left over rolling 3 months (worth $100k a "
                                   "year); at 91.0% retention 14 more would have stayed "
                                   "($28k a year).")


def test_without_a_value_only_counts(warehouse):
    t = targets.load()
    a = value.at_stake(card_of(warehouse, sc.Scope(), t), t)
    assert a.customers_lost == 35 and a.revenue_at_risk is None and a.gap_value is None
    assert "$" not in words.cfo_line(a) and "worth" not in words.cfo_line(a)
    assert words.cfo_line(a).startswith("35 customers left this month;")


def test_year_to_date_and_pace_by_hand(warehouse):
    t = targets.load()
    year = pace.year_pace(warehouse, sc.Scope(), OCT, t)
    nps = year.paces["nps"]
    # January-October 2026 pooled: 10 answers (7 in October, 3 in September), promoters 5,
    # detractors 3: NPS 20, the rolling 12 months too (nothing else since November 2025).
    assert (nps.ytd.value, nps.ytd.n, nps.rolling_12.value) == (pytest.approx(20), 10,
                                                                 pytest.approx(20))
    # 10 months gone, 2 left, target 47 (2026): 47 + (47 - 20) x 10 / 2 = 182, beyond 100
    assert (nps.months_gone, nps.months_left, nps.target) == (10, 2, 47)
    assert nps.needed == pytest.approx(182) and nps.call == "out of reach"
    # its uncertainty: the year to date's half-width x 10 / 2
    assert nps.needed_moe == pytest.approx(nps.ytd.moe * 5)
    ret = year.paces["retention_rate"]  # 485 of 550 kept: 88.18%; needs 91 + 2.82 x 5
    assert ret.ytd.value == pytest.approx(100 * 485 / 550)
    assert ret.needed == pytest.approx(91 + (91 - 100 * 485 / 550) * 5)


def test_fiscal_year_start_is_configurable(warehouse):
    t = with_value("\n[fiscal_year]\nstart_month = 10\n")
    assert pace.fiscal_start(OCT, 10) == OCT and pace.fiscal_year(OCT, 10) == 2027
    assert pace.fiscal_start(date(2026, 3, 1), 4) == date(2025, 4, 1)
    year = pace.year_pace(warehouse, sc.Scope(), OCT, t)
    nps, ret = year.paces["nps"], year.paces["retention_rate"]
    # The fiscal year Oct 2026 - Sep 2027 (named 2027: the default target 45, not 2026's 47).
    # Its first month, October: 7 answers, promoters 3, detractors 2: NPS 100/7 = 14.29; needs
    # 45 + (45 - 14.29) x 1 / 11 = 47.79 in the 11 months left.
    assert (nps.months_gone, nps.months_left, nps.target) == (1, 11, 45)
    assert nps.ytd.value == pytest.approx(100 / 7)
    assert nps.needed == pytest.approx(45 + (45 - 100 / 7) / 11)
    # the last 3 months (NPS 20 +/- 45.7) cannot tell 47.8 from anything: too close to call
    assert nps.call == "too close to call"
    # retention: October 315 / 350 = 90%, needs 91 + 1/11; Aug-Oct at 88.18% (no interval
    # yet: fewer than 6 months of history) falls short: behind
    assert ret.needed == pytest.approx(91 + 1 / 11) and ret.call == "behind"
    assert words.pace_words(ret, year) == ("needs 91.1% from here in the 11 months left to "
                                           "reach 91.0% for the year; the last 3 months "
                                           "averaged 88.2%: behind")


def test_pace_rule_in_words():
    # the example: 10 months at 46.4, target 47 -> 47 + 0.6 x 10 / 2 = 50
    assert pace.needed_level(47, 46.4, 10, 2) == pytest.approx(50)
    lv = pace.Level
    need, moe, call = pace.judge(+1, 47, lv(46.4, 1.0, 900), lv(46, 2.0, 270), 10, 2, "pts")
    assert (need, moe, call) == (pytest.approx(50), pytest.approx(5), "too close to call")
    assert pace.judge(+1, 47, lv(46.4, 0.2, 9e4), lv(52, 0.5, 3e4), 10, 2, "pts")[2] == \
        "on track"
    assert pace.judge(+1, 47, lv(48, 0.2, 9e4), lv(40, 0.5, 3e4), 12, 0, "pts")[2] == "met"
    assert pace.judge(-1, 10, lv(12, None, 9), lv(9, None, 3), 6, 6, "h")[:2] == (8, None)


def test_network_percentiles_by_hand(warehouse):
    dims = sc.load_dims(warehouse)
    from queries import windows

    # October: Lakeside NPS 25 (10, 9, 7, 3), Ridge 0 (10, 6), Bayou 0 (8): Lakeside has 2
    # below and itself: (2 + 0.5) / 3 = 83.3; Ridge and Bayou tie: (0 + 0.5 x 2) / 3 = 33.3
    ranks = {p.location: p for p in percentiles.network(warehouse, dims, OCT, windows.MONTH,
                                                        draws=400)}
    assert {k: round(p.percentile, 1) for k, p in ranks.items()} == {
        "L1": 83.3, "L2": 33.3, "L3": 33.3}
    # Rolling 3 months: Lakeside 16.7 (n 6), Ridge 33.3 (n 3), Bayou 0 (n 1)
    three = percentiles.network(warehouse, dims, OCT, windows.WINDOWS["3m"], draws=400)
    assert [(p.location, round(p.percentile, 1)) for p in three] == [
        ("L2", 83.3), ("L1", 50.0), ("L3", 16.7)]
    for p in three:  # a handful of answers: each interval spans most of the network
        assert 0 < p.low <= p.percentile <= p.high < 100 and p.of == 3
    assert [p.location for p in percentiles.for_scope(three, sc.Scope("N", "L1"))] == ["L1"]


def test_percentile_interval_narrows_with_answers():
    import numpy as np

    values = np.linspace(0, 60, 31)
    wide = percentiles.rank_intervals(values, np.full(31, 19.0), draws=500)
    narrow = percentiles.rank_intervals(values, np.full(31, 2.0), draws=500)
    assert (narrow[1] - narrow[0])[15] < (wide[1] - wide[0])[15] / 2
    assert percentiles.point_ranks(values)[15] == pytest.approx(100 * 15.5 / 31)


def test_targets_value_section_is_validated():
    for bad, said in (("[value]\nannual_value_per_customer = -1\n", "number > 0"),
                      ('[value]\nannual_value_per_customer = "2k"\n', "number > 0"),
                      ("[value.regions]\nMW = 0\n", "must be > 0"),
                      ("[fiscal_year]\nstart_month = 13\n", "from 1 to 12"),
                      ("[value]\nannual_value = 5\n", "unknown key")):
        with pytest.raises(targets.TargetsError, match=said):
            with_value(bad)
    t = with_value()
    assert (t.annual_value("S"), t.annual_value("N"), t.annual_value(None)) == (3000, 2000, 2000)
    assert targets.load().annual_value() is None and targets.load().fiscal_year_start == 1


BENCH = """
version = "test"
[[benchmark]]
metric = "acsi"
label = "industry"
value = 80
year = 2025
source = "somewhere"
definition = "acsi-published"
[[benchmark]]
metric = "nps"
label = "dealers"
value = 44
year = 2025
source = "elsewhere"
definition = "nps-0-10"
[[benchmark]]
metric = "nps"
label = "a 0-5 scale"
value = 30
year = 2024
source = "a vendor"
definition = "nps-0-5"
caveat = "scored on a 0-5 scale"
"""


def test_a_benchmark_with_another_definition_is_never_shown_without_its_caveat():
    b = benchmarks.parse(tomllib.loads(BENCH), BENCH)
    shipped = benchmarks.load()
    for entry in (*b.entries, *shipped.entries):
        text = entry.words()
        assert entry.warning in text if not entry.matches else "caveat" not in text
        assert entry.as_dict()["words"] == text
    acsi, dealers, scale = b.entries
    assert not acsi.matches and acsi.words().endswith("caveat: our ACSI-style index is not "
                                                      "the published ACSI (a latent-variable "
                                                      "model with estimated weights): not "
                                                      "directly comparable")
    assert dealers.matches and dealers.words() == "dealers 2025: 44 (source: elsewhere)"
    assert scale.words().endswith("caveat: scored on a 0-5 scale")
    other = benchmarks.Benchmark("enps", "x", 1, 2025, "y", "enps-0-5")
    assert other.words().endswith("caveat: a different definition (enps-0-5; ours enps-0-10): "
                                  "not directly comparable")
    # the shipped file's published ACSI carries the index's caveat everywhere it is shown
    published = [e for e in shipped.entries if e.metric == "acsi"]
    assert published and all("not the published ACSI" in e.words() for e in published)
    with pytest.raises(benchmarks.BenchmarksError, match="metric: unknown metric .csat."):
        bad = BENCH.replace('metric = "acsi"', 'metric = "csat"')
        benchmarks.parse(tomllib.loads(bad), bad)


def test_the_section_shows_every_caveat(warehouse):
    t = with_value()
    card = card_of(warehouse, sc.Scope(region="N"), t)
    w = value.report(warehouse, sc.load_dims(warehouse), card, t)
    body = words.section_html(w)
    for b in w.benchmarks.entries:
        if not b.matches:
            assert words.html.escape(b.warning) in body
    assert "No value is put on an NPS gain here" in body  # 2 locations: no estimate
    assert [p.location for p in w.percentiles] == ["L2", "L1"]  # North's, best first
    doc = w.as_dict()
    assert (doc["customers_lost"], doc["revenue_at_risk"]) == (25, 50_000)


def _planted_history(k: int = 30, months: int = 27, seed: int = 5):
    """k locations x `months`: NPS from 80 answers a month around each location's own level;
    retention (500 customers at the start) rises 0.2 pts per NPS point above the location's
    usual level in the month before."""
    import numpy as np
    import pandas as pd

    from queries.insights.history import History
    from queries.months import add_months

    rng = np.random.default_rng(seed)
    first = date(2024, 8, 1)
    mons = tuple(add_months(first, i) for i in range(months))
    base = rng.normal(40, 10, k)
    true = base[:, None] + rng.normal(0, 8, (k, months))
    rows = []
    for i in range(k):
        for j, mo in enumerate(mons):
            t = np.clip(true[i, j], -90, 90) / 100
            p_pos, p_neg = 0.5 + t / 2 - 0.05, 0.5 - t / 2 - 0.05
            pos, neg, _ = rng.multinomial(80, [p_pos, p_neg, 1 - p_pos - p_neg])
            before = true[i, j - 1] - base[i] if j else 0.0
            rate = np.clip(0.88 + 0.002 * before + rng.normal(0, 0.01), 0, 1)
            rows.append({"key": f"L{i}", "month": mo, "nps__pos": pos, "nps__neg": neg,
                         "nps__n": 80, "retention_rate__num": rng.binomial(500, rate),
                         "retention_rate__den": 500, "referral_rate__num": 20,
                         "referral_rate__den": 100})
    comps = pd.DataFrame(rows)
    return History(sc.Scope(), mons[-1], mons, tuple(f"L{i}" for i in range(k)),
                   ("N",) * k, comps)


def _bootstrap_value_ci(h, base: float, per: float, draws: int, seed: int):
    """An independent bootstrap of the NPS gain's value: resample locations with replacement,
    rebuild the data set (a location drawn twice counts as two), fit the within-location
    slope by least squares, and value 5 points of it."""
    import numpy as np

    from queries.insights import loyalty

    p = loyalty.points(h, "retention_rate")
    groups = [np.flatnonzero(p.loc == i) for i in range(len(h.locations))]
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(draws):
        xs, ys = [], []
        for i in rng.integers(0, len(groups), len(groups)):
            g = groups[i]
            xs.append(p.x[g] - p.x[g].mean())
            ys.append(p.y[g] - p.y[g].mean())
        x, y = np.concatenate(xs), np.concatenate(ys)
        slope = float(x @ y / (x @ x))  # points of retention per NPS point
        out.append(slope * 5 / 100 * base * per)
    return np.percentile(out, [2.5, 97.5])


def test_the_nps_gain_interval_matches_a_bootstrap():
    from types import SimpleNamespace

    from queries.insights import loyalty

    h = _planted_history()
    link = loyalty.fit_outcome(h, "retention_rate")
    base, per = 12 * 30 * 500.0, 2000.0  # a year of customers at the start; value each
    g = value.nps_gain(SimpleNamespace(links=(link,)), base, per, "$")
    assert g.holds and link.within.significant
    # the carried-through figures: 5 points x slope per 10 / 10 -> retention points; x base
    slope = link.within.slope_per_10
    assert g.retention_points == pytest.approx(slope / 2)
    assert g.value == pytest.approx(slope / 2 / 100 * base * per)
    assert g.value_ci == pytest.approx(tuple(s / 2 / 100 * base * per
                                             for s in link.within.slope_ci))
    lo, hi = _bootstrap_value_ci(h, base, per, draws=300, seed=11)
    width = hi - lo
    assert abs(g.value_ci[0] - lo) < 0.2 * width and abs(g.value_ci[1] - hi) < 0.2 * width
    text = words.gain_words(g)
    assert "association" in text and "not a promise" in text and "95%" in text


@pytest.mark.slow
def test_the_nps_gain_interval_matches_a_large_bootstrap():
    from types import SimpleNamespace

    from queries.insights import loyalty

    h = _planted_history(k=60, seed=8)
    link = loyalty.fit_outcome(h, "retention_rate", draws=4000)
    g = value.nps_gain(SimpleNamespace(links=(link,)), 1e6, 100.0)
    lo, hi = _bootstrap_value_ci(h, 1e6, 100.0, draws=4000, seed=12)
    width = hi - lo
    assert abs(g.value_ci[0] - lo) < 0.06 * width and abs(g.value_ci[1] - hi) < 0.06 * width


@pytest.mark.parametrize("scope_args, lost, risk", [
    ((), 35, 80_000), (("--region", "N"), 25, 50_000),
    (("--location", "L1"), 50, 100_000)])
def test_metrics_json_carries_customers_lost_and_revenue_at_risk(warehouse, capsys, tmp_path,
                                                                  monkeypatch, scope_args,
                                                                  lost, risk):
    import json

    from cli import main as cli
    from queries import settings

    path = tmp_path / "targets.toml"
    path.write_text(targets.DEFAULT_FILE.read_text(encoding="utf-8") + VALUES, encoding="utf-8")
    url = warehouse.url.render_as_string(hide_password=False)
    args = ["metrics", "--url", url, "--month", "2026-10", "--format", "json", "--no-insights",
            *scope_args]
    for values, want in ((None, None), (path, risk)):
        if values is not None:
            monkeypatch.setenv(settings.TARGETS_FILE.name, str(values))
        assert cli.main(args) == 0
        doc = json.loads(capsys.readouterr().out)["value"]
        assert (doc["customers_lost"], doc["revenue_at_risk"]) == (lost, want)
        assert doc["window"] == ("3m" if scope_args[:1] == ("--location",) else "1m")
        assert doc["nps_gain"]["holds"] is False  # --no-insights: not estimated
        assert {p["metric"] for p in doc["year_pace"]["metrics"]} >= {"nps", "retention_rate"}
    assert all(b["caveat"] for b in doc["benchmarks"]["entries"] if not b["same_definition"])


def test_the_page_says_it_in_the_verdict_and_the_section(tmp_path, page_env):
    """The verdict's CFO line on the page, and the value section opened (AppTest, fixture)."""
    from dashboard.panels import worth as panel
    from tests.page import fixture_duckdb, open_section, run_page, section

    page_env.setenv("CX_WAREHOUSE_URL", fixture_duckdb(tmp_path))
    values = tmp_path / "targets.toml"
    values.write_text(targets.DEFAULT_FILE.read_text(encoding="utf-8") + VALUES, "utf-8")
    page_env.setenv("CX_TARGETS_FILE", str(values))
    at = run_page()
    verdict = " ".join(h.proto.body for h in at.get("html"))
    assert "At stake" in verdict and "35 customers left this month (worth $80k a year)" \
        in verdict
    label = section(at, "What it is worth").label  # Markdown: the $ escaped (no formula)
    assert label.endswith(r"35 customers lost, \$80k a year")
    open_section(at, panel.SECTION_KEY)
    text = " ".join(m.value for m in at.markdown)
    assert "At stake" in text and "not a promise" not in text  # no estimate on 3 locations
    assert "No value is put on an NPS gain here" in text
    assert r"caveat\: our ACSI\-style index is not the published ACSI" in text
    assert r"**NPS**: 20 \(±46\) year to date, 20 \(±46\) over 12 months; 47 for the year is " \
        "out of reach" in text


def test_a_tile_names_its_benchmarks_with_their_caveats(warehouse):
    from presentation import tiles

    t = targets.load()
    card = card_of(warehouse, sc.Scope(), t)
    acsi = tiles.tile_html(card.metrics["acsi"], card)
    nps = tiles.tile_html(card.metrics["nps"], card)
    assert "Published: automobile industry ACSI 2025: 79.0" in acsi
    assert acsi.count("Published:") == acsi.count("caveat: our ACSI-style index is not the "
                                                  "published ACSI")
    assert "Published: auto dealers 2025: 44" in nps and "caveat" not in nps


def test_no_gain_is_said_in_one_sentence():
    from queries.insights.history import NotAvailable

    g = value.nps_gain(NotAvailable("satisfaction_loyalty", "One location's months are too "
                                    "few; open its region."), 1000.0, 10.0)
    assert words.gain_words(g) == ("No value is put on an NPS gain here: one location's months "
                                   "are too few; open its region.")
