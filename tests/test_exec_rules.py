"""The executive view's rules, by hand: status bands, materiality, the worst-first ranking, the
yes/no reading of a location's flag, the neutral sparkline and the verdict's words."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from dashboard import theme
from presentation import fmt, tiles, verdict
from queries import material, ranking, targets
from queries.registry import BY_NAME


def test_default_amber_band_is_five_percent_of_the_target():
    t = targets.load()
    nps = t.for_metric("nps", year=2026)  # 2026 target 47: band 0.05 * 47 = 2.35 pts
    assert nps.value == 47 and nps.amber == pytest.approx(2.35)
    owner = t.for_metric("exec_owner_share")  # 50%: band 2.5 pts
    assert owner.amber == pytest.approx(2.5)
    assert t.for_metric("retention_rate").amber == 1.0  # set explicitly in targets.toml
    assert t.for_metric("nps", region="PA", year=2026).amber == pytest.approx(2.4)  # 0.05 * 48


@pytest.mark.parametrize(("value", "status"), [
    (47.0, "green"),
    (44.6, "amber"),  # shown "45": 2 pts short, inside 2.35
    (45.0, "amber"),
    (44.5, "red"),    # shown "44" (round half to even, as the page prints it): 3 pts short
    (44.4, "red"),
])
def test_status_is_judged_on_the_value_as_shown(value, status):
    tgt = targets.load().for_metric("nps", year=2026)
    assert targets.status("nps", value, tgt, low_confidence=False) == status
    shown = fmt.value_text(BY_NAME["nps"], value)
    # Two values that read the same always get the same status.
    assert targets.status("nps", float(shown), tgt, low_confidence=False) == status


def test_material_needs_the_registry_minimum_and_one_shown_step():
    # The one rule (stats.material): |delta| >= max(min_change, 10 ** -decimals).
    # NPS: min_change 1.0, 0 decimals -> step 1 -> floor max(1.0, 1) = 1 pt.
    assert not material.material("nps", 0.96)
    assert material.material("nps", 1.0) and material.material("nps", -1.2)
    # Recognitions: min_change 0.01, 2 decimals -> step 0.01 -> floor 0.01 per employee
    # (the old 2%-of-target rule wanted 0.02 * 0.6 = 0.012, so 0.011 was immaterial then).
    assert not material.material("recognitions_per_employee", 0.009)
    assert material.material("recognitions_per_employee", 0.011)
    # Listening hours: min_change 0.1 h, 1 decimal -> floor 0.1 h, with or without a target
    # (no longer 2% of the previous value: 3.9 h out of 200 h is a change that shows).
    assert not material.material("listening_hours_per_leader", 0.09)
    assert material.material("listening_hours_per_leader", 0.1)
    assert material.material("listening_hours_per_leader", 3.9)
    # Retention: min_change 0.2 pts > its step 0.1 -> floor 0.2; ACSI-style: 0.5 > 0.1 -> 0.5.
    assert not material.material("retention_rate", 0.19)
    assert material.material("retention_rate", -0.2)
    assert not material.material("acsi", 0.4) and material.material("acsi", 0.5)
    assert not material.material("nps", None)
    # No twin: the page's rule is the statistics' rule, metric by metric.
    from queries import stats

    for name, m in BY_NAME.items():
        for d in (0.5 * m.min_change, m.min_change, 2 * m.min_change, 10.0 ** -m.decimals):
            assert material.material(name, d) == stats.material(d, m.decimals, m.min_change)


def test_shown_change_keeps_real_and_material_moves_only():
    assert material.shown_change("nps", "rise", 6.0) == "rise"
    assert material.shown_change("nps", "rise", 0.5) == "small"  # 0.5 < 1 pt: too small
    assert material.shown_change("nps", "steady", 6.0) == "steady"  # large but noise
    assert material.shown_change("responses", "fall", -900) == "small"  # volume is context
    assert material.shown_change("nps", "n/a", None) == "n/a"
    # falls are judged like rises: -0.5 pt is too small, -6 pts is a fall
    assert material.shown_change("nps", "fall", -0.5) == "small"
    assert material.shown_change("nps", "fall", -6.0) == "fall"
    assert material.shown_change("responses", "rise", 900) == "small"  # in either direction


def _long(rows: list[tuple[str, str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["key", "name", "metric", "value", "status"]).assign(
        moe=0.0)


def test_worst_first_counts_off_then_near_then_lowest_nps():
    kids = _long([
        # A: 1 off, 1 near, NPS 40 | B: 2 off, NPS 50 | C: 1 off, 1 near, NPS 30 | D: tiny sample
        ("A", "Alpha", "nps", 40, "amber"), ("A", "Alpha", "enps", 10, "red"),
        ("B", "Bravo", "nps", 50, "red"), ("B", "Bravo", "enps", 12, "red"),
        ("C", "Charlie", "nps", 30, "amber"), ("C", "Charlie", "enps", 9, "red"),
        ("D", "Delta", "nps", -100, "low_confidence"), ("D", "Delta", "enps", 0, "red"),
    ])
    out = ranking.worst_first(kids, ("nps", "enps"))
    # B has most off (2); A and C tie on 1 off + 1 near, C's NPS 30 < A's 40; D last: unsure.
    assert list(out["name"]) == ["Bravo", "Charlie", "Alpha", "Delta"]
    assert list(out["off"]) == [2, 1, 1, 1] and list(out["near"]) == [0, 1, 1, 0]


def test_yes_no_reads_since_when():
    months = [date(2025, m, 1) for m in range(10, 13)] + [date(2026, m, 1) for m in range(1, 11)]
    owner = [0.0] * 5 + [100.0] * 8  # an owner from March 2026 on
    assert fmt.yes_no_text(tuple(zip(months, owner, strict=True))) == "yes since Mar 2026"
    assert fmt.yes_no_text(tuple(zip(months, [0.0] * 13, strict=True))) == "no (all 13 months)"
    assert fmt.is_yes_no(BY_NAME["exec_owner_share"], "location")
    assert not fmt.is_yes_no(BY_NAME["exec_owner_share"], "region")
    assert not fmt.is_yes_no(BY_NAME["cx_agenda_share"], "location")


def test_sparkline_is_a_neutral_line_drawn_from_the_numbers():
    # Three points (the gap skipped): x at 2 + 72 * i / 3 for i = 0, 2, 3; lowest value at the
    # bottom (y = 22 - 2 = 20), highest at the top (y = 2), 11 for the value half-way.
    assert tiles.spark_points([1.0, None, 3.0, 2.0]) == [(2.0, 20.0), (50.0, 2.0), (74.0, 11.0)]
    span = tiles.sparkline([1.0, None, 3.0, 2.0])
    poly = re.search(r"clip-path:polygon\(([^)]*)\)", span).group(1)
    corners = [tuple(float(c.removesuffix("px")) for c in p.split()) for p in poly.split(",")]
    # The band runs 0.8 px above each point left to right, around the last month's dot (an
    # octagon of radius 2.2 from its left, clockwise), and back 0.8 px below each point.
    assert corners[:3] == [(2.0, 19.2), (50.0, 1.2), (74.0, 10.2)]
    assert corners[-3:] == [(74.0, 11.8), (50.0, 2.8), (2.0, 20.8)]
    dot = corners[3:-3]
    assert len(dot) == 9 and dot[0] == dot[-1] == (71.8, 11.0) and (74.0, 8.8) in dot
    assert (76.2, 11.0) in dot and (74.0, 13.2) in dot
    # neutral: the grey fill comes from the style sheet, never a status colour
    assert "cx-spark" in span and not any(c in span for c in fmt.STATUS_COLOURS.values())
    assert f".cx-spark {{display: inline-block; background: {tiles.SPARK_COLOUR};}}" in \
        theme._STYLE
    assert tiles.sparkline([5.0]) == "" and tiles.sparkline([None, 5.0, float("nan")]) == ""


def test_chart_buttons_draw_their_icon_from_the_style_sheet():
    """No image per tile: the icon is decoded once, not on every month change."""
    button = tiles.chart_button(BY_NAME["nps"])
    assert "<img" not in button and 'class="cx-open"' in button
    assert tiles.CHART_ICON in theme._STYLE


def test_plural_and_pts_words():
    assert fmt.plural(1, "location") == "1 location" and fmt.plural(3, "location") == "3 locations"
    assert fmt.n_text(BY_NAME["exec_owner_share"], 1) == "n = 1 location"
    assert fmt.diff_text(BY_NAME["nps"], 3.0) == "+3 pts"
    assert fmt.diff_text(BY_NAME["acsi"], -0.4) == "-0.4 pts"
    b = verdict.Behind("MW", "Midwest", 37.0, 6, 7)
    assert verdict.behind_words(b) == "Midwest (NPS 37, 6 of 7 off target)"


def test_furthest_behind_never_quotes_an_nps_from_too_few_answers():
    from types import SimpleNamespace

    kids = _long([("A", "Alpha", "nps", 0.0, "low_confidence"), ("A", "Alpha", "enps", 5, "red"),
                  ("B", "Bravo", "nps", 38.0, "red"), ("B", "Bravo", "enps", 9, "amber")])
    card = SimpleNamespace(metrics={}, children=kids,
                           scope=SimpleNamespace(child_level="location"))
    v = verdict.build(card, ranked=ranking.worst_first(kids, ("nps", "enps")))
    words = [verdict.behind_words(b) for b in v.behind]
    # Bravo: 1 off + 1 near ranks before Alpha (1 off, NPS unsure: last).
    assert words == ["Bravo (NPS 38, 1 of 2 off target)", "Alpha (1 of 2 off target)"]


def test_each_finding_gets_its_own_question() -> None:
    """Culture's finding is not labelled as the loyalty one (two 'Do happier customers stay?')."""
    from presentation.verdict import finding_question

    assert finding_question("NPS rose 5.3 pts … gained an executive owner") == "Led from the top?"
    assert (finding_question("Associated: within a location, employee engagement goes with")
            == "Do engaged employees make happier customers?")
    assert finding_question("Associated: within a location, a month with 10 pts more NPS") == (
        "Do happier customers stay?")
