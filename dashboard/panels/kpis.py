"""The five story panels, levers before outcomes: KPI tiles and one trend chart each.

Which metrics a panel holds comes from the registry; headline metrics lead. The first two tiles of
every panel sit above its chart, so the five charts line up across the page.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard import figures, fmt
from dashboard.panels import glossary
from queries.registry import BY_NAME, PANELS, Metric, by_panel
from queries.scorecard import MetricResult, Scorecard, add_months

TILES_ABOVE_CHART = 2


def ordered(panel: str) -> list[Metric]:
    """Headline metrics first, then the rest, each in registry order."""
    ms = by_panel(panel)
    return [m for m in ms if m.headline] + [m for m in ms if not m.headline]


def chart_metric(panel: str) -> Metric:
    return ordered(panel)[0]


def draw(panel: str, card: Scorecard, band: pd.DataFrame | None, plotly_config: dict) -> None:
    st.markdown(f"##### {PANELS[panel]}")
    ms = ordered(panel)
    for m in ms[:TILES_ABOVE_CHART]:
        tile(card.metrics[m.name], card)
    chart = chart_metric(panel)
    r = card.metrics[chart.name]
    with st.container(key=f"chart-{panel}"):
        band_note = " (band: 95%)" if chart.sampled else ""
        st.caption(f"{fmt.short_label(chart.name)}, 13 months{band_note}",
                   help="Dashed line: this year's target. Band: the 95% interval of each month's "
                        "value, from its sample size." if chart.sampled else
                        "Dashed line: this year's target.")
        st.plotly_chart(figures.trend(r, band if chart.sampled else None),
                        config=plotly_config | {"displayModeBar": False},
                        key=f"trend-{panel}")
    for m in ms[TILES_ABOVE_CHART:]:
        tile(card.metrics[m.name], card)


def tile(r: MetricResult, card: Scorecard) -> None:
    """One KPI: value, change vs last month, vs last year, target, status, sparkline."""
    m = BY_NAME[r.name]
    low = r.status == "low_confidence"
    delta, colour, arrow = fmt.delta_parts(m, r.delta_prev, r.change_prev)
    if low and delta is not None and r.delta_prev is not None:
        # Too few answers to call any move: grey, no arrow, and said in words.
        delta, colour, arrow = f"{fmt.diff_text(m, r.delta_prev)} (small sample)", "off", "off"
    value = fmt.value_text(m, r.value)
    spark = [v for _, v in r.trend if v is not None and not math.isnan(v)]
    prev_month = fmt.month_label(add_months(card.month, -1))[:3]
    with st.container(border=True, key=f"tile-{r.status}-{r.name}"):
        st.metric(
            label=f"{fmt.short_label(m.name)} {fmt.status_badge(r.status)}",
            value=f":gray[{value}]" if low else value,
            delta=delta, delta_color=colour, delta_arrow=arrow,
            delta_description=f"vs {prev_month}" if delta else None,
            chart_data=spark if len(spark) > 1 else None,
            help=glossary.tile_help(m.name, r.target), border=False,
        )
        st.caption(_footnote(m, r, card))


def _footnote(m: Metric, r: MetricResult, card: Scorecard) -> str:
    """Second line of a tile: sample, last year, target."""
    bits: list[str] = []
    if r.status == "low_confidence":
        bits.append(f"**low confidence, n = {r.n:,.0f}** (needs {m.min_n})")
    elif m.sampled and r.margin_text:
        bits.append(f"{r.margin_text} · {fmt.n_text(m, r.n)}")
    if r.delta_yoy is not None:
        word = " (noise)" if r.change_yoy == "steady" and m.sampled else ""
        bits.append(f"vs {card.month.year - 1}: {fmt.diff_text(m, r.delta_yoy)}{word}")
    if r.name != "responses":
        bits.append(fmt.target_text(m, r.target))
    return " · ".join(bits) if bits else "\u00a0"
