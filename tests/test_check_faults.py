"""What `check` names and what the metrics keep, on both engines: a (location, month) held twice
in a monthly table counts once (issue 25, item 5).

Each test copies the hand-built fixture (tests/fixture_warehouse.py), adds rows, and compares the
whole scorecard with the clean one (tests/test_faults_data.py's `figures`).
"""

from __future__ import annotations

from datetime import date

import pytest

from queries import scope as sc
from queries import scorecard, targets
from queries.sql.check import DUPLICATE_MONTH, check
from tests.test_faults_data import OCT, _loader, diff, figures

# Copies of October rows of the fixture: an identical culture row (a file appended twice), the
# same culture row dated mid-month (read as October too), and a loyalty row that differs from
# the fixture's L2 (100, 95, 10, 4) only in customers_retained.
DUP_ROWS = {
    "culture_monthly": [("L1", OCT, 20, 10, 4, 30, 25),
                        ("L1", date(2026, 10, 15), 20, 10, 4, 30, 25)],
    "loyalty_monthly": [("L2", OCT, 100, 99, 10, 4)],
}


@pytest.fixture
def clean(warehouse):
    return figures(warehouse)


def test_duplicate_location_months_count_once_and_are_named(make_warehouse, clean):
    eng = make_warehouse(loader=_loader(DUP_ROWS), name="dup")
    # Before: eNPS n for L1 was 20 + 20 + 20 and company retention mixed two L2 rows.
    # The kept row sorts first (earliest month date, then smallest values in column order): the
    # fixture's own row each time (retained 95 < 99), so every figure is the clean one.
    assert diff(figures(eng), clean) == {}
    rep = check(eng)
    q = {(x.table, x.column, x.issue): x.rows for x in rep.quality}
    assert q[("culture_monthly", "location_id, month", DUPLICATE_MONTH)] == 2
    assert q[("loyalty_monthly", "location_id, month", DUPLICATE_MONTH)] == 1
    assert any(w.startswith("culture_monthly: 2 extra rows") and "'L1 2026-10'" in w
               for w in rep.warnings), rep.warnings


def test_the_kept_copy_follows_the_documented_order(make_warehouse):
    """A copy of L2's October loyalty row with customers_retained 90 (< the fixture's 95) is the
    one kept: L2 retention 90 / 100 = 90.0%; company (180 + 90 + 40) / (200 + 100 + 50) =
    310 / 350 = 88.571...% (clean: 315 / 350 = 90.0%)."""
    eng = make_warehouse(loader=_loader({"loyalty_monthly": [("L2", OCT, 100, 90, 10, 4)]}),
                         name="dup_rule")
    dims = sc.load_dims(eng)
    got = {}
    for s in (sc.Scope(), sc.Scope(region="N", location="L2")):
        card = scorecard.build(eng, dims, s, OCT, targets.load(), with_map=False)
        got[s.level] = card.metrics["retention_rate"]
    assert got["location"].value == pytest.approx(90.0)
    assert got["company"].value == pytest.approx(100 * 310 / 350)
    assert got["company"].denominator == 350
