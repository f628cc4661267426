"""Below-the-fold sections that cost the browser nothing until the reader opens one.

One pattern for every such section (the map, what moved, the four analyses, the meeting's
actions and files, the data-quality note): a collapsed `st.expander` that tracks its open state
(`on_change="rerun"`), whose label carries the section's one-line answer, and whose content the
caller draws only while it is open. Closed, a section is one element holding one line of text:
each element of a rerun is a websocket message and a React element the browser must take in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

OPEN = "_cx_open:"  # session key prefix: a section's remembered open state
LABELS_KEPT = 64  # per section, the labels whose first open state is remembered


@contextmanager
def section(label: str, key: str, icon: str, *, lazy: bool = True,
            expanded: bool = False) -> Iterator[bool]:
    """`with section(label, key, icon) as shown:` an expander; draw its content only `if shown`.

    `label` is Markdown (Streamlit renders it): a warehouse name or typed text in it must go
    through `presentation.fmt.escape_md`. `key` names the section, not the view, so a section the
    reader opened stays open while they drill down or change the month. Streamlit derives a
    stateful expander's identity from its label as well, and the label's numbers change with
    the view, so the open state is also kept under `OPEN + key` and starts the next expander.
    `lazy=False`: a plain expander whose content is always drawn and sent (for a caller that
    already holds it); `expanded`: open at first.
    """
    if not lazy:
        with st.expander(label, expanded=expanded, icon=icon):
            yield True
        return
    remembered = OPEN + key
    start = bool(st.session_state.get(remembered, expanded))
    # A label's expander keeps the `expanded` it was first drawn with: `expanded` is part of the
    # widget's identity, and flipping it with the open state sent a closing click to a new
    # widget while the old one (still open) came back on the next run: closing took two clicks.
    firsts: dict[str, bool] = st.session_state.setdefault(OPEN + key + ":first", {})
    fixed = firsts.setdefault(label, start)
    while len(firsts) > LABELS_KEPT:
        firsts.pop(next(iter(firsts)))
    box = st.expander(label, expanded=fixed, key=key, icon=icon, on_change="rerun")
    shown = bool(box.open)
    st.session_state[remembered] = shown
    with box:
        yield shown
