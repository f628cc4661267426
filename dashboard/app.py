"""The one-page executive CX scorecard: `streamlit run dashboard/app.py`.

Thin on purpose: it resolves the warehouse and the view from the URL, asks `dashboard.data` for the
results and hands them to one panel module each. No SQL and no arithmetic here.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ (not the repo root) on sys.path; absolute
# imports need the folder above it, whether this is a checkout or an installed package.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard import data, insights_data, nav, state, theme  # noqa: E402
from dashboard.bands import trend_bands  # noqa: E402
from dashboard.fmt import escape_md  # noqa: E402
from dashboard.panels import (  # noqa: E402
    geo,
    glossary,
    header,
    kpis,
    league,
    movers,
    quality,
    review,
)
from dashboard.panels import insights as insights_panel  # noqa: E402
from queries import config  # noqa: E402
from queries.engine import explain  # noqa: E402
from queries.registry import PANELS  # noqa: E402

DEMO_SCALE = 1.0


def _warehouse() -> config.WarehouseTarget:
    try:
        target = config.resolve()
    except ValueError as exc:
        header.warehouse_error(str(exc))
        st.stop()
    if data.demo_missing(target):
        if data.demo_builder() is None:
            st.info(f"No warehouse yet: the demo file {config.demo_path()} does not exist. Run "
                    "`cx-scorecard demo` to build it and open this page, or set "
                    "`CX_WAREHOUSE_URL` to your warehouse.", icon=":material/info:")
            st.stop()
        with st.spinner(f"Building the demo warehouse at {config.demo_path()} (first run, "
                        "a few seconds)…"):
            data.build_demo_once(target.url, DEMO_SCALE)
    return target


def main() -> None:
    st.set_page_config(page_title="CX Scorecard", page_icon="📊",
                       layout="wide", initial_sidebar_state="collapsed")
    theme.inject()
    target = _warehouse()
    url, viewer = target.url, data.viewer()
    allowed = viewer.key
    if viewer.nothing:
        st.error("You are not on this scorecard's access list, so there is nothing to show. "
                 "Ask the scorecard's owner to add you to the access policy.",
                 icon=":material/lock:")
        st.stop()
    try:
        eng = data.engine(url)
        dims = data.dims(eng, url)
        first, latest = data.freshness(eng, url)
    except Exception as exc:  # noqa: BLE001 - any warehouse failure becomes one clear banner
        header.warehouse_error(explain(exc, url))
        st.stop()
    if first is None or latest is None:
        st.warning("The warehouse holds no survey responses yet, so there is no month to show. "
                   "Run `cx-scorecard check` to see what it contains.")
        st.stop()

    params = st.query_params.to_dict()
    view = state.resolve(params, dims, first, latest)
    for notice in view.notices:
        st.warning(notice, icon=":material/link_off:")
    if not viewer.can_see(view.scope):
        asked = view.notices == () and ("region" in params or "location" in params)
        if asked:  # a crafted or forwarded link to a scope this viewer may not see
            st.error("Not permitted: this part of the network is outside what you may see.",
                     icon=":material/lock:")
            home = viewer.home(dims)
            st.button("Go to your view", on_click=nav.go, args=(home, view.month))
            st.stop()
        home = viewer.home(dims)  # no scope asked for: land on the viewer's own scope
        view = state.View(home.region, home.location, view.month, view.notices)
    nav.sync_url(view)
    month_iso = view.month.isoformat()
    try:
        card = data.card(eng, url, view.region, view.location, month_iso, allowed)
        parent = (data.card(eng, url, view.region, None, month_iso, allowed)
                  if view.location and viewer.can_see(view.scope.parent()) else None)
    except Exception as exc:  # noqa: BLE001
        header.warehouse_error(explain(exc, url))
        st.stop()

    band = trend_bands(card)
    plotly_config = {"topojsonURL": theme.static_url(), "displaylogo": False}
    header.draw(view, card, dims, state.month_options(first, latest), latest, target.is_demo,
                viewer)
    if not card.has_data:
        st.info(f"No data for {escape_md(card.scope_name)} in {view.month:%B %Y}.")
    def insight_results():
        """Computed only when a drill-down section is opened (then cached like the rest)."""
        return insights_data.analyses(eng, url, view.region, view.location, month_iso, allowed)

    for col, panel in zip(st.columns(len(PANELS), gap="small"), PANELS, strict=True):
        with col:
            kpis.draw(panel, card, band, plotly_config)
            insights_panel.draw(panel, insight_results, plotly_config)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        league.draw(card, parent, plotly_config)
    with right:
        geo.draw(card, parent, plotly_config)
    a, b, c = st.columns([2, 2, 1], gap="medium")
    with a:
        movers.draw(card)
    with b, st.expander("Metric glossary", icon=":material/menu_book:"):
        st.markdown(glossary.markdown())
    with c:
        quality.draw(card)
    review.draw(eng, url, dims, view, card, band, viewer)


main()
