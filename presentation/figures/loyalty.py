"""Do happier customers stay? NPS this month against retention and referral in the next three."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from presentation import fmt
from presentation.figures.style import BAD, GOOD, HEIGHT, layout
from queries.insights import SatisfactionLoyalty
from queries.insights.loyalty import OutcomeLink


def _fit_line(link: OutcomeLink) -> tuple[list[float], list[float]] | None:
    """The within-location least-squares line through the binned means (through the mean)."""
    slope = link.headline.slope_per_10
    bins = [b for b in link.bins if b.points > 0]
    if slope is None or not bins:
        return None
    total = sum(b.points for b in bins)
    mx = sum(b.nps * b.points for b in bins) / total
    my = sum(b.outcome * b.points for b in bins) / total
    xs = [min(b.nps for b in bins), max(b.nps for b in bins)]
    return xs, [my + slope / 10 * (x - mx) for x in xs]


def loyalty_chart(sl: SatisfactionLoyalty) -> go.Figure:
    """NPS this month against retention and referral over the next three, binned, with the fit.

    Each dot averages an equal number of location-months, each location's own means removed;
    the line is the within-location fit whose slope the sentence and the verdict report.
    """
    links = list(sl.links)
    fig = make_subplots(rows=max(len(links), 1), cols=1, shared_xaxes=True,
                        vertical_spacing=0.12, subplot_titles=[x.label.capitalize()
                                                               for x in links] or None)
    for i, link in enumerate(links, start=1):
        bins = list(link.bins)
        fig.add_trace(go.Scatter(
            x=[b.nps for b in bins], y=[b.outcome for b in bins], mode="markers",
            name=f"{link.label} (binned)", showlegend=False,
            marker={"color": fmt.LINE_COLOUR, "size": 7},
            customdata=[b.points for b in bins],
            hovertemplate=(f"NPS %{{x:.0f}} → {link.label} %{{y:.1f}}%"
                           "<br>%{customdata} location-months<extra></extra>"),
        ), row=i, col=1)
        line = _fit_line(link)
        if line is not None:
            slope = link.headline.slope_per_10 or 0.0
            fig.add_trace(go.Scatter(
                x=line[0], y=line[1], mode="lines", name=f"{link.label} fit", showlegend=False,
                line={"color": GOOD if slope > 0 else BAD, "width": 1.5, "dash": "dash"},
                hovertemplate=f"{slope:+.2f} pts per 10 NPS<extra></extra>",
            ), row=i, col=1)
        fig.update_yaxes(ticksuffix="%", nticks=4, zeroline=False, row=i, col=1)
    fig.update_xaxes(showgrid=False, zeroline=False)
    fig.update_xaxes(title={"text": "NPS in the month", "font": {"size": 10}},
                     row=max(len(links), 1), col=1)
    fig.update_annotations(font={"size": 10})
    return layout(fig, HEIGHT + 90, top=22)
