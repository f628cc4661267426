"""Calendar-month arithmetic, in one place for every layer: a month is a date on its first day."""

from __future__ import annotations

import re
from datetime import date

_MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR = 1900  # a month before this is a typo, not a survey month


def month_floor(d: date) -> date:
    """The first day of d's month."""
    return date(d.year, d.month, 1)


def add_months(d: date, k: int) -> date:
    """The first day of the month k months after d's month (k may be negative)."""
    y, m = divmod(d.year * 12 + d.month - 1 + k, 12)
    return date(y, m + 1, 1)


def month_index(d: date) -> int:
    """Months since year 0: consecutive months differ by one, so differences count months."""
    return d.year * 12 + d.month - 1


def months_between(a: date, b: date) -> int:
    """Calendar months from a's month to b's (negative when b is earlier)."""
    return month_index(b) - month_index(a)


def parse_month(text: str) -> date | None:
    """`YYYY-MM` (surrounding spaces allowed, month 01-12, year from 1900) -> its first day, else
    None. The one rule for a month typed in a link; the caller words its own error."""
    m = _MONTH.fullmatch(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < FIRST_YEAR:
        return None
    return date(int(m.group(1)), int(m.group(2)), 1)
