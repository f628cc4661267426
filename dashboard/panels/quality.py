"""Data-quality note for the data team, behind a toggle: rows each metric left out."""

from __future__ import annotations

import streamlit as st

from dashboard import fmt
from queries.scorecard import Scorecard


def excluded(card: Scorecard) -> list[tuple[str, int]]:
    return [(fmt.short_label(r.name), int(r.excluded)) for r in card.metrics.values()
            if r.excluded]


@st.fragment
def draw(card: Scorecard) -> None:
    """Behind a toggle: a note for the data team, not for the meeting (a fragment: the toggle
    reruns only this section)."""
    if not st.toggle("Data-quality note for the data team", key="show_quality"):
        return
    rows = excluded(card)
    if not rows:
        st.caption("No rows were excluded from this month's metrics.")
        return
    total = sum(n for _, n in rows)
    lines = "\n".join(f"- {label}: {n:,} row{'s' if n != 1 else ''}" for label, n in rows)
    st.caption(f"{total:,} values were left out of this month's metrics (missing, out of range "
               f"or invalid); `cx-scorecard check` lists them.\n\n{lines}")
