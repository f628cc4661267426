"""The journey choice (issue 28): All, Sales or Service, kept in the URL like the month.

Shown only when the warehouse records journeys (`queries.journeys.Recorded`); otherwise the page
is exactly what it was, with no control. The choice is part of the view's `Scope`, so every
cached result (tiles, heat table, movers, map, analyses) is keyed by it.
"""

from __future__ import annotations

import streamlit as st

from dashboard import nav, state
from queries.journeys import LABELS

KEY = "cx-journey"
OPTIONS = ("all", "sales", "service")


def _on_change() -> None:
    """Change only the journey of whatever view the URL holds now."""
    picked = st.session_state.get(KEY)
    if picked in (None, "all"):
        st.query_params.pop("journey", None)
    elif picked in OPTIONS:
        st.query_params["journey"] = picked
    nav.clear_selections()


def select(view: state.View, recorded) -> None:
    """The segmented choice, mirroring the URL (the URL is set first, the widget follows)."""
    if recorded is None or not recorded.any:
        return
    shown = view.scope.journey or "all"
    if st.session_state.get(KEY) != shown:
        st.session_state[KEY] = shown
    st.segmented_control(
        "Journey", OPTIONS, key=KEY, on_change=_on_change, label_visibility="collapsed",
        format_func=lambda o: LABELS[None if o == "all" else o], required=True,
        help="Whose answers the survey figures use: every response, or only buying a car "
             "(sales) or keeping it running (service). Monthly tables (leadership, pay, "
             "culture, loyalty) belong to the location, not to a journey.")


def checked(view: state.View, recorded) -> state.View:
    """The view, with a journey the warehouse does not record dropped and said so."""
    j = view.scope.journey
    if j is None or (recorded is not None and j in recorded.journeys):
        return view
    from dataclasses import replace

    st.warning(f"This warehouse records no {j} journey, so all journeys are shown.",
               icon=":material/link_off:")
    return replace(view, scope=view.scope.with_journey(None))
