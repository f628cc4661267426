"""What moved this month: children whose headline metrics changed beyond the sampling noise.

A lazy section (`dashboard/panels/lazy.py`) whose label gives the count of better and worse
moves and the rule, so the answer shows without opening it; the sentences are sent when opened.
"""

from __future__ import annotations

import streamlit as st

from dashboard.panels import lazy
from presentation import fmt
from queries.scorecard import Scorecard

SECTION_KEY = "section-moved"
ICON = ":material/swap_vert:"
# Why a child's own tiles can show an arrow that this list does not: the list sifts every child
# and metric together (false-discovery control), a tile tests its one change alone.
TILES_VS_LIST = ("Why a {child}'s own tiles can show an arrow that is not listed here: a tile "
                 "tests its one change against last month on its own, while this list sifts "
                 "every {child} and headline metric together, so that a move that happens by "
                 "chance somewhere among the {tests} comparisons is not reported as news. "
                 "An arrow on a tile is real for that {child}; this list names the moves that "
                 "stand out across the whole {level}.")


def label(card: Scorecard) -> str:
    """'What moved since Sep · 2 better, 1 worse, across all regions': plain words; the rule
    itself is inside the section."""
    kids = card.children_window or card.window
    head = f"What moved since {fmt.previous_text(kids, card.month)}"
    if card.scope.level == "location":
        return f"{head} · compared across a region's locations"
    child = "region" if card.scope.level == "company" else "location"
    if not card.movers:
        return f"{head} · no {child} stands out beyond the noise"
    better = sum(bool(m["good"]) for m in card.movers)
    worse = len(card.movers) - better
    return f"{head} · {better} better, {worse} worse, beyond the noise across all {child}s"


def section(card: Scorecard) -> None:
    with lazy.section(label(card), SECTION_KEY, ICON) as shown:
        if shown:
            draw(card)


def draw(card: Scorecard) -> None:
    if card.scope.level == "location":
        st.caption("This compares the locations of a region; a single location has none to "
                   "compare. Go up to its "
                   "region to see which locations moved.")
        return
    solid = [m for m in card.movers if not m["small_sample"]]
    small = [m for m in card.movers if m["small_sample"]]
    child = "region" if card.scope.level == "company" else "location"
    why = TILES_VS_LIST.format(child=child, tests=card.mover_tests, level=card.scope.level)
    if not card.movers:
        st.caption(f"No {child} moved beyond the noise since last month. {card.movers_rule} "
                   f"{why}")
        return
    st.caption(f"{card.movers_rule} {card.mover_tests} comparisons. {why}")
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
