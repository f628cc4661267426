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
    box = st.expander(label, expanded=start, key=key, icon=icon, on_change="rerun")
    shown = bool(box.open)
    st.session_state[remembered] = shown
    with box:
        yield shown
