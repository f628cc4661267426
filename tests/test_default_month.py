"""The month a page and a command open on: the newest month that holds data and has ended by
today, never an empty month; a month still under way is said to be partial.

The fixture warehouse's answers are moved so that the last one is dated on the 28th, the case
that opened the page on an empty month before (a month counted as complete only with an answer
on its last day).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard import state
from queries.scorecard import default_month, partial_month
from tests import fixture_warehouse as fw
from tests.page import run_page

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def test_the_newest_ended_month_by_todays_date() -> None:
    # last answer 28 September, read in December: September has ended, so September
    assert default_month(date(2025, 10, 5), date(2026, 9, 28), date(2026, 12, 7)) == SEP
    # read on 29 September: September is still under way, so August, and September is partial
    assert default_month(date(2025, 10, 5), date(2026, 9, 28), date(2026, 9, 29)) == \
        date(2026, 8, 1)
    assert partial_month(date(2026, 9, 28), date(2026, 9, 29)) == SEP
    assert partial_month(date(2026, 9, 28), date(2026, 10, 1)) is None
    # an answer on the month's last day: the month is over even with a clock behind the data
    assert default_month(date(2025, 10, 5), date(2026, 10, 31), date(2026, 10, 31)) == OCT
    # only a month still under way holds data: that month, not an empty one before it
    assert default_month(date(2026, 11, 2), date(2026, 11, 14), date(2026, 11, 20)) == NOV
    assert state.month_options(date(2026, 9, 3), date(2026, 11, 14)) == [NOV, OCT, SEP]


def _ending_on_the_28th(folder: Path) -> str:
    """The fixture warehouse with every October answer moved back to September, the last one on
    28 September (and September's own answers kept)."""
    def moved(row: tuple) -> tuple:
        when: date = row[2]
        if when.year == 2026 and when.month == 10:
            when = date(2026, 9, min(when.day, 28))
        if when == date(2026, 9, 30):
            when = date(2026, 9, 27)
        return (*row[:2], when, *row[3:])

    rows = dict(fw.ROWS, survey_responses=[moved(r) for r in fw.SURVEY])
    assert max(r[2] for r in rows["survey_responses"]) == date(2026, 9, 28)
    url = f"duckdb:///{folder / 'wh28.duckdb'}"
    writer = sa.create_engine(url)
    fw.load(writer, rows)
    writer.dispose()
    return url


@pytest.mark.parametrize(("today", "month", "so_far"), [
    (date(2026, 12, 7), "2026-09", False),  # in December: September, the month with data
    (date(2026, 9, 29), "2026-08", True),  # on the 29th: August; September offered "so far"
])
def test_page_opens_on_a_month_with_data(page_env: pytest.MonkeyPatch, tmp_path: Path,
                                         today: date, month: str, so_far: bool) -> None:
    page_env.setenv("CX_WAREHOUSE_URL", _ending_on_the_28th(tmp_path))
    page_env.setattr(state, "today", lambda: today)
    at = run_page()
    assert at.query_params["month"] in (month, [month])
    shown = " ".join(str(i.value) for i in at.info)
    if month == "2026-09":
        assert "No data" not in shown, shown
        assert any('data-status="' in h.proto.body for h in at.get("html"))
    picker = at.selectbox(key="month_select")
    labels = list(picker.options)  # as the reader sees them (formatted)
    assert any("so far" in str(x) for x in labels) == so_far, labels


def test_the_partial_month_says_so(page_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    page_env.setenv("CX_WAREHOUSE_URL", _ending_on_the_28th(tmp_path))
    page_env.setattr(state, "today", lambda: date(2026, 9, 29))
    at = run_page(month="2026-09")
    facts = " ".join(str(m.value) for m in at.markdown)
    assert "September so far" in facts, facts
    at = run_page(month="2026-08")
    assert "so far" not in " ".join(str(m.value) for m in at.markdown)
