"""Data-quality note for the data team: the rows each metric left out this month.

A lazy section (`dashboard/panels/lazy.py`): its label says how many values were left out, the
per-metric list is sent only when it is opened.
"""

from __future__ import annotations

import streamlit as st

from dashboard.panels import lazy
from presentation import fmt
from queries.scorecard import Scorecard

SECTION_KEY = "section-quality"
ICON = ":material/fact_check:"


def excluded(card: Scorecard) -> list[tuple[str, int]]:
    return [(fmt.short_label(r.name), int(r.excluded)) for r in card.metrics.values()
            if r.excluded]


def label(card: Scorecard) -> str:
    """'Data quality, for the data team · 8 values left out of 6 metrics'."""
    rows = excluded(card)
    head = "Data quality, for the data team"
    if not rows:
        return f"{head} · no values left out this month"
    total = sum(n for _, n in rows)
    which = rows[0][0] if len(rows) == 1 else f"{len(rows)} metrics"
    return f"{head} · {fmt.plural(total, 'value')} left out of {which}"


def section(card: Scorecard) -> None:
    with lazy.section(label(card), SECTION_KEY, ICON) as shown:
        if shown:
            draw(card)


def draw(card: Scorecard) -> None:
    rows = excluded(card)
    if not rows:
        st.caption("No rows were excluded from this month's metrics.")
        return
    total = sum(n for _, n in rows)
    lines = "\n".join(f"- {label}: {n:,} row{'s' if n != 1 else ''}" for label, n in rows)
    st.caption(f"{total:,} values were left out of this month's metrics (missing, out of range "
               f"or invalid); `cx-scorecard check` lists them.\n\n{lines}")
