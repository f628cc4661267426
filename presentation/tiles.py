"""KPI tiles as small HTML blocks with an inline SVG sparkline (no Streamlit here).

Why HTML and not `st.metric(chart_data=...)`: each `st.metric` sparkline is a Vega-Lite chart, and
thirteen of them cost the browser seconds on every load. A tile here is a few hundred bytes of
markup: value, status in words, the month's change (an arrow and a colour only when the change is
real and material), the target, the margin and n, and a neutral sparkline drawn from the numbers.
Every string goes through `html.escape`: nothing from the warehouse becomes markup.
"""

from __future__ import annotations

import base64
import html
import math
from datetime import date

from presentation import fmt
from queries.material import shown_change
from queries.registry import BY_NAME, PANELS, Metric
from queries.registry import panel_order as ordered  # noqa: F401 - the page's panels
from queries.scorecard import MetricResult, Scorecard

CHART_ATTR = "data-cx-chart"  # dashboard/nav.py's listener opens the metric's chart on a click
SPARK_W, SPARK_H = 76, 22
SPARK_COLOUR = "#8c8c8c"  # mid grey: neutral, and readable on light and dark themes
SPARK_STROKE, SPARK_DOT = 1.6, 2.2  # the line's thickness and the last month's dot radius (px)
TONES = {"good": "cx-good", "bad": "cx-bad", "off": "cx-flat"}


def sparkline(values: list[float | None], width: int = SPARK_W, height: int = SPARK_H) -> str:
    """A neutral grey line of the months that have a value, ending in a dot at the last month.

    Drawn as one `<span>` whose grey fill is cut to the line's shape by a CSS `clip-path`
    polygon (the band above and below each point, and an octagon at the last one): no image
    for the browser to decode on every month change, no `<svg>` (st.html's sanitiser drops
    inline SVG). Neutral on purpose: the line says "where it has been", never "good" or "bad"
    (a red line because last month dipped would contradict the status and the change beside
    it).
    """
    line = spark_points(values, width, height)
    if len(line) < 2:
        return ""
    half = SPARK_STROKE / 2
    lx, ly = line[-1]
    # an octagon around the last point, clockwise from its left (as the band runs: nonzero
    # fill keeps both)
    dot = [(lx + SPARK_DOT * math.sin(a), ly - SPARK_DOT * math.cos(a))
           for a in (math.pi * (k / 4 - 0.5) for k in range(9))]
    outline = ([(x, y - half) for x, y in line] + dot + [(x, y + half) for x, y in line[::-1]])
    poly = ",".join(f"{x:.1f}px {y:.1f}px" for x, y in outline)
    return (f'<span class="cx-spark" role="img" aria-label="13-month trend" '
            f'style="width:{width}px;height:{height}px;clip-path:polygon({poly})"></span>')


def spark_points(values: list[float | None], width: int = SPARK_W,
                 height: int = SPARK_H) -> list[tuple[float, float]]:
    """The line's points (x, y in px): months with a value, evenly spaced by month, the lowest
    value at the bottom and the highest at the top, 2 px in from every edge."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    if not pts:
        return []
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    span = hi - lo or 1.0
    n = max(len(values) - 1, 1)
    pad = 2.0
    return [(pad + (width - 2 * pad) * i / n, height - pad - (height - 2 * pad) * (v - lo) / span)
            for i, v in pts]


def _chart_icon() -> str:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="18" height="18" viewBox="0 0 24 24">'
           f'<path fill="none" stroke="{SPARK_COLOUR}" stroke-width="2.2" stroke-linejoin="round" '
           'stroke-linecap="round" d="M3 17l5-6 4 4 8-9"/></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("ascii")).decode("ascii")


CHART_ICON = _chart_icon()  # drawn by the page's style sheet (dashboard/theme.py), decoded once


def chart_button(m: Metric) -> str:
    """The tile's chart button: a plain <button> the page's click listener turns into a rerun
    that opens the 13-month chart (no Streamlit widget per tile). Its icon is the style sheet's
    background image, not an <img> per tile."""
    tip = html.escape(f"Open the 13-month chart of {fmt.short_label(m.name)}")
    return (f'<button type="button" class="cx-open" {CHART_ATTR}="{html.escape(m.name)}" '
            f'title="{tip}" aria-label="{tip}"></button>')


CONTEXT = ("responses",)  # volume is context, shown in the header, not a tile of the grid
ROWS = 2  # an area's tiles fill two rows: 12 tiles in 6 columns, no blank cell (theme.py)


def grid_metrics(panel: str) -> list[Metric]:
    """The tiles of one story area on the grid: every metric but context (survey responses,
    which the header already states for the view)."""
    return [m for m in ordered(panel) if m.name not in CONTEXT]


def grid_html(card: Scorecard, open_actions: dict[str, int] | None = None) -> str:
    """The five story areas, causes before outcomes, each a heading and all of its tiles: the
    whole grid is one element on the page. An area is as many columns wide as its tiles need
    for two rows (`cx-wN`), so the areas fit together without a blank cell; the style sheet
    (dashboard/theme.py) stacks the areas on a phone, two tiles a row."""
    counts = open_actions or {}
    areas = []
    for panel, title in PANELS.items():
        shown = grid_metrics(panel)
        if not shown:
            continue
        width = -(-len(shown) // ROWS)
        body = "".join(tile_html(card.metrics[m.name], card, counts.get(m.name, 0))
                       for m in shown)
        areas.append(f'<section class="cx-area cx-w{width}" data-panel="{html.escape(panel)}">'
                     f'<h5>{html.escape(title)}</h5>{body}</section>')
    return f'<div class="cx-grid">{"".join(areas)}</div>'


def change(r: MetricResult, month: date | None = None) -> tuple[str | None, str, str]:
    """(text, tone, arrow) of the change against last month, by the real-and-material rule."""
    m = BY_NAME[r.name]
    word = shown_change(r.name, r.change_prev, r.delta_prev)
    if r.name == "responses" and r.delta_prev is not None:  # volume is context, not news
        return fmt.diff_text(m, r.delta_prev), "off", ""
    if r.status == "low_confidence" and r.delta_prev is not None:
        return f"{fmt.diff_text(m, r.delta_prev)} (small sample)", "off", ""
    return fmt.delta_parts(m, r.delta_prev, word, month)


def status_words(r: MetricResult) -> str:
    if r.name == "responses":
        return "context"
    return fmt.STATUS_TEXT.get(r.status, r.status)


def footnote(m: Metric, r: MetricResult, card: Scorecard) -> list[str]:
    """Target, margin and n (or low confidence), and the change against last year, in words."""
    bits: list[str] = []
    if r.name != "responses":
        bits.append(fmt.target_text(m, r.target))
    if r.status == "low_confidence":
        bits.append(f"low confidence, n = {r.n:,.0f} (needs {m.min_n})")
    elif m.sampled and r.margin_text:  # the metric's one interval: ±half-width or its two ends
        bits.append(f"{r.margin_text} · n = {fmt.compact(r.n)}")
    if r.delta_yoy is not None:
        word = " (within noise)" if r.change_yoy == "steady" and m.sampled else ""
        bits.append(f"vs {fmt.period_text(card.window, card.month, 12, year=True)}: "
                    f"{fmt.diff_text(m, r.delta_yoy)}{word}")
    return bits


def outside(metric: str) -> str:
    """The published yardsticks of a metric for its tooltip, each with its caveat when its
    definition differs from ours (queries/benchmarks.py; docs/value.md), else ''."""
    from queries import benchmarks

    try:
        found = benchmarks.load().for_metric(metric)
    except benchmarks.BenchmarksError:
        return ""
    return "".join(f" Published: {b.words()}." for b in found)


def tile_html(r: MetricResult, card: Scorecard, open_actions: int = 0) -> str:
    """One tile's markup; `data-*` attributes name the metric and status for tests and CSS."""
    m = BY_NAME[r.name]
    e = html.escape
    level = card.scope.level
    yes_no = fmt.is_yes_no(m, level)
    value = fmt.yes_no_text(r.trend) if yes_no else fmt.value_text(m, r.value)
    text, tone, arrow = (None, "off", "") if yes_no else change(r, card.month)
    prev = fmt.previous_text(card.window, card.month)
    delta = "&nbsp;" if text is None else (
        f'<span class="cx-delta {TONES[tone]}">{e(arrow + " " if arrow else "")}{e(text)} '
        f'<span class="cx-than">vs {e(prev)}</span></span>')
    values = [v for _, v in r.trend]
    spark = "" if yes_no else sparkline(values)
    foot = [fmt.target_text(m, r.target)] if yes_no else footnote(m, r, card)
    if open_actions:
        foot.insert(0, f"⚑ {fmt.plural(open_actions, 'open action')}")
    label = f"{fmt.YES_NO_LABELS.get(m.name, fmt.short_label(m.name))}:" if yes_no \
        else fmt.short_label(m.name)
    status = status_words(r)
    faint = " cx-faint" if r.status in ("low_confidence", "no_data") else ""
    return (
        f'<div class="cx-tile cx-st-{e(r.status)}" data-metric="{e(m.name)}" '
        f'data-status="{e(r.status)}" data-actions="{open_actions}">'
        f'<div class="cx-top"><span class="cx-label" title="{e(m.label)}: {e(m.description)}'
        f'{e(outside(m.name))}">'
        f'{e(label)}</span><span class="cx-status cx-s-{e(r.status)}">{e(status)}</span></div>'
        f'<div class="cx-mid"><span class="cx-value{faint}">{e(value)}</span>'
        f'<span class="cx-sp">{spark}</span>{chart_button(m)}</div>'
        f'<div class="cx-chg">{delta}</div>'
        f'<div class="cx-foot">{" · ".join(e(b) for b in foot) or "&nbsp;"}</div></div>'
    )
