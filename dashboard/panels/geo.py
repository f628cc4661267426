"""Map of locations coloured by NPS, drawn from a base map the app serves itself (works offline)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard import figures, fmt, nav
from queries.registry import BY_NAME
from queries.scorecard import Scorecard


def draw(card: Scorecard, parent: Scorecard | None, plotly_config: dict) -> None:
    """The scope's locations; for one location, its region's locations with it ringed."""
    base = parent if parent is not None else card
    st.markdown("##### Locations by NPS")
    pts = base.map_points
    if pts is None or pts.empty:
        st.info("No location in this view has coordinates and NPS answers this month.")
        return
    key = nav.selection_key("location_map", card.scope)
    fig = figures.location_map(pts, card.metrics["nps"].target, highlight=card.scope.location)
    st.plotly_chart(
        fig, key=key, on_select=partial(nav.pick_point, key, card.scope, card.month, "location"),
        selection_mode="points", config=plotly_config | {"displayModeBar": False},
    )
    faded = int(pts.low_confidence.sum())
    min_n = BY_NAME["nps"].min_n
    note = f" Faded: {faded} with fewer than {min_n} answers." if faded else ""
    where = "" if base is card else f" in {fmt.escape_md(base.scope_name)}, this one ringed"
    st.caption(f"{len(pts):,} location{'s' if len(pts) != 1 else ''}{where}, "
               f"{fmt.month_label(card.month)}; colours centred on the NPS target. Click a point "
               f"to open it.{note}")
