"""The pack's KPI tiles: the page's tile in print, in detail (scorecard page) or compact
(region pages), with status in words, value, change, margin, n and target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pack.layout import INK, MUTED, PAPER, RULE, Pdf, status_colour
from presentation import fmt, tiles
from queries import stats
from queries.material import shown_change
from queries.registry import BY_NAME, Metric
from queries.results import finite_or_none
from queries.scorecard import MetricResult, Scorecard


def _change(m: Metric, r: MetricResult, delta: float | None, change: str, than: str,
            month: date | None = None) -> tuple[str, str]:
    """A change as the tile says it: an arrow when significant, "≈" when within the noise,
    "usual for December" when last year's same two months moved the same way."""
    if delta is None or change == "n/a":
        return "", MUTED
    if change == "usual":
        return f"{fmt.diff_text(m, delta)} vs {than} ({fmt.usual_text(month)})", MUTED
    d = fmt.diff_text(m, delta)
    change = shown_change(r.name, change, delta)
    if change == "small":  # immaterial by the one rule, or survey volume: no arrow, no colour
        if not stats.material(delta, m.decimals, m.min_change):
            return f"no change vs {than}", MUTED
        return f"{d} vs {than}", MUTED
    if change == "steady":
        moved = stats.material(delta, m.decimals, m.min_change)
        return (f"≈ {d} vs {than}" if moved else f"no change vs {than}"), MUTED
    arrow = "▲" if delta > 0 else "▼"
    if r.target is None:
        return f"{arrow} {d} vs {than}", MUTED
    good = delta * m.direction > 0
    return f"{arrow} {d} vs {than}", fmt.STATUS_COLOURS["green" if good else "red"]


def _sample_line(m: Metric, r: MetricResult) -> str:
    if r.status == "low_confidence":
        return f"Low confidence: n = {r.n:,.0f} (needs {m.min_n})"
    if r.value is None:
        return "No data this month"
    if m.sampled and r.interval is not None:
        lo, hi = r.interval
        line = f"95% interval {fmt.number(m, lo)}–{fmt.number(m, hi)}"
        return (f"{r.margin_text} · " + line) if r.margin_text.startswith("±") else line
    return "census: no sampling error"


@dataclass(frozen=True)
class TileLook:
    """Sizes (mm, pt) and paper of one kind of tile: everything in which the two kinds differ."""

    paper: str
    border: bool
    bar: float  # the status-coloured bar on the left
    left: float  # text inset from the left edge
    right: float  # text inset from the right edge
    top: float  # the label line's offset from the top
    line_h: float
    status_pt: float
    label_pt: float
    label_bold: bool


DETAIL = TileLook("#ffffff", True, 1.5, 3.0, 1.5, 1.2, 4.0, 6.3, 7.0, True)
COMPACT = TileLook(PAPER, False, 1.2, 2.5, 1.0, 0.6, 3.4, 5.8, 6.3, False)


def tile(pdf: Pdf, x: float, y: float, w: float, h: float, r: MetricResult, card: Scorecard,
         detail: bool = True) -> None:
    """One KPI tile: label and status in words on top, then the value; in `detail` (scorecard
    page) the changes, margin or interval, n and target follow on lines of their own; compact
    (region pages, two lines) the margin, n and target share the value's line."""
    m = BY_NAME[r.name]
    look = DETAIL if detail else COMPACT
    colour = MUTED if detail and r.name == "responses" else status_colour(r.status)
    if look.border:
        pdf.set_draw_color(RULE)
    pdf.set_fill_color(look.paper)
    pdf.rect(x, y, w, h, style="DF" if look.border else "F")
    pdf.set_fill_color(colour)
    pdf.rect(x, y, look.bar, h, style="F")
    ix, iw = x + look.left, w - look.left - look.right
    status = tiles.status_words(r)
    pdf.font(look.status_pt, bold=True, colour=colour)
    sw = pdf.get_string_width(status) + 1
    pdf.text_at(ix + iw - sw, y + look.top, sw, look.line_h, status, align="R")
    pdf.font(look.label_pt, bold=look.label_bold, colour=INK)
    pdf.text_at(ix, y + look.top, iw - sw - 1, look.line_h, fmt.short_label(m.name))
    if detail:
        _detail_lines(pdf, ix, y, iw, m, r, card)
    else:
        _compact_line(pdf, ix, y, iw, m, r)


def _detail_lines(pdf: Pdf, ix: float, y: float, iw: float, m: Metric, r: MetricResult,
                  card: Scorecard) -> None:
    """Value, both changes, margin or interval, n and target (the scorecard page)."""
    faint = r.status in ("low_confidence", "no_data")
    yes_no = fmt.is_yes_no(m, card.scope.level)  # "yes since Mar 2026" at one location
    value = fmt.yes_no_text(r.trend) if yes_no else fmt.value_text(m, r.value)
    pdf.font(11 if yes_no else 15, bold=True, colour=MUTED if faint else INK)
    pdf.text_at(ix, y + 6.2, iw, 7.5, value)
    vw = pdf.get_string_width(value) + 2.5
    prev = fmt.previous_text(card.window, card.month)
    yoy = fmt.period_text(card.window, card.month, 12, year=True)
    for k, (delta, change, than) in enumerate(((r.delta_prev, r.change_prev, prev),
                                               (r.delta_yoy, r.change_yoy, yoy))):
        text, colour = ("", MUTED) if yes_no else _change(m, r, delta, change, than,
                                                          card.month)
        if faint and delta is not None and text:  # a thin sample claims no move at all
            text = f"{fmt.diff_text(m, delta)} vs {than} (small sample)"
        pdf.font(6.2, colour=MUTED if faint else colour)  # no verdict on a thin sample
        pdf.text_at(ix + vw, y + 6.0 + 3.3 * k, iw - vw, 3.4, text, align="R")
    pdf.font(6.3, colour=MUTED if faint or not m.sampled else INK)
    pdf.text_at(ix, y + 14.4, iw, 3.6, _sample_line(m, r))
    bits = [fmt.n_text(m, r.n)] if finite_or_none(r.n) is not None else []
    if r.name != "responses":
        bits.append(fmt.target_text(m, r.target))
    pdf.font(6.3, colour=MUTED)
    pdf.text_at(ix, y + 18.3, iw, 3.6, " · ".join(b for b in bits if b))


def _compact_line(pdf: Pdf, ix: float, y: float, iw: float, m: Metric, r: MetricResult
                  ) -> None:
    """Value, then margin, n and target on the same line (the region pages)."""
    faint = r.status in ("low_confidence", "no_data")
    value = fmt.value_text(m, r.value)
    pdf.font(9, bold=True, colour=MUTED if faint else INK)
    pdf.text_at(ix, y + 4.0, iw * 0.45, 4.2, value)
    vw = pdf.get_string_width(value) + 1.5
    bits = []
    if m.sampled and r.margin_text and not faint:
        bits.append(r.margin_text)
    if finite_or_none(r.n) is not None:
        bits.append(f"n = {r.n / 1000:.0f}k" if r.n >= 10_000 else f"n = {r.n:,.0f}")
    if r.name != "responses":
        bits.append(fmt.target_text(m, r.target))
    pdf.font(5.8, colour=MUTED)
    pdf.text_at(ix + vw, y + 4.6, iw - vw, 3.4, " · ".join(bits), align="R")
