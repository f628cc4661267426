"""The gaming detector finds a planted case, with the right signals and numbers worked by hand.

Twelve locations in one region, April to October 2026, every month the same: 50 answers (10 tens,
10 nines, 20 eights, 10 threes: NPS 20, 20% tens) from 500 customers (450 at the start of the
month + 50 new). In October eleven of them stay the same apart from a little volume spread, and
one ("P", planted) gets 100 answers: 70 tens, 10 nines, 15 eights, 5 threes, still from 500
customers: NPS 75 with a jump in 10s and in response volume, the pattern of a gamed survey.
"""

from __future__ import annotations

from datetime import date

import pytest

from queries import insights
from queries import scope as sc

MONTHS = [date(2026, m, 1) for m in range(4, 11)]  # April .. October
OCT = MONTHS[-1]
PEERS = [f"Q{k:02d}" for k in range(11)]
PEER_OCT_VOLUME = [44, 46, 48, 49, 50, 50, 51, 52, 54, 56, 58]


def _answers(n10: int, n9: int, n8: int, n3: int) -> list[int]:
    return [10] * n10 + [9] * n9 + [8] * n8 + [3] * n3


def _rows() -> dict[str, list[tuple]]:
    survey: list[tuple] = []
    loyalty: list[tuple] = []

    def add(loc: str, month: date, scores: list[int]) -> None:
        for s in scores:
            survey.append((len(survey) + 1, loc, month.replace(day=15), s, 8, 8, 8))

    for loc in [*PEERS, "P"]:
        for m in MONTHS:
            loyalty.append((loc, m, 450, 430, 50, 10))
            if m != OCT:
                add(loc, m, _answers(10, 10, 20, 10))
    for loc, v in zip(PEERS, PEER_OCT_VOLUME, strict=True):
        fifth = round(v / 5)  # same shares as every other month: NPS 20, 20% tens
        add(loc, OCT, _answers(fifth, fifth, v - 3 * fifth, fifth))
    add("P", OCT, _answers(70, 10, 15, 5))
    return {
        "regions": [("R", "Region")],
        "locations": [(loc, f"Loc {loc}", "R", None, None) for loc in [*PEERS, "P"]],
        "survey_responses": survey, "loyalty_monthly": loyalty,
        "leadership_monthly": [], "incentives_monthly": [], "culture_monthly": [],
    }


def test_planted_gaming_is_flagged_with_its_signals(make_warehouse) -> None:
    eng = make_warehouse(rows=_rows(), name="gaming")
    dims = sc.load_dims(eng)
    g = insights.gaming(eng, dims, sc.Scope(region="R"), OCT)
    # Tested location-months: a month with answers and a baseline with answers, i.e. May to
    # October (April's previous six months are empty): 6 months x 12 locations = 72.
    assert g.location_months == 72
    assert [(f.key, f.month) for f in g.flags] == [("P", OCT)]
    f = g.flags[0]
    assert f.signals == ("tens_jump", "volume_jump")
    # NPS: October 100 * (80 - 5) / 100 = 75; baseline April-September 6 x (20 - 10) / 50 = 20.
    # Rising: pooled 200 promoters, 65 detractors of 400 -> p .5, d .1625,
    #   per-answer variance 1e4 (.6625 - .3375^2) = 5486.0, SE sqrt(5486 (1/100 + 1/300)) = 8.553,
    #   z = 55 / 8.553 = 6.43 > 1.96.
    assert (f.nps, f.nps_baseline) == (pytest.approx(75.0), pytest.approx(20.0))
    # Tens: 70 of 100 vs 60 of 300 (20%): pooled .325, SE sqrt(.325 .675 (1/100 + 1/300)) = .0541,
    #   z = .5 / .0541 = 9.2 > 3.09.
    assert (f.tens_share, f.tens_share_baseline) == (pytest.approx(70.0), pytest.approx(20.0))
    # Volume: 100 vs a baseline median of 50 -> log 2 = .693. Peers' log changes: log(v / 50) for
    #   v in 44..58; with P's, the median of the twelve is .00995 and 1.4826 MAD = .0875, so
    #   z = (.693 - .010) / .0875 = 7.8 > 3.09, and .683 >= log 1.5 = .405.
    assert (f.responses, f.responses_baseline) == (100.0, 50.0)
    # Response rate: 100 answers per 500 customers = 20 per 100, baseline 300 / 3000 = 10: a
    #   rise, not the fall that would be the third signal.
    assert (f.response_rate, f.response_rate_baseline) == (pytest.approx(20.0), pytest.approx(10.0))
    assert g.signal_counts == {"tens_jump": 1, "volume_jump": 1, "rate_fall": 0}
    assert "Loc P (Oct 2026: more 10s, more answers)" in g.sentence  # words, never codes
    assert "tens_jump" not in g.sentence and "_" not in g.sentence
    assert g.as_dict()["rate"] == round(1 / 72, 5)
