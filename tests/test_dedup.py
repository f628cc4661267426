"""The deduplication rule of the raw survey query: a response_id counts once, in a fixed place.

`aggregate.survey_select` keeps, of the rows sharing a response_id inside the month window, the
earliest (responded_on, then location_id). Every count below is worked out from the rows by hand.
"""

from __future__ import annotations

from datetime import date

import pytest

from queries import scope as sc
from queries.sql.aggregate import fetch

D = date
# response_id, location_id, responded_on, nps_score, sat_overall, sat_expectations, sat_ideal
SURVEY = [
    (1, "L1", D(2026, 10, 3), 10, 9, 9, 9),
    (1, "L1", D(2026, 10, 3), 10, 9, 9, 9),  # loaded twice: counts once
    (2, "L2", D(2026, 10, 5), 0, 2, 2, 2),
    (2, "L1", D(2026, 10, 5), 0, 2, 2, 2),  # same day, two locations: L1 (first by id) keeps it
    (3, "L2", D(2026, 10, 20), 9, 8, 8, 8),
    (3, "L1", D(2026, 10, 25), 9, 8, 8, 8),  # later copy elsewhere: L2 (earliest) keeps it
    (4, "L1", D(2026, 10, 9), 7, 7, 7, 7),
    (5, "L2", D(2026, 10, 1), 10, 9, 9, 9),  # first day of the window: in
    (6, "L2", D(2026, 11, 1), 10, 9, 9, 9),  # first day after the window: out
    (7, "L3", D(2026, 9, 30), 3, 3, 3, 3),  # day before the window: out
]
ROWS = {
    "regions": [("N", "North"), ("S", "South")],
    "locations": [("L1", "Lakeside", "N", None, None), ("L2", "Ridge", "N", None, None),
                  ("L3", "Bayou", "S", None, None)],
    "survey_responses": SURVEY,
    "leadership_monthly": [], "incentives_monthly": [], "culture_monthly": [],
    "loyalty_monthly": [],
}
OCT, NOV = D(2026, 10, 1), D(2026, 11, 1)


@pytest.fixture
def eng(make_warehouse):
    return make_warehouse(rows=ROWS, name="dedup")


def _by_key(df) -> dict:
    return {k: (r["responses__n"], r["nps__n"], r["nps__pos"], r["nps__neg"])
            for k, (_, r) in zip(df["key"], df.iterrows(), strict=True)}


def test_duplicates_count_once_in_the_earliest_place(eng) -> None:
    got = _by_key(fetch(eng, sc.Scope(region="N"), OCT, NOV, by="child", use_rollup=False))
    # L1: ids 1 (10), 2 (0), 4 (7) -> 3 responses, 1 promoter, 1 detractor
    # L2: ids 3 (9), 5 (10)        -> 2 responses, 2 promoters
    assert got == {"L1": (3, 3, 1, 1), "L2": (2, 2, 2, 0)}


def test_window_is_half_open_and_scope_filtered(eng) -> None:
    total = fetch(eng, sc.Scope(), OCT, NOV, by="none", use_rollup=False)
    # Company, October: ids 1-5 (6 is November, 7 is September) -> 5 responses, 3 promoters
    # (1, 3, 5), 1 detractor (2).
    assert _by_key(total) == {None: (5, 5, 3, 1)}
    regions = _by_key(fetch(eng, sc.Scope(), OCT, NOV, by="child", use_rollup=False))
    assert regions == {"N": (5, 5, 3, 1)}  # South's only answer is in September
    sept = _by_key(fetch(eng, sc.Scope(region="S"), D(2026, 9, 1), OCT, by="none",
                         use_rollup=False))
    assert sept == {None: (1, 1, 0, 1)}


def test_location_page_counts_the_same_responses_as_its_region(eng) -> None:
    """Found by issue 16 (the raw query used to filter to the scope before deduplicating, so
    response 2 counted for L1 in the region view and again on L2's page); fixed on main."""
    loc = _by_key(fetch(eng, sc.Scope(region="N", location="L2"), OCT, NOV, by="none",
                        use_rollup=False))
    assert loc == {None: (2, 2, 2, 0)}  # as in the region view: ids 3 and 5


def test_future_dated_rows_never_count(make_warehouse) -> None:
    """A response dated after today is a clock error (`not_future`): left out, and a future copy
    of a response never moves it. Dates are relative to today, the window spans both sides."""
    from datetime import timedelta

    today = date.today()
    day = timedelta(days=1)
    survey = [
        (20, "L1", today - 10 * day, 10, 9, 9, 9),
        (21, "L2", today + 10 * day, 10, 9, 9, 9),  # future only: out
        (22, "L1", today + 5 * day, 0, 2, 2, 2),  # future copy ...
        (22, "L2", today - 3 * day, 0, 2, 2, 2),  # ... of a past answer at L2: L2 keeps it
        (23, "L1", today - 3 * day, 9, 8, 8, 8),
        (23, "L2", today + 1 * day, 9, 8, 8, 8),  # future copy elsewhere: never counts
    ]
    eng = make_warehouse(rows=ROWS | {"survey_responses": survey}, name="dedup_future")
    got = fetch(eng, sc.Scope(region="N"), today - 400 * day, today + 400 * day, by="child",
                use_rollup=False)
    sums = got.groupby("key")[["responses__n", "nps__pos", "nps__neg"]].sum()
    # L1: ids 20 (10) and 23 (9) -> 2 responses, 2 promoters; L2: id 22 (0) -> 1 detractor.
    assert sums.to_dict("index") == {"L1": {"responses__n": 2, "nps__pos": 2, "nps__neg": 0},
                                     "L2": {"responses__n": 1, "nps__pos": 0, "nps__neg": 1}}
