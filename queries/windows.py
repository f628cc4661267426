"""Windows a view can pool: one month, rolling 3 or 12 months, or the year to date.

A location's single month rests on about 50 answers (NPS +/-19): its colour flipped in 89% of
months of a null warehouse and its "most improved" were mostly noise. Pooling the answers of
several months (sums of answers in SQL, never an average of monthly values) narrows that, at the
price of reacting later. Each window compares with the window just before it (no overlap, so the
two sides are independent samples) and with the same window a year earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from queries.months import add_months


@dataclass(frozen=True)
class Window:
    code: str  # as in a link (`window=3m`) and on the command line (`--window 3m`)
    label: str  # how the page and the pack name it
    months: int  # months pooled (the year to date: 0, it depends on the month)

    def span(self, month: date) -> int:
        """Months pooled when `month` is the last one."""
        return month.month if self.months == 0 else self.months

    def step(self, month: date) -> int:
        """How far back 'previous' lies: the window just before, or last year's for the
        year to date (whose window before would be a different length)."""
        return 12 if self.months == 0 else self.months

    def periods(self, month: date) -> tuple[tuple[date, date, date], ...]:
        """(label, start, stop) of now, previous and a year earlier; each labelled by its last
        month, so a pooled frame reads like a monthly one (duplicates dropped)."""
        span = self.span(month)
        out: dict[date, tuple[date, date, date]] = {}
        for back in (0, self.step(month), 12):
            end = add_months(month, -back)
            out.setdefault(end, (end, add_months(end, 1 - span), add_months(end, 1)))
        return tuple(out.values())


WINDOWS: dict[str, Window] = {
    "1m": Window("1m", "month", 1),
    "3m": Window("3m", "rolling 3 months", 3),
    "12m": Window("12m", "rolling 12 months", 12),
    "ytd": Window("ytd", "year to date", 0),
}
MONTH = WINDOWS["1m"]
LOCATION_DEFAULT = WINDOWS["3m"]  # a location's status, rank and movers unless one is chosen
# The child (location or region) a verdict names furthest behind: ranked on rolling 12 months
# whatever the view's window. On 3 months the named location was truly in its region's worst
# 10% in 65% of simulated region-months, on 12 months in 92%; the named region on the month
# was the truly worst in 69% of simulated companies (docs/metrics.md, "Signals").
BEHIND = WINDOWS["12m"]


def parse(text: str | None) -> Window | None:
    """A window code from a link or the command line; None when absent. ValueError (with the
    choices) for anything else: a typo must not silently show another window."""
    if text is None or not str(text).strip():
        return None
    code = str(text).strip().lower()
    if code not in WINDOWS:
        choices = ", ".join(f"{w.code} ({w.label})" for w in WINDOWS.values())
        raise ValueError(f"Unknown window {str(text)[:20]!r}: choose one of {choices}.")
    return WINDOWS[code]


def for_level(chosen: Window | None, level: str | None) -> Window:
    """The window of one level's numbers: the chosen one, else rolling 3 months for a
    location's (its own tiles, or locations in a region's table and movers), else the month."""
    if chosen is not None:
        return chosen
    return LOCATION_DEFAULT if level == "location" else MONTH
