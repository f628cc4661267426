"""Do engaged employees make happier customers? eNPS this month against customer NPS next."""

from __future__ import annotations

import plotly.graph_objects as go

from presentation import fmt
from presentation.figures.style import BAD, GOOD, HEIGHT, layout
from queries.insights.culture import CultureLink


def culture_chart(c: CultureLink) -> go.Figure:
    """Within-location binned scatter (each location's own means removed, grand means added
    back) of eNPS against the next three months' customer NPS, with the fitted slope the
    sentence quotes (per 10 eNPS points) drawn through the mean."""
    fig = go.Figure()
    bins = [b for b in c.bins if b[2] > 0]
    fig.add_trace(go.Scatter(
        x=[b[0] for b in bins], y=[b[1] for b in bins], mode="markers", name="binned",
        showlegend=False, marker={"color": fmt.LINE_COLOUR, "size": 7},
        customdata=[b[2] for b in bins],
        hovertemplate=("eNPS %{x:.0f} → NPS next 3 months %{y:.1f}"
                       "<br>%{customdata} location-months<extra></extra>")))
    slope = c.coefficient("enps").effect
    if slope is not None and bins:
        total = sum(b[2] for b in bins)
        mx = sum(b[0] * b[2] for b in bins) / total
        my = sum(b[1] * b[2] for b in bins) / total
        xs = [min(b[0] for b in bins), max(b[0] for b in bins)]
        fig.add_trace(go.Scatter(
            x=xs, y=[my + slope / 10 * (x - mx) for x in xs], mode="lines", name="fit",
            showlegend=False,
            line={"color": GOOD if slope > 0 else BAD, "width": 1.5, "dash": "dash"},
            hovertemplate=f"{slope:+.2f} NPS pts per 10 eNPS<extra></extra>"))
    fig.update_xaxes(title={"text": "eNPS in the month", "font": {"size": 10}}, showgrid=False,
                     zeroline=False)
    fig.update_yaxes(title={"text": "NPS, next 3 months", "font": {"size": 10}}, nticks=4,
                     zeroline=False)
    return layout(fig, HEIGHT, top=10)
