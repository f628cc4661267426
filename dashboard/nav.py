"""Moving between views: every navigation writes the URL and forgets stale chart/table selections.

A Streamlit selection survives reruns, so a point picked on the map would otherwise drag the
page back into that child after the breadcrumb (or a pasted link) asked for another scope. All
selection widgets register their keys here and are cleared whenever the view changes.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import state
from queries.scope import Scope

SELECTION_KEYS = ("location_map",)
MONTH_KEY = "month_select"
NO_KEY = ("", "None", "nan", "NaN")  # a child outside every region: shown, not a link
NAVIGATED_KEY = "_cx_navigated"


def selection_key(base: str, scope: Scope) -> str:
    """A widget key per scope, so a selection made at one level never applies at another."""
    return f"{base}:{scope.region or '*'}:{scope.location or '*'}"


def clear_selections() -> None:
    for k in list(st.session_state.keys()):
        if str(k).split(":", 1)[0] in SELECTION_KEYS:
            del st.session_state[k]


def go(scope: Scope, month: date) -> None:
    """Show another scope (callback-safe: the next run reads the new URL)."""
    st.query_params.from_dict(state.link(scope, month))
    clear_selections()
    st.session_state[NAVIGATED_KEY] = True
    if _in_fragment():
        st.rerun()  # from a callback: the whole page follows, not only the clicked fragment


def _in_fragment() -> bool:
    """True while a fragment (not the whole script) is being rerun."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx()
        return bool(ctx and ctx.fragment_ids_this_run)
    except Exception:  # noqa: BLE001 - unknown internals: the fragment body reruns instead
        return False


def navigated() -> bool:
    """True once after a navigation callback (a fragment then reruns the whole page)."""
    return bool(st.session_state.pop(NAVIGATED_KEY, False))


def sync_url(view: state.View) -> None:
    """Write the canonical parameters (drops bad ones) so the address bar reopens this view."""
    want = state.canonical(view)
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


def on_month_change() -> None:
    """Change only the month of whatever scope the URL holds now (never a stale render's)."""
    picked = st.session_state.get(MONTH_KEY)
    if isinstance(picked, date):
        st.query_params["month"] = state.month_text(picked)
        clear_selections()


def pick_point(key: str, scope: Scope, month: date, level: str) -> None:
    """Callback of a map click: a region bubble (child key) or a location point."""
    points = st.session_state[key].selection.points
    if not points:
        return
    data = points[0].get("customdata")
    if data is None:
        return
    if level == "location":
        loc, region = (data[0], data[1]) if isinstance(data, list | tuple) else (data, None)
        region = None if region is None or str(region) in NO_KEY else str(region)
        go(Scope(region=region, location=str(loc)), month)
    else:
        child = data[0] if isinstance(data, list | tuple) else data
        if child is not None and str(child) not in NO_KEY:
            go(scope.child(str(child)), month)
