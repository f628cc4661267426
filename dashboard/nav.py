"""Moving between views: every navigation writes the URL and forgets stale chart/table selections.

A Streamlit selection survives reruns, so a point picked on the map would otherwise drag the
page back into that child after the breadcrumb (or a pasted link) asked for another scope. All
selection widgets register their keys here and are cleared whenever the view changes.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlparse

import streamlit as st

from dashboard import state
from presentation.tiles import CHART_ATTR  # a tile's chart button (value: the metric's name)
from queries.scope import Scope

SELECTION_KEYS = ("location_map",)
MONTH_KEY = "month_select"
WINDOW_KEY = "window_select"
NO_KEY = ("", "None", "nan", "NaN")  # a child outside every region: shown, not a link
NAVIGATED_KEY = "_cx_navigated"
TOP_KEY = "_cx_scroll_top"  # counts navigations; the page scrolls to the top when it grows
CHART_KEY = "_cx_chart"  # the metric whose 13-month chart was asked for (one run only)
LINK_ATTR = "data-cx-go"  # a page link (href "?region=...") that reruns in place when clicked
NAV_KEY = "cx-nav"
# all a page link may set (dashboard/state.py)
URL_PARAMS = ("region", "location", "month", "window")

# One page-wide listener, mounted once per page (no iframe, height 0): a plain left click on a
# link marked LINK_ATTR becomes an in-session rerun with that link's URL parameters instead of a
# full page load (new websocket session, every static asset asked again); a click on a chart
# button asks for that chart. The links stay real links: opened in a new tab, copied or clicked
# without this script they load the same view. After a navigation (the counter in `data.top`
# grows) it scrolls the page to the top, where the new view's verdict is.
_JS = """
export default function (component) {
  const { setTriggerValue, data } = component;
  const w = window;
  w.__cxNavSet = setTriggerValue;
  const top = (data && data.top) || 0;
  if (top && top !== w.__cxNavTop) {
    const main = document.querySelector('[data-testid="stMain"]');
    if (main) main.scrollTo({top: 0});
  }
  w.__cxNavTop = top;
  if (w.__cxNavOn) return;
  w.__cxNavOn = true;
  document.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey
        || ev.altKey || !ev.target.closest) return;
    const link = ev.target.closest('a[LINK_ATTR]');
    if (link) {
      ev.preventDefault();
      w.__cxNavSet('go', link.getAttribute('href') || '');
      return;
    }
    const chart = ev.target.closest('[CHART_ATTR]');
    if (chart) {
      ev.preventDefault();
      w.__cxNavSet('chart', chart.getAttribute('CHART_ATTR'));
    }
  }, true);
}
""".replace("LINK_ATTR", LINK_ATTR).replace("CHART_ATTR", CHART_ATTR)
_listener = st.components.v2.component("cx_nav", js=_JS)


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
    _navigated()
    if in_fragment():
        st.rerun()  # from a callback: the whole page follows, not only the clicked fragment


def _navigated() -> None:
    clear_selections()
    st.session_state[NAVIGATED_KEY] = True
    st.session_state[TOP_KEY] = st.session_state.get(TOP_KEY, 0) + 1


def listen() -> None:
    """Mount the page's click listener (first on the page, so its position never changes)."""
    _listener(key=NAV_KEY, data={"top": st.session_state.get(TOP_KEY, 0)}, height=0,
              on_go_change=_on_link, on_chart_change=_on_chart)


def _on_link() -> None:
    """A page link was clicked: take its URL parameters (only the page's own) as the new URL.
    They are checked like any pasted link by the run that follows (state.resolve, then the
    viewer's rights), so a hand-made trigger can show nothing a URL could not."""
    href = _trigger("go")
    if not isinstance(href, str):
        return
    query = parse_qs(urlparse(href).query)
    st.query_params.from_dict({k: v[-1] for k, v in query.items() if k in URL_PARAMS})
    _navigated()


def _on_chart() -> None:
    name = _trigger("chart")
    if isinstance(name, str):
        st.session_state[CHART_KEY] = name


def _trigger(name: str):
    got = st.session_state.get(NAV_KEY)
    try:
        return got[name] if got is not None else None
    except (KeyError, TypeError):
        return None


def chart_asked() -> str | None:
    """The metric whose chart a tile's button asked for in this run (then forgotten)."""
    return st.session_state.pop(CHART_KEY, None)


def in_fragment() -> bool:
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


def on_window_change() -> None:
    """Change only the window; the month picker's twin (the URL keeps the choice)."""
    picked = st.session_state.get(WINDOW_KEY)
    if isinstance(picked, str):
        st.query_params["window"] = picked
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
        go(Scope(region=region, location=str(loc), journey=scope.journey), month)
    else:
        child = data[0] if isinstance(data, list | tuple) else data
        if child is not None and str(child) not in NO_KEY:
            go(scope.child(str(child)), month)
