"""Where the problem is: the children of a view, worst first, as a heat table.

The order is `queries.ranking.worst_first`, the same function behind the board pack's league table
and the league CSV, and the cell colours are the one status palette (dashboard/fmt.py), each row
also saying in words how many of its headline metrics are off or near target. Tick a row to open
it. At location level the table lists the location's siblings in its region, this one marked ▶.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboard import fmt, nav
from queries.ranking import HEADLINES, worst_first
from queries.registry import BY_NAME
from queries.scope import Scope
from queries.scorecard import Scorecard

NAME_COL, STATUS_COL, N_COL = "Name", "Behind", "n"
ROWS_SHOWN = 8  # rows visible before the table scrolls


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


def styled(values: pd.DataFrame, status: pd.DataFrame, current: int | None = None) -> Styler:
    """Status colours as translucent backgrounds (numbers are formatted by `columns`)."""

    def css(col: pd.Series) -> list[str]:
        if col.name not in status:
            return [""] * len(col)
        return [fmt.STATUS_CELL_CSS.get(str(s), "") for s in status[col.name]]

    shown = values.copy()
    if current is not None:
        shown[NAME_COL] = [f"▶ {n}" if i == current else n
                           for i, n in enumerate(values[NAME_COL])]
    return shown.style.apply(css, axis=0)


def columns(first: str) -> dict:
    """Short headers, each metric at its precision and unit, full label as the tooltip."""
    config: dict = {
        NAME_COL: st.column_config.TextColumn(first, pinned=True),
        STATUS_COL: st.column_config.TextColumn(
            "Behind on", width=130,
            help="How many of the headline metrics are off target (red) or near target "
                 "(amber) for this one, against its own targets."),
        N_COL: st.column_config.NumberColumn("n", format="localized", width=70,
                                             help="Survey responses"),
    }
    for name in HEADLINES:
        m = BY_NAME[name]
        suffix = "%%" if m.unit == "%" else ""
        config[name] = st.column_config.NumberColumn(
            fmt.column_label(name), format=f"%.{m.decimals}f{suffix}",
            help=f"{m.label}: {m.description}",
        )
    return config


def draw(card: Scorecard, parent: Scorecard | None, ranked: pd.DataFrame | None = None) -> None:
    """The heat table of the children, or of the siblings of a location (`ranked`: those
    children already ranked worst first)."""
    base = card if parent is None else parent
    scope: Scope = base.scope
    level = "Regions" if scope.level == "company" else "Locations"
    where = "" if scope.level == "company" else f" in {fmt.escape_md(base.scope_name)}"
    values, status, keys = frame(base.children, ranked)
    st.markdown(f"##### {level}{where}, furthest behind first")
    if not keys:
        st.info(f"No {level.lower()} reported in {fmt.month_label(card.month)}.")
        return
    current = None
    if parent is not None and card.scope.location in keys:
        current = keys.index(card.scope.location)
    key = nav.selection_key("league", card.scope)
    st.dataframe(
        styled(values.set_index(pd.RangeIndex(len(values))), status, current),
        hide_index=True, column_config=columns(level[:-1]),
        on_select=partial(nav.pick_child, key, scope, card.month, tuple(keys)),
        selection_mode="single-row", key=key, height=_height(len(keys)),
    )
    st.caption(f"Tick a row to open it. Colours: status against each one's own target "
               f"(green on, amber near, red off); grey: too few answers to judge. "
               f"n = survey responses. {fmt.plural(len(keys), level[:-1].lower())}.")


def _height(rows: int) -> int:
    return min(36 + 35 * rows + 3, 36 + 35 * ROWS_SHOWN + 3)
