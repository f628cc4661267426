"""League table of the scope's children (regions, or locations), coloured by status; click to drill.

At location level the table lists the location's siblings in its region, with the current one
marked, so the comparison a region manager makes is still one glance away.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboard import figures, fmt, nav
from queries.registry import BY_NAME, METRICS
from queries.scope import Scope
from queries.scorecard import Scorecard

HEADLINES = [m.name for m in METRICS if m.headline]
NAME_COL, N_COL = "Name", "n"
BAR_BOX_PX = 360  # taller bar charts scroll inside this box


def frame(children: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(values, statuses, child keys): one row per child, one column per headline metric."""
    if children.empty:
        empty = pd.DataFrame(columns=[NAME_COL, N_COL, *HEADLINES])
        return empty, empty.copy(), []
    kids = children.drop_duplicates(["key", "metric"])
    values = kids.pivot(index="key", columns="metric", values="value")
    status = kids.pivot(index="key", columns="metric", values="status")
    names = kids.drop_duplicates("key").set_index("key")["name"]
    out = pd.DataFrame({NAME_COL: names})
    out[N_COL] = values["responses"] if "responses" in values else float("nan")
    for name in HEADLINES:
        out[name] = values[name] if name in values else float("nan")
    out = out.sort_values(NAME_COL)
    st_frame = status.reindex(index=out.index, columns=HEADLINES)
    keys = [str(k) for k in out.index]
    return out.reset_index(drop=True), st_frame.reset_index(drop=True), keys


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
        N_COL: st.column_config.NumberColumn("n", format="localized", help="Survey responses"),
    }
    for name in HEADLINES:
        m = BY_NAME[name]
        suffix = "%%" if m.unit == "%" else ""
        config[name] = st.column_config.NumberColumn(
            fmt.column_label(name), format=f"%.{m.decimals}f{suffix}",
            help=f"{m.label}: {m.description}",
        )
    return config


def draw(card: Scorecard, parent: Scorecard | None, plotly_config: dict) -> None:
    """The table (and a bar chart of NPS) for the children, or the siblings of a location."""
    base = card if parent is None else parent
    scope: Scope = base.scope
    level = "Regions" if scope.level == "company" else "Locations"
    where = "" if scope.level == "company" else f" in {fmt.escape_md(base.scope_name)}"
    st.markdown(f"##### {level}{where}")
    values, status, keys = frame(base.children)
    if not keys:
        st.info(f"No {level.lower()} reported in {fmt.month_label(card.month)}.")
        return
    current = None
    if parent is not None and card.scope.location in keys:
        current = keys.index(card.scope.location)
    key = nav.selection_key("league", card.scope)
    tab_table, tab_bar = st.tabs(["Table", "NPS chart"])
    with tab_table:
        st.dataframe(
            styled(values.set_index(pd.RangeIndex(len(values))), status, current),
            hide_index=True, column_config=columns(level[:-1]),
            on_select=partial(nav.pick_child, key, scope, card.month, tuple(keys)),
            selection_mode="single-row", key=key, height=_height(len(keys)),
        )
        st.caption("Click a row's checkbox to open it. Colours: status against target; grey = "
                   "low confidence (sample below minimum). n = survey responses.")
    with tab_bar:
        bar_key = nav.selection_key("children_bar", card.scope)
        nps = BY_NAME["nps"]
        tgt = card.metrics["nps"].target
        fig = figures.children_bar(base.children, nps.name, tgt, highlight=card.scope.location)
        with st.container(height=min(int(fig.layout.height) + 16, BAR_BOX_PX), border=False):
            st.plotly_chart(
                fig, key=bar_key,
                on_select=partial(nav.pick_point, bar_key, scope, card.month, "child"),
                selection_mode="points", config=plotly_config | {"displayModeBar": False},
            )
        st.caption("NPS per child with its 95% interval; dashed line: target. Click a bar to open "
                   "it.")


def _height(rows: int) -> int:
    return min(36 + 35 * rows + 3, 36 + 35 * 9 + 3)
