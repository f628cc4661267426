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
from presentation import fmt
from queries.ranking import HEADLINES, worst_first
from queries.registry import BY_NAME
from queries.scope import Scope
from queries.scorecard import Scorecard

NAME_COL, STATUS_COL, N_COL = "Name", "Behind", "n"


def frame(children: pd.DataFrame, ranked: pd.DataFrame | None = None
          ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(values, statuses, child keys): one row per child, worst first, one column per headline.
    `ranked` is `worst_first(children)` when the caller already has it."""
    ranked = worst_first(children) if ranked is None else ranked
    if ranked.empty:
        empty = pd.DataFrame(columns=[NAME_COL, STATUS_COL, N_COL, *HEADLINES])
        return empty, empty.copy(), []
    out = pd.DataFrame({
        NAME_COL: ranked["name"].astype(str),
        STATUS_COL: [behind_words(int(o), int(n), len(HEADLINES))
                     for o, n in zip(ranked["off"], ranked["near"], strict=True)],
        N_COL: ranked["responses"].astype(float),
    })
    for name in HEADLINES:
        out[name] = ranked[name].astype(float)
    status = ranked[[f"{n}_status" for n in HEADLINES]].copy()
    status.columns = list(HEADLINES)
    return out, status, [str(k) for k in ranked["key"]]


def behind_words(off: int, near: int, of: int) -> str:
    """'4 of 7 off · 1 near', 'on target' (status in words beside the colours)."""
    if not off and not near:
        return "none"
    parts = [f"{off} of {of} off"] if off else []
    if near:
        parts.append(f"{near} near")
    return " · ".join(parts)


def table_html(values: pd.DataFrame, status: pd.DataFrame, keys: list[str], links: list[str],
               first: str, current: int | None = None) -> str:
    """The heat table as plain HTML: each name a link to that view (the URL is the state), each
    cell tinted by its status with the status word as its tooltip. A light table instead of a
    data grid: the browser draws it in a few milliseconds."""
    e = html.escape
    # "Responses", not "n": the NPS tile's n counts answers to the NPS question, a smaller
    # number; one region showed two different n
    heads = [first, "Behind on", "Responses"] + [fmt.column_label(n) for n in HEADLINES]
    tips = ["", "Headline metrics off target (red) or near target (amber), against its own "
            "targets", "Survey responses"] + [f"{BY_NAME[n].label}: {BY_NAME[n].description}"
                                              for n in HEADLINES]
    head = "".join(f'<th title="{e(t)}">{e(h)}</th>' for h, t in zip(heads, tips, strict=True))
    names = [str(x) for x in values[NAME_COL].tolist()]
    behind = [str(x) for x in values[STATUS_COL].tolist()]
    ns = values[N_COL].tolist()
    cols = {n: (values[n].tolist(), status[n].astype(str).tolist() if n in status else None)
            for n in HEADLINES}  # plain lists: no pandas lookup per cell
    rows = []
    for i, name in enumerate(names):
        mark = "▶ " if i == current else ""
        label = (f'<a href="{e(links[i])}" target="_self" {LINK_ATTR}="1">{e(mark + name)}</a>'
                 if keys[i] not in NO_KEY else e(mark + name))  # "(no region)": not a view
        cells = [f'<td class="cx-h-name">{label}</td>', f"<td>{e(behind[i])}</td>",
                 f'<td class="cx-h-num">{e(fmt.compact(ns[i]))}</td>']
        for n in HEADLINES:
            vals, stats = cols[n]
            st_ = stats[i] if stats is not None else "no_data"
            v = vals[i]
            text = fmt.value_text(BY_NAME[n], None if pd.isna(v) else float(v))
            cells.append(f'<td class="cx-h-num cx-h-{e(st_)}" '
                         f'title="{e(fmt.STATUS_TEXT.get(st_, st_))}">{e(text)}</td>')
        cur = ' class="cx-h-cur"' if i == current else ""
        rows.append(f'<tr data-key="{e(keys[i])}"{cur}>{"".join(cells)}</tr>')
    return (f'<div class="cx-heat-box"><table class="cx-heat"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


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


def heading(base: Scorecard) -> tuple[str, str]:
    """('Locations', 'Locations in Midwest, furthest behind first'): what the table lists."""
    w = base.children_window
    over = "" if w is None or w.code == "1m" else f" ({w.label})"
    if base.scope.level == "company":
        return "Regions", f"Regions, furthest behind first{over}"
    return "Locations", f"Locations in {base.scope_name}, furthest behind first{over}"


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
            f"{fmt.plural(len(keys), level[:-1].lower())}.")
    return (f'<h5 class="cx-title">{html.escape(title)}</h5>'
            + table_html(values, status, keys, links, level[:-1], at)
            + f'<p class="cx-note">{html.escape(note)}</p>')
