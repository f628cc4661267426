"""The verdict strip: the meeting's answers in five short lines, above everything else.

Its markup is `presentation.verdict_html.strip_html`, the one the printed board pack prints.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from presentation import verdict as vd
from presentation.verdict_html import strip_html
from queries.scorecard import Scorecard


def draw(slot, v: vd.Verdict, card: Scorecard, names: Mapping[str, str],
         findings_pending: bool = False) -> None:
    """Draw (or redraw) the strip into `slot`, an `st.empty()` placed at the top of the page
    (None: drawn once, in place)."""
    (st if slot is None else slot).html(strip_html(v, card, names, findings_pending))


def placeholder():
    return st.empty()

