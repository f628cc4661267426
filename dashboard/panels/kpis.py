"""The five story areas, causes before outcomes, each with all of its tiles together.

A tile is HTML with an inline sparkline (dashboard/tiles.py). Its 13-month chart, with the target
and the 95% band, opens on demand from the tile's chart button in a dialog: the page itself
carries no chart that repeats a sparkline, and no Plotly figure is built until one is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from dashboard import figures, fmt, tiles
from queries.registry import BY_NAME, PANELS
from queries.scorecard import MetricResult, Scorecard

ordered = tiles.ordered


def draw(panel: str, card: Scorecard, band: pd.DataFrame | None, plotly_config: dict,
         open_actions: Mapping[str, int] | None = None) -> None:
    st.markdown(f"##### {PANELS[panel]}")
    for m in tiles.ordered(panel):
        r = card.metrics[m.name]
        with st.container(key=f"tile-{r.status}-{m.name}"):
            st.html(tiles.tile_html(r, card, (open_actions or {}).get(m.name, 0)))
            if st.button("", icon=":material/show_chart:", key=f"open-{m.name}", type="tertiary",
                         help=f"Open the 13-month chart of {fmt.short_label(m.name)}"):
                trend_dialog(r, card, band, plotly_config)


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
