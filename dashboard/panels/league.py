"""Where the problem is: the children of a view, worst first, as a heat table.

The order is `queries.ranking.worst_first`, the same function behind the board pack's league table
and the league CSV, and the cell colours are the one status palette (presentation/fmt.py), each row
also saying in words how many of its headline metrics are off or near target. Click a name to open
it (a link: the URL is the state). At location level the table lists the location's siblings in
its region, this one marked ▶.
"""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from dashboard import caches, state
from dashboard.nav import LINK_ATTR, NO_KEY
from presentation import fmt, heat
from queries.scope import Scope
from queries.scorecard import Scorecard

NAME_COL, STATUS_COL, N_COL = heat.NAME_COL, heat.STATUS_COL, heat.N_COL
frame, behind_words, heading = heat.frame, heat.behind_words, heat.heading


def table_html(values: pd.DataFrame, status: pd.DataFrame, keys: list[str], links: list[str],
               first: str, current: int | None = None) -> str:
    """The heat table (presentation/heat.py, the printed pack's too), each name a page link."""
    return heat.table_html(values, status, keys, links, first, current, link_attr=LINK_ATTR,
                           no_key=NO_KEY)


def draw(card: Scorecard, parent: Scorecard | None, ranked: pd.DataFrame | None = None) -> None:
    """The heat table of the children, or of the siblings of a location (`ranked`: those
    children already ranked worst first). A name opens that view."""
    base = card if parent is None else parent
    current = card.scope.location if parent is not None else None
    block = caches.derived((base.build_id, "league", current),
                         lambda: block_html(base, card.month, current, ranked))
    if block is None:
        level, title = heading(base)
        st.markdown(f"##### {fmt.escape_md(title)}")
        st.info(f"No {level.lower()} reported in {fmt.month_label(card.month)}.")
        return
    st.html(block)


def block_html(base: Scorecard, month: date, current: str | None,
               ranked: pd.DataFrame | None = None) -> str | None:
    """Heading, table and note as one element (one message per rerun, not three), or None when
    there is no child to list. `current`: the location to mark among its siblings. Built once
    per scorecard (dashboard/caches.py): about 10 ms a rerun otherwise."""
    scope: Scope = base.scope
    level, title = heading(base)
    values, status, keys = frame(base.children, ranked)
    if not keys:
        return None
    at = keys.index(current) if current in keys else None
    links = ["" if k in NO_KEY else "?" + urlencode(state.link(scope.child(k), month,
                                                               base.chosen_window))
             for k in keys]
    note = (f"Click a name to open it. Colours: status against each one's own target "
            f"(green on, amber near, red off; the word shows on hover); grey: too few "
            f"answers to judge. "
            f"{fmt.plural(len(keys), level[:-1].lower())}.{heat.behind_note(base)}")
    return (f'<h5 class="cx-title">{html.escape(title)}</h5>'
            + table_html(values, status, keys, links, level[:-1], at)
            + f'<p class="cx-note">{html.escape(note)}</p>')
