"""Drill-downs under the story panels: how do the levers go with the outcomes, and are the ranks
more than noise?

One collapsed expander per panel asks that panel's question of the warehouse (queries/insights.py,
methods in docs/insights.md) and answers with the analysis's own sentence, a chart and, where it
helps, a small table. The headline tiles stay uncluttered; the evidence is one click away.

Every analysis is drawn on its own: a missing result, a `NotAvailable` one (shown as its reason)
or one that fails to draw degrades to a short note, never a traceback, and never hides the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.panels import lazy
from presentation import figures as fig
from presentation import fmt
from presentation.analyses import (
    CULTURE_KEY,
    FAIR_RANK_KEY,
    FUNNEL_KEY,
    LABELS,
    LOYALTY_KEY,
    PAY_KEY,
    TITLES,
    leadership_key,
)
from queries.insights import (
    CultureLink,
    FairRank,
    Funnel,
    Gaming,
    LeadershipEffect,
    MostImproved,
    NotAvailable,
    PayoutAlignment,
    PayVsImprovement,
    SatisfactionLoyalty,
)
from queries.insights.gaming_flags import SIGNAL_WORDS

Results = Mapping[str, Any]
ResultsArg = Results | Callable[[], Results] | BaseException | None

TABLE_ROWS = 6  # rows visible in a drill-down table before it scrolls


def draw(panel: str, results: ResultsArg, plotly_config: dict,
         *, expanded: bool = False) -> None:
    """The drill-down section under one story panel.

    `results` is the dict from `insights_data.analyses`; the exception it raised (or None) when
    it could not be computed; or a zero-argument callable returning it: then the section is lazy
    (`dashboard/panels/lazy.py`) and the analyses run only once a viewer opens it (a closed page
    pays nothing for them). `expanded` opens the section at first (tests, a print view).
    """
    analyses = SECTIONS.get(panel)
    if analyses is None:
        return
    with lazy.section(TITLES[panel], f"insights-{panel}", ":material/query_stats:",
                      lazy=callable(results), expanded=expanded) as shown:
        if not shown:
            return
        got = _resolve(results)
        if got is None:
            return
        config = plotly_config | {"displayModeBar": False}
        with st.container(key=f"insights-body-{panel}"):  # a CSS hook for the page theme
            for name, body in analyses:
                _one(panel, name, got, body, config)


def _resolve(results: ResultsArg) -> Results | None:
    """The results, or None after a short note when they are missing or fail to compute."""
    if callable(results):
        try:
            results = results()
        except Exception as exc:  # noqa: BLE001 - one note, the rest of the page stays
            st.info(f"The analyses could not be computed: {_short_error(exc)}",
                    icon=":material/info:")
            return None
    if isinstance(results, BaseException):
        st.info(f"The analyses could not be computed: {_short_error(results)}",
                icon=":material/info:")
        return None
    if not isinstance(results, Mapping):
        st.info("The analyses are not available for this view.", icon=":material/info:")
        return None
    return results


def _short_error(exc: BaseException) -> str:
    """First line of the message, at most 160 characters, inert as Markdown (it may hold SQL)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return fmt.escape_md(text if len(text) <= 160 else text[:159] + "…")


Body = Callable[[str, Any, dict], None]


def _one(panel: str, name: str, results: Results, body: Body, config: dict) -> None:
    """One analysis: its label, then its body; any failure stays inside this analysis."""
    st.markdown(f"**{LABELS[name]}**")
    value = results.get(name)
    if value is None:
        st.info(f"{LABELS[name]}: no result for this view.", icon=":material/info:")
        return
    if isinstance(value, NotAvailable):
        st.caption(fmt.escape_md(value.reason))
        return
    if isinstance(value, BaseException):  # a caller that caught one analysis's failure
        st.info(f"{LABELS[name]} could not be computed: {_short_error(value)}",
                icon=":material/info:")
        return
    try:
        body(f"ins-{panel}-{name}", value, config)
    except Exception as exc:  # noqa: BLE001 - one analysis fails, the others still show
        st.info(f"{LABELS[name]} could not be shown: {_short_error(exc)}",
                icon=":material/info:")


def _sentence(text: str) -> None:
    """The analysis's own plain-words sentence, small (a column is a fifth of the screen).

    Location names come from the warehouse, so the text is escaped: never Markdown or a link.
    """
    st.markdown(f":small[{fmt.escape_md(text)}]")


def _chart(figure: go.Figure, key: str, config: dict) -> None:
    st.plotly_chart(figure, config=config, key=key)


def _table(df: pd.DataFrame, key: str, columns: dict[str, Any] | None = None) -> None:
    height = 35 * (min(len(df), TABLE_ROWS) + 1) + 3
    st.dataframe(df, hide_index=True, key=key, height=height, column_config=columns)


# --- leadership -----------------------------------------------------------------------------


def _leadership(key: str, r: LeadershipEffect, config: dict) -> None:
    _sentence(r.sentence)
    _chart(fig.event_study_chart(r), key, config)
    st.caption(leadership_key(r.treatment))


# --- incentives -----------------------------------------------------------------------------


def _alignment(key: str, r: PayoutAlignment, config: dict) -> None:
    _sentence(r.sentence)
    _chart(fig.payout_alignment_chart(r), key, config)


def _pay(key: str, r: PayVsImprovement, config: dict) -> None:
    _sentence(r.sentence)
    _chart(fig.pay_scatter(r), key, config)
    st.caption(PAY_KEY)
    flagged = sorted(r.flagged, key=lambda p: (not p.flagged_regardless, p.change or 0.0))
    if not flagged:
        st.caption("No location is flagged: pay and NPS change line up.")
        return
    st.caption(f"{len(flagged)} flagged location{'s' if len(flagged) != 1 else ''}: paid and "
               "NPS did not improve over the last six months.")
    df = pd.DataFrame({
        "Location": [p.name for p in flagged],
        "NPS Δ": [p.change for p in flagged],
        "Why": ["regardless" if p.flagged_regardless else "top CX pay" for p in flagged],
        "Aligned": [p.payout_alignment for p in flagged],
    })
    _table(df, key + "-flags", {
        "Location": st.column_config.TextColumn(pinned=True),
        "NPS Δ": st.column_config.NumberColumn(format="%+.1f", width="small",
                                               help="NPS change, last 6 months vs the 6 before"),
        "Why": st.column_config.TextColumn(
            width="small", help="regardless: payout alignment below the floor; top CX pay: "
                                "CX-linked share of variable pay above the median"),
        "Aligned": st.column_config.NumberColumn(
            format="%.0f%%", width="small", help="Payout alignment over the last 12 months"),
    })


def _gaming(key: str, r: Gaming, config: dict) -> None:
    _sentence(r.sentence)
    if not r.flags:
        return
    df = pd.DataFrame({
        "Location": [f.name for f in r.flags],
        "Month": [fmt.month_label(f.month) for f in r.flags],
        "Signals": [", ".join(SIGNAL_WORDS.get(s, s) for s in f.signals) for f in r.flags],
        "NPS": [f.nps for f in r.flags],
        "Before": [f.nps_baseline for f in r.flags],
    })
    _table(df, key + "-flags", {
        "Location": st.column_config.TextColumn(pinned=True),
        "NPS": st.column_config.NumberColumn(format="%.0f", width="small"),
        "Before": st.column_config.NumberColumn(format="%.0f", width="small",
                                                help="NPS over the previous six months"),
    })


# --- satisfaction ---------------------------------------------------------------------------


def _fair_rank(key: str, r: FairRank, config: dict) -> None:
    _sentence(r.sentence)
    if len(r.rows) > 1:
        _chart(fig.fair_rank_chart(r), key, config)
        st.caption(FAIR_RANK_KEY)


def _funnel(key: str, r: Funnel, config: dict) -> None:
    _sentence(r.sentence)
    if r.points:
        _chart(fig.funnel_plot(r), key, config)
        st.caption(FUNNEL_KEY)


def _most_improved(key: str, r: MostImproved, config: dict) -> None:
    _sentence(r.sentence)
    rows = [row for row in r.vs_previous.rows if row.direction in ("rise", "fall")]
    if not rows:
        return
    df = pd.DataFrame({
        "Name": [row.name for row in rows],
        "Change": [row.change for row in rows],
        "NPS": [row.nps for row in rows],
        "n": [row.n for row in rows],
        "Small sample": ["⚠ yes" if row.small_sample_warning else "" for row in rows],
    })
    _table(df, key + "-moves", {
        "Name": st.column_config.TextColumn(pinned=True),
        "Change": st.column_config.NumberColumn(format="%+.0f", width="small",
                                                help=f"NPS points {r.vs_previous.label}"),
        "NPS": st.column_config.NumberColumn(format="%.0f", width="small"),
        "n": st.column_config.NumberColumn(format="localized", width="small"),
    })
    if any(row.small_sample_warning for row in rows):
        st.warning("⚠ Fewer than 30 answers on one side: such a rise or fall is the first to "
                   "reverse next month (regression to the mean). Treat it as an anecdote.",
                   icon=":material/warning:")


# --- loyalty --------------------------------------------------------------------------------


def _loyalty(key: str, r: SatisfactionLoyalty, config: dict) -> None:
    _sentence(r.sentence)
    if not any(link.bins for link in r.links):
        return
    _chart(fig.loyalty_chart(r), key, config)
    st.caption(LOYALTY_KEY)


# --- culture --------------------------------------------------------------------------------


def _culture(key: str, r: CultureLink, config: dict) -> None:
    _sentence(r.sentence)
    if not r.bins:
        return
    _chart(fig.culture_chart(r), key, config)
    st.caption(CULTURE_KEY)


SECTIONS: dict[str, tuple[tuple[str, Body], ...]] = {
    "leadership": (("leadership_owner", _leadership), ("leadership_listening", _leadership)),
    "incentives": (("payout_alignment", _alignment), ("pay_vs_improvement", _pay),
                   ("gaming", _gaming)),
    "satisfaction": (("fair_rank", _fair_rank), ("funnel", _funnel),
                     ("most_improved", _most_improved)),
    "loyalty": (("satisfaction_loyalty", _loyalty),),
    "culture": (("culture_link", _culture),),
}
