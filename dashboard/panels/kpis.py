"""The five story areas, causes before outcomes, each with all of its tiles together.

A tile is HTML with an inline sparkline (presentation/tiles.py), and the whole grid of areas and
tiles is one HTML element (a widget per tile cost a block, a button and a message each on every
rerun, and five columns with a heading each another sixteen).
A tile's 13-month chart, with the target and the 95% band, opens on demand in a dialog: its chart
button is plain markup that the page's click listener (dashboard/nav.py) turns into a rerun.
No Plotly figure is built until one is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from dashboard import nav
from presentation import figures, fmt, tiles
from queries.registry import BY_NAME
from queries.scorecard import MetricResult, Scorecard

ordered = tiles.ordered


def draw(card: Scorecard, open_actions: Mapping[str, int] | None = None) -> None:
    """The five story areas, headings and tiles, as one HTML element."""
    st.html(tiles.grid_html(card, dict(open_actions or {})))


def open_asked(card: Scorecard, band: pd.DataFrame | None, plotly_config: dict) -> None:
    """Open the chart a tile's button asked for in this run (dashboard/nav.py), if any."""
    name = nav.chart_asked()
    if name in card.metrics:
        trend_dialog(card.metrics[name], card, band, plotly_config)


@st.dialog("13 months", width="large")
def trend_dialog(r: MetricResult, card: Scorecard, band: pd.DataFrame | None,
                 plotly_config: dict) -> None:
    """The metric over 13 months with this year's target (dashed) and, for sampled metrics, the
    95% interval of every month; built only when opened."""
    m = BY_NAME[r.name]
    st.markdown(f"**{fmt.escape_md(m.label)}** · {fmt.escape_md(card.scope_name)} · 13 months "
                f"to {fmt.month_label(card.month)}")
    fig = figures.trend(r, band if m.sampled else None, height=figures.DIALOG_HEIGHT)
    st.plotly_chart(fig, config=plotly_config | {"displayModeBar": False},
                    key=f"trend-{r.name}")
    note = "Dashed line: this year's target." if r.target is not None else ""
    if m.sampled:
        note += " Shaded band: the 95% interval of each month's value, from its sample size."
    st.caption(note.strip() + f" {m.description}")
