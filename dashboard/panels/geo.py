"""The map, opened on demand: regions as status-coloured bubbles at company level, a region's
locations zoomed to fill the map below it; a click drills exactly one level.

A lazy section (`dashboard/panels/lazy.py`): closed, the page sends only its label, which says
how many regions or locations the map shows and how many are off target on NPS. Open, the map
runs in a fragment (a click on it reruns only this part until it changes the view). The base map
is the app's own file (offline), fetched once by the browser.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard import caches, nav
from dashboard.panels import lazy
from presentation import figures, fmt
from queries.ranking import worst_first
from queries.registry import BY_NAME
from queries.scope import Dims
from queries.scorecard import Scorecard

SECTION_KEY = "section-map"
ICON = ":material/map:"


def region_frame(card: Scorecard, dims: Dims, ranked: pd.DataFrame | None = None) -> pd.DataFrame:
    """Company level: each region's NPS and status at the centre of its located locations
    (`ranked`: the regions worst first, when the page already has them)."""
    ranked = worst_first(card.children) if ranked is None else ranked
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


def points(card: Scorecard, parent: Scorecard | None, dims: Dims,
           ranked: pd.DataFrame | None = None) -> pd.DataFrame:
    """What the map draws: the regions (company view) or the region's located locations."""
    if card.scope.level == "company":
        return region_frame(card, dims, ranked)
    return location_frame(parent if parent is not None else card)


def label(card: Scorecard, parent: Scorecard | None, pts: pd.DataFrame) -> str:
    """'Map · 7 regions, 2 off target on NPS' / 'Map of Midwest · 53 locations, ...': what the
    map shows, counted from the points it draws (Markdown: the region's name is escaped)."""
    company = card.scope.level == "company"
    base = parent if parent is not None else card
    head = "Map" if company else f"Map of {fmt.escape_md(base.scope_name)}"
    if pts.empty:
        return f"{head} · nothing located to show this month"
    status = pts["nps_status" if company else "status"]
    word = "region" if company else "location"
    off, few = int((status == "red").sum()), int((status == "low_confidence").sum())
    text = f"{head} · {fmt.plural(len(pts), word)}, {off or 'none'} off target on NPS"
    return text + (f", {few} with too few answers to judge" if few else "")


def section(card: Scorecard, parent: Scorecard | None, dims: Dims, plotly_config: dict,
            ranked: pd.DataFrame | None = None) -> None:
    """The map's collapsed section; the figure is built and sent only while it is open. Its
    points and label are built once per scorecard (dashboard/caches.py), not on every rerun."""
    base = parent if parent is not None else card

    def build() -> tuple[pd.DataFrame, str]:
        pts = points(card, parent, dims, ranked)
        return pts, label(card, parent, pts)

    # keyed by the base alone: a region's view and its locations' views draw the same map
    pts, text = caches.derived((base.build_id, "map"), build)
    with lazy.section(text, SECTION_KEY, ICON) as shown:
        if shown:
            draw(card, parent, pts, plotly_config)


@st.fragment
def draw(card: Scorecard, parent: Scorecard | None, pts: pd.DataFrame,
         plotly_config: dict) -> None:
    """The map itself (a fragment: a click on it reruns only this part of the page)."""
    config = plotly_config | {"displayModeBar": False}
    key = nav.selection_key("location_map", card.scope)
    if card.scope.level == "company":
        if pts.empty:
            st.info("No region has located locations with answers this month.")
            return
        st.plotly_chart(figures.region_map(pts), key=key, config=config,
                        on_select=partial(nav.pick_point, key, card.scope, card.month, "child"),
                        selection_mode="points")
        st.caption("Regions at the centre of their locations, coloured by NPS status, sized by "
                   "survey responses. Click a region to open it.")
    else:
        if pts.empty:
            st.info("No location in this view has coordinates and answers this month.")
            return
        base = parent if parent is not None else card
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
