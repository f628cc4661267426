"""What it is worth, and the year's pace: a lazy section below the fold (docs/value.md).

Its label carries the answer (customers lost and, with a value configured, their annual value);
opened, it shows the same parts as the printed pack (presentation/worth.py).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.panels import lazy
from presentation import worth as words
from presentation.fmt import escape_md
from queries import targets, value
from queries.scorecard import Scorecard

SECTION_KEY = "section-worth"
ICON = ":material/payments:"


def section(card: Scorecard, report: Callable[[], value.Worth]) -> None:
    stake = value.at_stake(card, targets.load())
    with lazy.section(escape_md(words.label(None, stake)), SECTION_KEY, ICON) as shown:
        if shown:
            draw(report())


def draw(w: value.Worth) -> None:
    a = w.at_stake
    line = words.cfo_line(a) or "No customer counts for this view."
    if not a.has_value:
        line += (" No value per customer is configured (the targets file's `[value]` "
                 "section): counts only.")
    st.markdown(f"**At stake.** {escape_md(line)}")
    st.markdown(f"**An NPS gain.** {escape_md(words.gain_words(w.gain))}")
    st.markdown(f"**The year** (fiscal year from {w.pace.fiscal_start:%B %Y}; year to date and "
                "rolling 12 months pooled, answers added up):")
    st.markdown("\n".join(
        f"- **{escape_md(name)}**: {escape_md(ytd)} year to date, {escape_md(r12)} over 12 "
        f"months; {escape_md(path)}" for name, ytd, r12, path in words.pace_rows(w.pace)))
    bench = words.benchmark_lines(w)
    if bench:
        st.markdown("**Outside yardsticks.** " + escape_md(" · ".join(bench)))
    if w.percentiles:
        st.markdown(f"**In the network** ({escape_md(w.window_label)}: NPS percentile among "
                    "all locations with its 95% interval, lowest first):")
        low = sorted(w.percentiles, key=lambda p: (p.percentile, p.location))
        st.markdown("\n".join(f"- {escape_md(words.percentile_words(p))}" for p in low[:60]))
