"""The map, opened on demand: regions as status-coloured bubbles at company level, a region's
locations zoomed to fill the map below it; a click drills exactly one level.

It runs in a fragment behind a toggle: a closed map costs the page nothing, and opening it reruns
only this section. The base map is the app's own file (offline), fetched once by the browser.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard import figures, fmt, nav
from queries.ranking import worst_first
from queries.registry import BY_NAME
from queries.scope import Dims
from queries.scorecard import Scorecard

TOGGLE_KEY = "show_map"


def region_frame(card: Scorecard, dims: Dims) -> pd.DataFrame:
    """Company level: each region's NPS and status at the centre of its located locations."""
    ranked = worst_first(card.children)
    if ranked.empty:
        return ranked
    centre = (dims.locations.dropna(subset=["latitude", "longitude"])
              .groupby("region_id")[["latitude", "longitude"]].mean())
    ranked = ranked.assign(key=ranked["key"].astype(str))
    return ranked.merge(centre, left_on="key", right_index=True, how="inner")


def location_frame(base: Scorecard) -> pd.DataFrame:
    """A region's locations with coordinates and their NPS status (against their own target)."""
    pts = base.map_points
    if pts is None or pts.empty:
        return pd.DataFrame()
    kids = base.children
    status = (kids[kids.metric == "nps"].set_index("key")["status"]
              if kids is not None and not kids.empty else pd.Series(dtype=object))
    return pts.assign(status=[status.get(k, "no_target") for k in pts.location_id])


@st.fragment
def draw(card: Scorecard, parent: Scorecard | None, dims: Dims, plotly_config: dict) -> None:
    """The map section (a fragment: its toggle reruns only this part of the page)."""
    shown = st.toggle("Show the map", key=TOGGLE_KEY,
                      help="Regions or locations on a map, coloured by NPS status; click one "
                           "to open it.")
    if not shown:
        return
    config = plotly_config | {"displayModeBar": False}
    if card.scope.level == "company":
        regions = region_frame(card, dims)
        if regions.empty:
            st.info("No region has located locations with answers this month.")
            return
        key = nav.selection_key("location_map", card.scope)
        st.plotly_chart(figures.region_map(regions), key=key, config=config,
                        on_select=partial(nav.pick_point, key, card.scope, card.month, "child"),
                        selection_mode="points")
        st.caption("Regions at the centre of their locations, coloured by NPS status, sized by "
                   "survey responses. Click a region to open it.")
    else:
        base = parent if parent is not None else card
        pts = location_frame(base)
        if pts.empty:
            st.info("No location in this view has coordinates and answers this month.")
            return
        key = nav.selection_key("location_map", card.scope)
        st.plotly_chart(figures.location_map(pts, highlight=card.scope.location), key=key,
                        config=config, selection_mode="points",
                        on_select=partial(nav.pick_point, key, card.scope, card.month,
                                          "location"))
        faded = int(pts.low_confidence.sum())
        min_n = BY_NAME["nps"].min_n
        note = (f" Grey and faded: {fmt.plural(faded, 'location')} with fewer than {min_n} "
                "answers." if faded else "")
        where = fmt.escape_md(base.scope_name)
        ring = ", this one ringed" if card.scope.location else ""
        st.caption(f"{fmt.plural(len(pts), 'location')} in {where}{ring}, coloured by NPS "
                   f"status. Click one to open it.{note}")
    if nav.navigated():
        st.rerun()  # a click changed the view: redraw the whole page, not only this fragment
