"""Led from the top? The event study of an executive owner (or more listening) and NPS."""

from __future__ import annotations

import plotly.graph_objects as go

from presentation import fmt
from presentation.figures.style import HEIGHT, MUTED, layout
from queries.insights import LeadershipEffect
from queries.results import finite_or_none


def effect_text(le: LeadershipEffect, months: int = 6) -> str:
    """'+6.1 NPS pts at 6 months (95%: +4.7 to +7.6)', or why there is no estimate."""
    e = le.horizon(months)
    if e.effect is None or e.low is None or e.high is None:  # below the minimum of units
        return "too few locations to estimate"
    return f"{e.effect:+.1f} NPS pts at {months} months (95%: {e.low:+.1f} to {e.high:+.1f})"


def event_study_chart(le: LeadershipEffect, legend: bool = False) -> go.Figure:
    """Pooled NPS by month since the event, treated vs comparison locations, with the DiD effect.

    Months -6..-1 are the check of the method: the two lines should move together before the
    event; the gap opening after month 0 is the effect.
    """
    pts = le.event_study
    ks = [p.month for p in pts]
    fig = go.Figure()
    fig.add_vrect(x0=0.5, x1=max(ks, default=6) + 0.3, fillcolor=fmt.BAND_FILL, line_width=0,
                  layer="below")
    fig.add_trace(go.Scatter(
        x=ks, y=[finite_or_none(p.control_nps) for p in pts], mode="lines+markers",
        name="comparison",
        line={"color": MUTED, "width": 1.5, "dash": "dot"}, marker={"size": 4},
        customdata=[p.control_n for p in pts],
        hovertemplate="month %{x:+d}: NPS %{y:.1f} (n = %{customdata:,.0f})<extra>comparison"
                      "</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=ks, y=[finite_or_none(p.treated_nps) for p in pts], mode="lines+markers",
        name="owner gained" if le.treatment == "owner" else "listening rose",
        line={"color": fmt.LINE_COLOUR, "width": 2}, marker={"size": 5},
        customdata=[p.treated_n for p in pts],
        hovertemplate="month %{x:+d}: NPS %{y:.1f} (n = %{customdata:,.0f})<extra>treated"
                      "</extra>",
    ))
    fig.add_vline(x=0, line={"dash": "dash", "color": fmt.TARGET_COLOUR, "width": 1})
    fig.add_annotation(x=0, xref="paper", y=1, yref="paper", yshift=26 if legend else 2,
                       text=effect_text(le),
                       showarrow=False, xanchor="left", yanchor="bottom",
                       font={"size": 10, "color": fmt.LINE_COLOUR})
    fig.update_xaxes(dtick=2, zeroline=False, showgrid=False,
                     title={"text": "months since the event", "font": {"size": 10}})
    fig.update_yaxes(nticks=5, zeroline=False, title=None)
    return layout(fig, HEIGHT, legend=legend, top=20)
