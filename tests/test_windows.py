"""Windows (month, rolling 3 and 12 months, year to date) pooled in SQL on the tiny fixture
warehouse (tests/fixture_warehouse.py), every number worked out by hand. Runs on every engine."""

from __future__ import annotations

from datetime import date

import pytest

from queries import scope as sc
from queries import scorecard, targets, windows
from queries.sql.aggregate import fetch

OCT = date(2026, 10, 1)
COMPANY = sc.Scope()


def test_periods_and_parse():
    three = windows.WINDOWS["3m"]
    # now Aug-Oct 2026, the window before May-Jul, a year earlier Aug-Oct 2025
    assert three.periods(OCT) == (
        (OCT, date(2026, 8, 1), date(2026, 11, 1)),
        (date(2026, 7, 1), date(2026, 5, 1), date(2026, 8, 1)),
        (date(2025, 10, 1), date(2025, 8, 1), date(2025, 11, 1)))
    # rolling 12 months: the window before IS a year earlier (one period, not two)
    assert windows.WINDOWS["12m"].periods(OCT) == (
        (OCT, date(2025, 11, 1), date(2026, 11, 1)),
        (date(2025, 10, 1), date(2024, 11, 1), date(2025, 11, 1)))
    # year to date: Jan-Oct, compared with Jan-Oct a year earlier
    assert windows.WINDOWS["ytd"].periods(OCT)[0] == (OCT, date(2026, 1, 1), date(2026, 11, 1))
    assert windows.parse(" 3M ") is three and windows.parse(None) is None
    assert windows.parse("") is None
    with pytest.raises(ValueError, match=r"Unknown window '2w': choose one of 1m \(month\)"):
        windows.parse("2w")
    assert windows.for_level(None, "location") is three
    assert windows.for_level(None, "region") is windows.MONTH
    assert windows.for_level(windows.WINDOWS["ytd"], "location").code == "ytd"


def test_pooled_components_are_sums_of_answers(warehouse):
    periods = windows.WINDOWS["3m"].periods(OCT)
    got = fetch(warehouse, sc.Scope(), date(2025, 8, 1), date(2026, 11, 1), by="child",
                periods=periods).set_index(["key", "month"])
    north = got.loc[("N", OCT)]
    # North, Aug-Oct 2026: October ids 1-6 at L1 (6 distinct; id 6 loaded twice) and 7-8 at
    # L2, September ids 10-11 (L1) and 12 (L2): 11 responses. Valid NPS: Oct 10, 9, 7, 3, 10,
    # 6 and Sep 10, 5, 9 -> n 9, promoters 10, 9, 10, 10, 9 = 5, detractors 3, 6, 5 = 3.
    assert (north["responses__n"], north["nps__n"], north["nps__pos"], north["nps__neg"]) == (
        11, 9, 5, 3)
    # Retention: Oct L1 200 + L2 100 + Sep L1 200 customers at the start; 180 + 95 + 170 stayed
    assert (north["retention_rate__den"], north["retention_rate__num"]) == (500, 445)
    # Listening hours: Oct 6 + 1, Sep 3
    assert north["listening_hours_per_leader__num"] == 10
    # a year earlier (Aug-Oct 2025): id 13 at L1, score 6
    last = got.loc[("N", date(2025, 10, 1))]
    assert (last["nps__n"], last["nps__pos"], last["nps__neg"]) == (1, 0, 1)
    assert ("N", date(2026, 7, 1)) not in got.index  # no rows May-Jul: no period row


def test_company_tiles_on_each_window(warehouse):
    dims = sc.load_dims(warehouse)
    t = targets.load()

    def nps(window: str | None, scope=COMPANY):
        card = scorecard.build(warehouse, dims, scope, OCT, t, with_map=False,
                               window=windows.parse(window))
        return card, card.metrics["nps"]

    card, r = nps("3m")
    # Aug-Oct 2026 pooled: the 7 October answers and the 3 September ones (n 10); promoters
    # 10, 9, 10 (Oct) + 10, 9 (Sep) = 5, detractors 3, 6 (Oct) + 5 (Sep) = 3 -> NPS 20.
    # Not the mean of the months' NPS (14.3 and 33.3 -> 23.8).
    assert (r.value, r.n) == (pytest.approx(20.0), 10)
    assert r.previous is None and r.change_prev == "n/a"  # nothing in May-Jul
    assert r.last_year == pytest.approx(-100.0)  # Aug-Oct 2025: id 13 scored 6
    assert card.window.code == "3m" and card.children_window.code == "3m"
    # Retention Aug-Oct: 180 + 95 + 40 (Oct) + 170 (Sep) of 200 + 100 + 50 + 200 = 88.18 %
    assert card.metrics["retention_rate"].value == pytest.approx(100 * 485 / 550)
    _, r12 = nps("12m")
    # Nov 2025 - Oct 2026 holds the same 10 answers; the 12 months before hold id 13 only
    assert (r12.value, r12.previous, r12.last_year) == (
        pytest.approx(20.0), pytest.approx(-100.0), pytest.approx(-100.0))
    _, ytd = nps("ytd")
    assert (ytd.value, ytd.n) == (pytest.approx(20.0), 10)
    _, month = nps("1m")
    assert (month.value, month.previous) == (pytest.approx(100 / 7), pytest.approx(100 / 3))
    # L1 on its default window (rolling 3 months): Oct 10, 9, 7, 3 + Sep 10, 5 -> n 6,
    # promoters 3, detractors 2 -> 16.67
    card, l1 = nps(None, sc.resolve(dims, None, "L1"))
    assert (card.window.code, l1.value, l1.n) == ("3m", pytest.approx(100 / 6), 6)


def test_region_children_default_to_three_months(warehouse):
    dims = sc.load_dims(warehouse)
    card = scorecard.build(warehouse, dims, sc.resolve(dims, "N", None), OCT, targets.load())
    # The region's own tiles: October alone (L1 10, 9, 7, 3 and L2 10, 6 -> 3 - 2 of 6)
    assert card.window.code == "1m"
    assert card.metrics["nps"].value == pytest.approx(100 / 6)
    # Its locations: Aug-Oct pooled. L1 as above 16.67 (n 6); L2 Oct 10, 6 + Sep 9 -> 33.33
    kids = card.children[card.children.metric == "nps"].set_index("key")
    assert kids.loc["L1", "value"] == pytest.approx(100 / 6) and kids.loc["L1", "n"] == 6
    assert kids.loc["L2", "value"] == pytest.approx(100 / 3) and kids.loc["L2", "n"] == 3
    # the map shows the locations' window too
    pts = card.map_points.set_index("location_id")
    assert pts.loc["L1", "value"] == pytest.approx(100 / 6)


def test_the_named_furthest_behind_location_is_ranked_on_twelve_months(warehouse, monkeypatch):
    """Issue 32 item 4: whatever the view's window, a region's verdict names the location
    furthest behind over rolling 12 months (Nov 2025 - Oct 2026), and the company's the region,
    summed from the view's own monthly rows: no fetch of its own (it was one more grouped
    statement per view), and the same figures as one (checked by hand below)."""
    from presentation import verdict as vd
    from queries.ranking import worst_first
    from queries.sql import aggregate

    calls: list[object] = []
    real = aggregate.fetch

    def counted(*a, **k):
        calls.append(k.get("periods"))
        return real(*a, **k)

    monkeypatch.setattr(aggregate, "fetch", counted)
    dims, t = sc.load_dims(warehouse), targets.load()
    north = sc.resolve(dims, "N", None)
    card = scorecard.build(warehouse, dims, north, OCT, t, with_map=False,
                           window=windows.MONTH)
    assert calls == [None]  # the view's months only
    # The heat table on the month: L2 (executive owner and CX-linked pay off) before L1 (none
    # off, October's retention 180 of 200 = 90% near).
    assert list(worst_first(card.children)["key"]) == ["L2", "L1"]
    # Over 12 months L1 has 2 off too (retention 350 of 400 = 87.5%, referral 7 of 40), and
    # the tie goes to the lower NPS: L1 adds Sep 10, 5 -> 3 - 2 of 6 = 16.67 (its Oct 2025
    # answer, a 6, is outside); L2 adds Sep 9 -> 2 - 1 of 3 = 33.33. The verdict names L1.
    nps = card.behind_children[card.behind_children.metric == "nps"].set_index("key")
    assert nps.loc["L1", "value"] == pytest.approx(100 / 6) and nps.loc["L1", "n"] == 6
    assert nps.loc["L2", "value"] == pytest.approx(100 / 3) and nps.loc["L2", "n"] == 3
    v = vd.build(card)
    assert [b.key for b in v.behind] == ["L1", "L2"]
    assert v.behind_heading == "Furthest behind over 12 months (locations)"
    # already on 12 months: the children are the verdict's ranking, no query more
    calls.clear()
    twelve = scorecard.build(warehouse, dims, north, OCT, t, with_map=False,
                             window=windows.WINDOWS["12m"])
    assert len(calls) == 2 and twelve.behind_children is twelve.children
    # the company's regions too (on the month the named region was the truly worst in 69% of
    # simulated companies): North over 12 months L1 + L2 = promoters 10, 9, 10, 10, 9, detractors
    # 3, 5, 6 of 9 -> 22.22; South L3's one 8 -> 0
    calls.clear()
    company = scorecard.build(warehouse, dims, COMPANY, OCT, t, with_map=False)
    assert calls == [None]  # summed from the view's months, no statement of its own
    nps = company.behind_children[company.behind_children.metric == "nps"].set_index("key")
    assert nps.loc["N", "value"] == pytest.approx(200 / 9) and nps.loc["N", "n"] == 9
    assert nps.loc["S", "value"] == 0 and nps.loc["S", "n"] == 1
    assert vd.build(company).behind_heading == "Furthest behind over 12 months (regions)"
