"""What moved this month: children whose headline metrics changed beyond the sampling noise."""

from __future__ import annotations

import streamlit as st

from dashboard import fmt
from queries.scorecard import Scorecard


def draw(card: Scorecard) -> None:
    st.markdown("##### What moved this month")
    if card.scope.level == "location":
        st.caption("This compares the locations of a region; a single location has none to "
                   "compare. Go up to its "
                   "region to see which locations moved.")
        return
    solid = [m for m in card.movers if not m["small_sample"]]
    small = [m for m in card.movers if m["small_sample"]]
    if not card.movers:
        st.caption(f"No {'region' if card.scope.level == 'company' else 'location'} moved beyond "
                   f"the noise since last month. {card.movers_rule}")
        return
    st.caption(f"{card.movers_rule} {card.mover_tests} tests.")
    for m in sorted(solid, key=lambda m: not m["good"]):
        st.markdown(_line(m))
    if small:
        st.warning("Small samples: these moves rest on fewer answers than the minimum; treat "
                   "them as anecdotes, not trends.", icon=":material/warning:")
        for m in sorted(small, key=lambda m: not m["good"]):
            st.markdown(_line(m))


def _line(m: dict) -> str:
    arrow = ":green[▲]" if m["good"] else ":red[▼]"
    tail = " :gray-badge[small sample]" if m["small_sample"] else ""
    return f"{arrow} {fmt.escape_md(m['sentence'])}{tail}"
