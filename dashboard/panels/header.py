"""Header: where you are (breadcrumb back up), which month, how fresh and how many responses."""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlencode

import streamlit as st

from dashboard import nav, state
from dashboard.panels import glossary
from dashboard.panels import journeys as journeys_panel
from presentation import fmt
from queries import windows
from queries.access import EVERYTHING, Allowed
from queries.scope import Dims, Scope
from queries.scorecard import Scorecard, partial_month


def draw(view: state.View, card: Scorecard, dims: Dims, months: list[date], latest: date,
         is_demo: bool, allowed: Allowed = EVERYTHING, recorded=None) -> None:
    # one row, one layout block (three columns and a nested row were five blocks per rerun)
    with st.container(horizontal=True, gap="medium", vertical_alignment="center",
                      key="cx-header"):
        _breadcrumb(view, dims, allowed)
        _month_select(view, months, latest)
        _window_select(view, card)
        journeys_panel.select(view, recorded)  # issue 28: hidden when none is recorded
        _facts(card, latest, is_demo, view.month == partial_month(latest, state.today()))


def _breadcrumb(view: state.View, dims: Dims, allowed: Allowed = EVERYTHING) -> None:
    """Company > Region > Location; every part above the current one the viewer may see is a
    link back up (a regional leader's "Company" is plain text: no company totals)."""
    st.html(breadcrumb_html(view, dims, allowed), width="stretch")


def breadcrumb_html(view: state.View, dims: Dims, allowed: Allowed = EVERYTHING) -> str:
    """The breadcrumb as one element: names escaped, each link a page link that reruns in
    place (dashboard/nav.py) and carries the URL of its view (shareable, back button)."""
    e = html.escape
    scope = view.scope
    j = scope.journey  # going up keeps the journey chosen
    parts: list[tuple[str, Scope | None]] = [("Company", Scope(journey=j)
                                              if scope.level != "company" else None)]
    if scope.region:
        parts.append((dims.region_name(scope.region),
                      Scope(region=scope.region, journey=j) if scope.level == "location"
                      else None))
    if scope.location:
        parts.append((dims.location_name(scope.location), None))
    shown = []
    for label, target in parts:
        if target is None:
            shown.append(f"<b>{e(label)}</b>")
        elif not allowed.can_see(target):
            shown.append(f"<span>{e(label)}</span>")
        else:
            href = "?" + urlencode(state.link(target, view.month, view.window))
            shown.append(f'<a href="{e(href)}" target="_self" {nav.LINK_ATTR}="1" '
                         f'data-level="{e(target.level)}" title="Back to the {e(target.level)} '
                         f'view">{e(label)}</a>')
    return ('<nav class="cx-crumbs" aria-label="Breadcrumb"><b>CX Scorecard</b>&nbsp;·&nbsp; '
            + " › ".join(shown) + "</nav>")


def _month_select(view: state.View, months: list[date], latest: date) -> None:
    """The month picker mirrors the URL: the URL is set first, the widget follows it."""
    if st.session_state.get(nav.MONTH_KEY) != view.month:
        st.session_state[nav.MONTH_KEY] = view.month

    partial = partial_month(latest, state.today())

    def label(d: date) -> str:
        return fmt.month_label(d) + (" (so far)" if d == partial else "")

    st.selectbox("Month", months, key=nav.MONTH_KEY, format_func=label,
                 on_change=nav.on_month_change, label_visibility="collapsed", width=220)


def _window_select(view: state.View, card: Scorecard) -> None:
    """Months pooled (queries/windows.py), kept in the URL like the month. Unchosen, it shows
    the view's default: rolling 3 months at a location, the month elsewhere."""
    shown = view.window or card.window.code
    if st.session_state.get(nav.WINDOW_KEY) != shown:
        st.session_state[nav.WINDOW_KEY] = shown
    st.selectbox("Window", list(windows.WINDOWS), key=nav.WINDOW_KEY,
                 format_func=lambda c: windows.WINDOWS[c].label.capitalize(),
                 on_change=nav.on_window_change, label_visibility="collapsed", width=170,
                 help="Months pooled for values, colours, ranks and movers (answers added up, "
                      "not months averaged). Default: rolling 3 months for a location's "
                      "numbers, the month elsewhere.")


def _facts(card: Scorecard, latest: date, is_demo: bool, partial: bool = False) -> None:
    demo = " · :gray-badge[demo data]" if is_demo else ""
    so_far = f" · :orange-badge[{latest:%B} so far]" if partial else ""
    st.markdown(
        f"**{fmt.compact(card.responses)}** response{'' if card.responses == 1 else 's'}"
        f" · data to "
        f"**{latest:%d %b %Y}**{so_far}{demo}",
        help="Survey responses behind this view and month; the date of the newest "
             "response in the warehouse. \"So far\": the month is still under way, so its "
             "figures will change as answers arrive.", width="content",
    )
    glossary.button()


def warehouse_error(message: str) -> None:
    """The banner for a warehouse that is down or does not match the contract. The message
    quotes the driver and the URL (table, column and path names from outside), so it is shown
    as text, never markup."""
    command = "`cx-scorecard check`"
    hint = "" if command in message else (
        f"\n\nRun {command} to see what is wrong (add `--url` for another warehouse).")
    # our own advice keeps its code span; the rest (driver text, URL) is escaped
    text = fmt.escape_md(message, 2000).replace(fmt.escape_md(command), command)
    st.error(f"**The scorecard cannot read its warehouse.** {text}{hint}",
             icon=":material/database_off:")
