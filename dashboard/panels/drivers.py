"""Touchpoints and key drivers (issue 28): which part of the visit to fix first.

A lazy section (dashboard/panels/lazy.py): nothing is asked of the warehouse until it is
opened. Then, per journey shown, one sentence (what the touchpoints explain and what to fix
first), the priority chart (importance against the gap to the network) and the touchpoint table
(mean now with its 95% interval, the previous window, the change call, importance). Below the
minimum number of answers it shows no drivers and says why. Words and the rule come from
presentation/figures/drivers.py, shared with the pack.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard.panels import lazy
from presentation import fmt
from presentation.figures import drivers as fig
from queries.journeys import LABELS

SECTION_KEY = "section-drivers"
ICON = ":material/tune:"
ARROWS = {"up": "▲ better", "down": "▼ worse", "": ""}


def label(recorded) -> str:
    if recorded is None or not recorded.items:
        return "Touchpoints and key drivers · not recorded in this warehouse"
    return "Touchpoints and key drivers · which part of the visit to fix first"


def section(recorded, load, plotly_config: dict) -> None:
    """`load()` returns the view's `queries.journeys.Touch` (cached; called only when open)."""
    with lazy.section(label(recorded), SECTION_KEY, ICON) as shown:
        if not shown:
            return
        if recorded is None or not recorded.items:
            st.caption("This warehouse has no touchpoint answers (the optional survey_items "
                       "table): see docs/journeys.md to add them.")
            return
        draw(load(), plotly_config)


def table(touch, journey) -> pd.DataFrame:
    """The touchpoint table of one journey, most important first (names as plain text)."""
    imp = {}
    for d in touch.drivers:
        if d.journey == journey:
            imp = {it.item: it.importance for it in d.items}
    rows = []
    for t in touch.touchpoints:
        if t.journey != journey:
            continue
        rows.append({
            "Touchpoint": fig.label(t.item),
            "Mean (0-10)": None if t.mean is None else round(t.mean, 2),
            "95% interval": ("" if t.low is None else f"{t.low:.2f} to {t.high:.2f}"),
            "Previous": None if t.prev_mean is None else round(t.prev_mean, 2),
            "Change": ARROWS[t.change],
            "Answers": t.n,
            "Importance": None if t.item not in imp else round(100 * imp[t.item], 1),
        })
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values("Importance", ascending=False, na_position="last",
                              ignore_index=True)
    return out


def draw(touch, plotly_config: dict) -> None:
    last = date.fromordinal(touch.stop.toordinal() - 1)
    span = (f"{touch.start:%b %Y}" if touch.start.replace(day=1) == last.replace(day=1)
            else f"{touch.start:%b %Y} to {last:%b %Y}")
    st.caption(f"{touch.window_label.capitalize()} ({span}), beside the window before it. "
               "Importance: "
               "each touchpoint's share of the variation in the NPS answer that the touchpoints "
               "explain together (Shapley decomposition of R², so touchpoints that move together "
               "share it fairly). Fix first: above an equal share, and scoring below "
               f"{touch.network_label}.")
    journeys = [d.journey for d in touch.drivers] or [None]
    for j in journeys:
        d = next((x for x in touch.drivers if x.journey == j), None)
        st.markdown(f"**{LABELS.get(j, 'All journeys')}**")
        rows = fig.priority(d, touch.network) if d is not None else []
        said = fig.summary(d, rows, touch.network_label) if d is not None else "No drivers."
        st.markdown(fmt.escape_md(said))
        if rows:
            st.plotly_chart(fig.priority_chart(rows, d.r2, level=touch.network_label),
                            config=plotly_config, key=f"drivers-{j}")
        frame = table(touch, j)
        if len(frame):
            st.dataframe(frame, hide_index=True, width="stretch")
