"""The metric glossary, read from the registry and the targets file: one definition everywhere."""

from __future__ import annotations

import streamlit as st

from presentation import fmt
from queries import targets
from queries.registry import PANELS, by_panel


def markdown() -> str:
    """The whole glossary as Markdown, panel by panel in the story's order."""
    t = targets.load()
    lines = [
        "Statuses: :green-badge[On target] at or beyond target · :orange-badge[Near target] "
        "short of it by no more than 5% of the target · :red-badge[Off target] further "
        "behind · :gray-badge[Too close to call] the value's 95% interval reaches from off "
        "target to on target, so the answers cannot tell which · :gray-badge[Low confidence] "
        "too few answers to judge. Grey is never coloured. "
        "Changes: an arrow and a colour only for a change that is both real (outside the "
        "sampling noise) and large enough to matter (at least the metric's smallest change "
        "that matters and one displayed unit, listed below); otherwise grey and said in words. "
        f"Targets version {t.version}.",
    ]
    for panel, title in PANELS.items():
        lines.append(f"#### {title}")
        for m in by_panel(panel):
            tgt = t.for_metric(m.name).value
            lines.append(
                f"- **{m.label}** ({fmt.short_label(m.name)}). {m.description} "
                f"*Formula:* `{m.formula}`. *{fmt.target_text(m, tgt).capitalize()}*"
                f"{', by region/location/year where set' if tgt is not None else ''}. "
                f"*Why:* {m.why} *Smallest change shown as a move:* "
                f"{fmt.diff_text(m, max(m.min_change, 10.0 ** -m.decimals)).lstrip('+')}."
            )
    return "\n".join(lines)


def button() -> None:
    """The Glossary button; the glossary opens in a dialog (its text is sent only when asked
    for, not on every rerun as a popover's content would be)."""
    if st.button("Glossary", icon=":material/menu_book:", key="glossary"):
        dialog()


@st.dialog("Glossary", width="large")
def dialog() -> None:
    st.markdown(markdown())
