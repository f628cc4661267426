"""Is pay tied to customers? Payout alignment over time and CX-linked pay against NPS change."""

from __future__ import annotations

import plotly.graph_objects as go

from presentation import fmt, text
from presentation.figures.style import BAD, HEIGHT, WATCH, layout
from queries.insights import PayoutAlignment, PayVsImprovement
from queries.insights.pay import PayPoint
from queries.results import finite_or_none


def payout_alignment_chart(pa: PayoutAlignment) -> go.Figure:
    """Share of CX-linked pay paid where the CX target was met, month by month, with the target."""
    months = [p.month for p in pa.series]
    fig = go.Figure(go.Scatter(
        x=months, y=[finite_or_none(p.payout_alignment) for p in pa.series], mode="lines+markers",
        name=fmt.short_label("payout_alignment"),
        line={"color": fmt.LINE_COLOUR, "width": 2}, marker={"size": 4},
        customdata=[p.locations for p in pa.series],
        hovertemplate="%{x|%b %Y}: %{y:.0f}% (%{customdata} locations)<extra></extra>",
    ))
    if pa.target is not None:
        fig.add_hline(y=float(pa.target), line={"dash": "dash", "color": fmt.TARGET_COLOUR,
                                                "width": 1})
        fig.add_annotation(x=0, xref="paper", y=float(pa.target), yref="y",
                           text=f"target {pa.target:.0f}%", showarrow=False, xanchor="left",
                           yanchor="bottom", font={"size": 10, "color": fmt.TARGET_COLOUR})
    fig.update_xaxes(tickformat="%b %y", dtick="M6", showgrid=False, ticks="")
    fig.update_yaxes(ticksuffix="%", nticks=4, zeroline=False)
    return layout(fig, HEIGHT - 60)


def pay_scatter(pv: PayVsImprovement, legend: bool = False) -> go.Figure:
    """CX-linked pay per employee against each location's NPS change; flagged pay highlighted.

    Red diamonds: paid CX bonuses regardless of results and NPS did not improve; amber squares:
    among the most paid for CX and NPS did not improve (shape as well as colour, for colour-blind
    readers). Points below the zero line did not improve.
    """
    pts = [p for p in pv.points if p.pay_per_employee is not None and p.change is not None]
    groups = (
        ("other locations", [p for p in pts if not (p.flagged or p.flagged_regardless)],
         fmt.LINE_COLOUR, 5, 0.55, "circle"),
        ("paid for CX, not improved", [p for p in pts if p.flagged and not p.flagged_regardless],
         WATCH, 6, 0.9, "square"),
        ("paid regardless, not improved", [p for p in pts if p.flagged_regardless], BAD, 7, 0.9,
         "diamond"),
    )
    fig = go.Figure()
    for name, group, colour, size, opacity, symbol in groups:
        if not group:
            continue
        fig.add_trace(go.Scatter(
            x=[p.pay_per_employee for p in group], y=[p.change for p in group], mode="markers",
            name=name, marker={"color": colour, "size": size, "opacity": opacity, "symbol": symbol,
                               "line": {"width": 0.5, "color": "rgba(60,60,60,0.6)"}},
            hovertext=[_pay_hover(p) for p in group],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    fig.add_hline(y=0, line={"color": fmt.TARGET_COLOUR, "width": 1})
    fig.update_xaxes(title={"text": "CX-linked pay per employee / month", "font": {"size": 10}},
                     nticks=5, showgrid=False, zeroline=False)
    fig.update_yaxes(title={"text": "NPS change", "font": {"size": 10}}, nticks=5,
                     zeroline=False)
    return layout(fig, legend=legend)


def _pay_hover(p: PayPoint) -> str:
    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.0f}%"

    z = "" if p.z is None else f" (z {p.z:+.1f})"
    return (f"{text.hover(p.name)}<br>pay/employee {p.pay_per_employee:,.0f} · CX share "
            f"{pct(p.pay_share)}"
            f" · alignment {pct(p.payout_alignment)}<br>NPS {p.change:+.1f}{z}")
