"""How numbers, changes and statuses read on the page and in the board pack (no Streamlit here).

One place decides the words and colours, so a tile, a table cell and a chart label never disagree.
"""

from __future__ import annotations

import math
from datetime import date

from presentation.text import md as text_md
from queries import stats
from queries.months import add_months
from queries.registry import BY_NAME, METRICS, Metric
from queries.results import finite_or_none
from queries.windows import Window

# A yes/no fact at one location reads "Executive owner: yes since Mar 2026" (registry words).
YES_NO_LABELS: dict[str, str] = {m.name: m.yes_no_label for m in METRICS if m.yes_no_label}

STATUS_TEXT: dict[str, str] = {
    "green": "On target",
    "amber": "Near target",
    "red": "Off target",
    "unsure": "Too close to call",
    "low_confidence": "Low confidence",
    "no_data": "No data",
    "no_target": "No target",
}
# Solid colours for chart marks; readable on white and on Streamlit's dark background.
STATUS_COLOURS: dict[str, str] = {
    "green": "#2e9e5b", "amber": "#e0a100", "red": "#d64545", "unsure": "#9a9a9a",
    "low_confidence": "#9a9a9a", "no_data": "#9a9a9a", "no_target": "#6c8ebf",
}
# Translucent cell backgrounds: the theme's own text colour stays readable in light and dark.
STATUS_CELL_CSS: dict[str, str] = {
    "green": "background-color: rgba(46, 158, 91, 0.28)",
    "amber": "background-color: rgba(224, 161, 0, 0.30)",
    "red": "background-color: rgba(214, 69, 69, 0.30)",
    "unsure": "background-color: rgba(128, 128, 128, 0.10)",
    "low_confidence": "background-color: rgba(128, 128, 128, 0.14); color: #8c8c8c",
    "no_data": "color: #8c8c8c",
    "no_target": "",
}
BAND_FILL = "rgba(99, 130, 220, 0.22)"
LINE_COLOUR = "#4f7fd9"
TARGET_COLOUR = "#8c8c8c"


def short_label(name: str) -> str:
    """The registry's short label (tiles, charts, the pack), else its full label."""
    m = BY_NAME[name]
    return m.short_label or m.label


def column_label(name: str) -> str:
    """The registry's league-table header, else the short label."""
    return BY_NAME[name].column_label or short_label(name)


def compact(n: float | None) -> str:
    """12,345 -> 12,345; 315,294 -> 315k; 1,234,567 -> 1.2M (headers stay one line)."""
    if finite_or_none(n) is None:
        return "—"
    a = abs(float(n))
    if a >= 1e6:
        return f"{n / 1e6:.1f}M"
    if a >= 1e5:
        return f"{n / 1e3:.0f}k"
    return f"{n:,.0f}"


def number(m: Metric, v: float | None) -> str:
    """The bare number at the metric's precision: what tests compare with the query layer."""
    if finite_or_none(v) is None:
        return "—"
    if m.unit == "count":
        return compact(v)
    return f"{v:,.{m.decimals}f}"


def value_text(m: Metric, v: float | None) -> str:
    """Number plus unit as a tile shows it: '48', '90.6%', '1.4 h', '0.51'."""
    if finite_or_none(v) is None:
        return "—"
    text = number(m, v)
    if m.unit == "%":
        return text + "%"
    if m.unit == "h":
        return text + " h"
    return text


def diff_text(m: Metric, d: float) -> str:
    """A signed difference in the metric's units: percentages, scores and indexes change by
    points ("pts" everywhere), hours by hours."""
    places = m.decimals if abs(d) >= 10 ** -m.decimals or d == 0 else m.decimals + 1
    text = f"{d:+,.{places}f}"
    if m.unit in ("%", "pts", "index"):
        return text + " pts"
    if m.unit == "h":
        return text + " h"
    return text


def target_text(m: Metric, target: float | None) -> str:
    if target is None:
        return "no target"
    sign = "≥" if m.direction > 0 else "≤"
    return f"target {sign} {value_text(m, float(target))}"


def month_label(d: date) -> str:
    return d.strftime("%b %Y")


def delta_parts(m: Metric, delta: float | None, change: str,
                month: date | None = None) -> tuple[str | None, str, str]:
    """(delta text, colour, arrow): colour is "good", "bad" or "off" (grey), arrow "▲", "▼" or "".

    `change` is `material.shown_change`'s word. A change the query layer calls 'steady' is inside
    the sampling noise (grey, no arrow, and it says so) or below the one materiality rule
    (`stats.material`: registry `min_change` and one displayed unit), which reads "no change".
    Survey volume ('small') is grey with no arrow too. Only a real and material rise or fall
    gets an arrow and a colour, and the colour follows the metric's direction: red always
    means "worse". 'usual' is a move like last year's over the same two months (season, not
    news): grey, no arrow, "usual for December" (`month` is the month judged).
    """
    if delta is not None and change == "usual":
        return f"{diff_text(m, delta)} ({usual_text(month)})", "off", ""
    if delta is not None and change == "n/a" and m.history_noise:
        # A census with too short a history of its own changes: the move is shown, not judged.
        return f"{diff_text(m, delta)} (too little history to judge)", "off", ""
    if delta is None or change == "n/a":
        return None, "off", ""
    if change == "steady":
        if not stats.material(delta, m.decimals, m.min_change):
            return "no change", "off", ""  # below the displayed precision or what matters
        return f"≈ {diff_text(m, delta)} (within noise)", "off", ""
    if change == "small":  # called a move but immaterial (the one rule), or survey volume
        if not stats.material(delta, m.decimals, m.min_change):
            return "no change", "off", ""
        return f"{diff_text(m, delta)} (small change)", "off", ""
    good = delta * m.direction > 0
    return diff_text(m, delta), "good" if good else "bad", "▲" if delta > 0 else "▼"


def period_text(window: Window, month: date, back: int, year: bool = False) -> str:
    """The window that ends `back` months before `month`, as a tile's "vs ..." names it:
    'Sep' (or 'Oct 25' with `year`) for one month, 'May-Jul' or 'Nov 24-Oct 25' for several."""
    end = add_months(month, -back)
    span = window.span(end)
    if span == 1:
        return f"{end:%b %y}" if year else f"{end:%b}"
    start = add_months(end, 1 - span)
    if year or start.year != end.year:
        return f"{start:%b %y}–{end:%b %y}"
    return f"{start:%b}–{end:%b}"


def previous_text(window: Window, month: date) -> str:
    """What a tile's change compares with: the window just before (last year's for the year to
    date)."""
    return period_text(window, month, window.step(month))


def usual_text(month: date | None) -> str:
    """'usual for December': a seasonal move, named by the month it happens in."""
    return f"usual for {month:%B}" if month is not None else "usual for the season"


def plural(n: float, word: str, many: str | None = None) -> str:
    """'1 location', '3 locations', '0 locations' (with thousands separators)."""
    k = int(n)
    return f"{k:,} {word if k == 1 else (many or word + 's')}"


def is_yes_no(m: Metric, level: str) -> bool:
    """A share of locations with a flag is a plain yes or no for one location."""
    from queries.registry import Flag, Rows

    return (level == "location" and m.kind == "ratio" and isinstance(m.numerator, Flag)
            and isinstance(m.denominator, Rows))


def yes_no_text(trend: tuple[tuple[date, float | None], ...]) -> str:
    """'yes since Mar 2026', 'no', 'yes (all 13 months)' from a 0/100 monthly series."""
    known = [(mo, v) for mo, v in trend if v is not None and not math.isnan(v)]
    if not known:
        return "—"
    now = known[-1][1] >= 50
    since = known[-1][0]
    for mo, v in reversed(known):
        if (v >= 50) != now:
            break
        since = mo
    word = "yes" if now else "no"
    if since == known[0][0] and len(known) == len(trend):
        return f"{word} (all {len(trend)} months)"
    return f"{word} since {month_label(since)}"


def n_text(m: Metric, n: float | None) -> str:
    if finite_or_none(n) is None:
        return ""
    word = m.n_label
    if round(float(n)) == 1 and word.endswith("s"):
        word = word[:-1]  # "n = 1 location", never "1 locations"
    return f"n = {n:,.0f} {word}"


def escape_md(text: str, limit: int | None = None) -> str:
    """Make user-supplied text inert in Markdown (the one rule: presentation.text.md)."""
    return text_md(text, limit)
