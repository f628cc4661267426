"""Fair comparison of a scope's children: the funnel plot and the fair (shrunk) rank chart,
pure functions of `queries.insights` results."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from presentation import fmt, text
from presentation.figures.style import BAD, GOOD, HEIGHT, MUTED, WATCH, layout
from queries.insights import FairRank, Funnel
from queries.results import finite_or_none
from queries.stats import Z95

ROW_PX = 15  # fair-rank rows: one per child, at least readable at 10-px labels
LIMIT_95 = {"color": fmt.TARGET_COLOUR, "width": 1, "dash": "dot"}
LIMIT_998 = {"color": fmt.TARGET_COLOUR, "width": 1.2}


def _pair_line(x: Sequence[float], lo: Sequence[float], hi: Sequence[float]) -> tuple[list, list]:
    """Lower and upper limit as one trace (a gap between them), so one legend entry each."""
    xs = [*x, None, *x]
    ys = [*lo, None, *hi]
    return xs, ys


def funnel_plot(f: Funnel, legend: bool = False) -> go.Figure:
    """Children's NPS against n, with 95% and 99.8% limits around the parent; outliers marked.

    A point outside the 99.8% funnel is a difference chance produces about once in 500; inside
    the 95% funnel it is what noise alone looks like, however far down a league table it sits.
    """
    fig = go.Figure()
    ns = [lim.n for lim in f.limits]
    if ns:
        x, y = _pair_line(ns, [lim.lower_998 for lim in f.limits],
                          [lim.upper_998 for lim in f.limits])
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=LIMIT_998, name="99.8% limits",
                                 hoverinfo="skip"))
        x, y = _pair_line(ns, [lim.lower_95 for lim in f.limits],
                          [lim.upper_95 for lim in f.limits])
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=LIMIT_95, name="95% limits",
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=[ns[0], ns[-1]], y=[f.parent_nps] * 2, mode="lines",
                                 line={"color": fmt.LINE_COLOUR, "width": 1, "dash": "dash"},
                                 name=f"{text.hover(f.scope_name)} {f.parent_nps:.0f}",
                                 hoverinfo="skip"))
    groups = (
        ("within limits", [p for p in f.points if not p.outside_95], fmt.LINE_COLOUR, 6, "circle"),
        ("outside 95%", [p for p in f.points if p.outside_95 and not p.outlier], WATCH, 7,
         "circle"),
        ("outside 99.8%", [p for p in f.points if p.outlier], None, 10, "diamond"),
    )
    for name, pts, colour, size, symbol in groups:
        if not pts:
            continue
        colours = colour or [GOOD if p.z > 0 else BAD for p in pts]
        fig.add_trace(go.Scatter(
            x=[p.n for p in pts], y=[p.nps for p in pts], mode="markers", name=name,
            marker={"color": colours, "size": size, "symbol": symbol,
                    "line": {"width": 0.5, "color": "rgba(60,60,60,0.6)"}},
            hovertext=[f"{text.hover(p.name)}<br>NPS {p.nps:.0f}, n = {p.n:,.0f}<br>z = {p.z:+.1f}"
                       for p in pts],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    fig.update_xaxes(type="log", title={"text": "answers (n)", "font": {"size": 10}},
                     showgrid=False, tickangle=0, tickformat="~s")
    fig.update_yaxes(title=None, nticks=5, zeroline=False)
    return layout(fig, legend=legend)


def fair_rank_chart(fr: FairRank, legend: bool = False) -> go.Figure:
    """Raw NPS -> fair (shrunk) NPS per child, best fair rank on top, 95% interval on the fair one.

    The grey line is how far the child's own small sample is pulled toward the parent: long lines
    are the rows a raw league table gets wrong.
    """
    rows = list(fr.rows)
    labels = [f"{r.fair_rank}. {text.hover(r.name, 18)}" for r in rows]
    fig = go.Figure()
    lx: list[float | None] = []
    ly: list[str | None] = []
    for r, label in zip(rows, labels, strict=True):
        lx += [finite_or_none(r.nps), finite_or_none(r.shrunk), None]
        ly += [label, label, None]
    fig.add_trace(go.Scatter(x=lx, y=ly, mode="lines", name="pulled toward parent",
                             line={"color": MUTED, "width": 2}, hoverinfo="skip",
                             showlegend=False))
    fig.add_trace(go.Scatter(
        x=[finite_or_none(r.nps) for r in rows], y=labels, mode="markers", name="raw NPS",
        marker={"symbol": "circle-open", "size": 7, "color": MUTED, "line": {"width": 1.5}},
        hovertext=[f"{text.hover(r.name)}<br>raw NPS {r.nps:.0f} (rank {r.raw_rank}), "
                   f"n = {r.n:,.0f}"
                   + (" · low confidence" if r.low_confidence else "") for r in rows],
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[finite_or_none(r.shrunk) for r in rows], y=labels, mode="markers", name="fair NPS",
        marker={"size": 7, "color": fmt.LINE_COLOUR,
                "opacity": [0.45 if r.low_confidence else 1.0 for r in rows]},
        error_x={"type": "data",
                 "array": [Z95 * (finite_or_none(r.shrunk_se) or 0.0) for r in rows],
                 "thickness": 1, "width": 0, "color": fmt.LINE_COLOUR},
        hovertext=[f"{text.hover(r.name)}<br>fair NPS {r.shrunk:.0f} ± "
                   f"{Z95 * (finite_or_none(r.shrunk_se) or 0):.0f}"
                   f" (rank {r.fair_rank}; 95% rank interval {r.rank_low}-{r.rank_high})"
                   f"<br>own weight {r.weight:.0%}" for r in rows],
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    if math.isfinite(fr.parent_nps):
        fig.add_vline(x=fr.parent_nps, line={"dash": "dash", "color": fmt.TARGET_COLOUR,
                                             "width": 1})
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 10},
                     categoryorder="array", categoryarray=labels)
    fig.update_xaxes(nticks=5, zeroline=False, title=None)
    return layout(fig, max(HEIGHT - 40, ROW_PX * len(rows) + 40), legend=legend)
