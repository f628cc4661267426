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
from tests.test_faults_data import OCT, _loader, clean_figures, diff, figures

# Copies of October rows of the fixture: an identical culture row (a file appended twice), the
# same culture row dated mid-month (read as October too), and a loyalty row that differs from
# the fixture's L2 (100, 95, 10, 4) only in customers_retained.


@pytest.fixture
def clean(backend, make_warehouse):
    """The clean figures on the test's own engine (the `warehouse` fixture's engines, crossed
    with make_warehouse's, ran each test on four engine pairs)."""
    return clean_figures(backend, make_warehouse)


DUP_ROWS = {
    "culture_monthly": [("L1", OCT, 20, 10, 4, 30, 25),
                        ("L1", date(2026, 10, 15), 20, 10, 4, 30, 25)],
    "loyalty_monthly": [("L2", OCT, 100, 99, 10, 4)],
}


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


# Sums that would overflow ----------------------------------------------------------------------
# L1 (target met) and L2 (not met) report 1e308 of variable and CX-linked pay: summed, infinity,
# and payout alignment was 1e308 (L1's, met) / inf = 0.0%. Each value is above the plausible
# maximum (1e15): the rows are excluded from the two pay metrics like any invalid row, and counted.
HUGE = {"incentives_monthly": [("L1", OCT, 1e308, 1e308, True),
                               ("L2", OCT, 1e308, 1e308, False)]}


def test_implausible_values_never_overflow_a_sum(make_warehouse):
    base = figures(make_warehouse(loader=_loader({}, drop=HUGE), name="huge_clean"))
    eng = make_warehouse(loader=_loader(HUGE, drop=HUGE), name="huge")
    d = diff(figures(eng), base)
    assert all(len(k) == 3 and k[2] == "excluded" for k in d), d
    moved = {(k[0], k[1]): v[1] - v[0] for k, v in d.items()}
    company, north = sc.Scope(), sc.Scope(region="N")
    for metric in ("cx_linked_pay_share", "payout_alignment"):
        assert moved[(company, metric)] == 2 and moved[(north, metric)] == 2
        assert moved[(sc.Scope(region="N", location="L1"), metric)] == 1
    q = {(x.table, x.column, x.issue): x.rows for x in check(eng).quality}
    assert q[("incentives_monthly", "variable_pay", "above 1e+15 (implausible)")] == 2
    assert q[("incentives_monthly", "cx_linked_pay", "above 1e+15 (implausible)")] == 2


def test_a_sum_that_is_not_finite_gives_no_value_not_zero():
    import math

    import pandas as pd

    from queries.evaluate import _div

    got = _div(pd.Series([1e308, 5.0, math.inf, 3.0]), pd.Series([math.inf, 10.0, 4.0, 0.0]))
    assert math.isnan(got[0]) and got[1] == 0.5 and math.isnan(got[2]) and math.isnan(got[3])


# Regions, future months, an empty warehouse -----------------------------------------------------
REGION_ROWS = {
    "regions": [("N", "Another north"), ("Z", None)],  # N twice; Z has no name
    "culture_monthly": [("L1", date(2031, 10, 1), 20, 10, 4, 30, 25)],  # five years ahead
}


def test_check_names_bad_regions_and_months_years_ahead(make_warehouse, clean):
    eng = make_warehouse(loader=_loader(REGION_ROWS), name="regions")
    assert diff(figures(eng), clean) == {}  # October's figures are untouched
    rep = check(eng, today=date(2026, 11, 28))
    assert "regions.region_id: 1 duplicated ('N'); each is shown once, under its first name in " \
           "sort order (its locations count once)" in rep.warnings
    assert "regions.region_name: 1 regions with no name ('Z'); shown by their id" in rep.warnings
    assert any(w.startswith("culture_monthly.month: 1 rows dated after the current month (up to "
                            "2031-10)") for w in rep.warnings), rep.warnings
    dims = sc.load_dims(eng)
    assert dims.region_name("N") == "Another north"  # "Another north" < "North"
    assert dims.region_name("Z") == "Z" and dims.region_name("nowhere") == "(no region)"


def test_an_empty_warehouse_does_not_pass(make_warehouse, capsys):
    from cli import main as cli
    from tests import fixture_warehouse as fw

    eng = make_warehouse(rows={name: [] for name in fw.ROWS}, name="empty")
    rep = check(eng)
    assert not rep.ok and rep.problems[0].startswith("the warehouse holds no data")
    code = cli.main(["check", "--url", eng.url.render_as_string(hide_password=False)])
    out = capsys.readouterr().out
    assert code == 1 and "Contract check FAILS (1 problems)" in out and "passes" not in out
