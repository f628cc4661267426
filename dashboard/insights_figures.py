"""Plotly figures for the insight drill-downs: pure functions of `queries.insights` results.

No Streamlit here (like dashboard/figures.py), so the board pack can reuse them. Colours come from
dashboard/fmt.py and are mid-tone or translucent, so every chart reads on the light and the dark
theme; the page sets no background.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import fmt, text
from dashboard.figures import FONT
from queries.insights import (
    FairRank,
    Funnel,
    LeadershipEffect,
    PayoutAlignment,
    PayVsImprovement,
    SatisfactionLoyalty,
)
from queries.insights.loyalty import OutcomeLink
from queries.insights.pay import PayPoint
from queries.stats import Z95

HEIGHT = 230
ROW_PX = 15  # fair-rank rows: one per child, at least readable at 10-px labels
GOOD, BAD, WATCH = (fmt.STATUS_COLOURS[s] for s in ("green", "red", "amber"))
MUTED = fmt.STATUS_COLOURS["low_confidence"]
LIMIT_95 = {"color": fmt.TARGET_COLOUR, "width": 1, "dash": "dot"}
LIMIT_998 = {"color": fmt.TARGET_COLOUR, "width": 1.2}


def _base(fig: go.Figure, height: int = HEIGHT, legend: bool = False, top: int = 6) -> go.Figure:
    """Same look as the page's charts; the legend is optional.

    On the page a drill-down chart is a fifth of the screen wide, where a legend wraps and
    scrolls, so the panel explains marks in a caption; the board pack, wider, can ask for one.
    """
    fig.update_layout(
        height=height, margin={"l": 4, "r": 4, "t": top + (26 if legend else 0), "b": 4},
        showlegend=legend, font=FONT, hoverlabel={"font_size": 11},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 10},
                "bgcolor": "rgba(0,0,0,0)", "itemwidth": 30},
    )
    return fig


def _num(v: float | None) -> float | None:
    """None for missing or NaN: Plotly draws a gap instead of a point at zero."""
    return None if v is None or not math.isfinite(float(v)) else float(v)


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _pair_line(x: Sequence[float], lo: Sequence[float], hi: Sequence[float]) -> tuple[list, list]:
    """Lower and upper limit as one trace (a gap between them), so one legend entry each."""
    xs = [*x, None, *x]
    ys = [*lo, None, *hi]
    return xs, ys


# --- 1. funnel plot ------------------------------------------------------------------------


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
    return _base(fig, legend=legend)


# --- 2. fair rank ----------------------------------------------------------------------------


def fair_rank_chart(fr: FairRank, legend: bool = False) -> go.Figure:
    """Raw NPS -> fair (shrunk) NPS per child, best fair rank on top, 95% interval on the fair one.

    The grey line is how far the child's own small sample is pulled toward the parent: long lines
    are the rows a raw league table gets wrong.
    """
    rows = list(fr.rows)
    labels = [f"{r.fair_rank}. {text.hover(_short(r.name))}" for r in rows]
    fig = go.Figure()
    lx: list[float | None] = []
    ly: list[str | None] = []
    for r, label in zip(rows, labels, strict=True):
        lx += [_num(r.nps), _num(r.shrunk), None]
        ly += [label, label, None]
    fig.add_trace(go.Scatter(x=lx, y=ly, mode="lines", name="pulled toward parent",
                             line={"color": MUTED, "width": 2}, hoverinfo="skip",
                             showlegend=False))
    fig.add_trace(go.Scatter(
        x=[_num(r.nps) for r in rows], y=labels, mode="markers", name="raw NPS",
        marker={"symbol": "circle-open", "size": 7, "color": MUTED, "line": {"width": 1.5}},
        hovertext=[f"{text.hover(r.name)}<br>raw NPS {r.nps:.0f} (rank {r.raw_rank}), "
                   f"n = {r.n:,.0f}"
                   + (" · low confidence" if r.low_confidence else "") for r in rows],
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[_num(r.shrunk) for r in rows], y=labels, mode="markers", name="fair NPS",
        marker={"size": 7, "color": fmt.LINE_COLOUR,
                "opacity": [0.45 if r.low_confidence else 1.0 for r in rows]},
        error_x={"type": "data", "array": [Z95 * (_num(r.shrunk_se) or 0.0) for r in rows],
                 "thickness": 1, "width": 0, "color": fmt.LINE_COLOUR},
        hovertext=[f"{text.hover(r.name)}<br>fair NPS {r.shrunk:.0f} ± "
                   f"{Z95 * (_num(r.shrunk_se) or 0):.0f}"
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
    return _base(fig, max(HEIGHT - 40, ROW_PX * len(rows) + 40), legend=legend)


# --- 3. leadership event study -------------------------------------------------------------


def effect_text(le: LeadershipEffect, months: int = 6) -> str:
    """'+6.1 NPS pts at 6 months (95%: +4.7 to +7.6)', or why there is no estimate."""
    e = le.horizon(months)
    if e.effect is None:
        return "too few locations to estimate"
    ci = "" if e.low is None or e.high is None else f" (95%: {e.low:+.1f} to {e.high:+.1f})"
    return f"{e.effect:+.1f} NPS pts at {months} months{ci}"


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
        x=ks, y=[_num(p.control_nps) for p in pts], mode="lines+markers", name="comparison",
        line={"color": MUTED, "width": 1.5, "dash": "dot"}, marker={"size": 4},
        customdata=[p.control_n for p in pts],
        hovertemplate="month %{x:+d}: NPS %{y:.1f} (n = %{customdata:,.0f})<extra>comparison"
                      "</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=ks, y=[_num(p.treated_nps) for p in pts], mode="lines+markers",
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
    return _base(fig, HEIGHT, legend=legend, top=20)


# --- 4. payout alignment -------------------------------------------------------------------


def payout_alignment_chart(pa: PayoutAlignment) -> go.Figure:
    """Share of CX-linked pay paid where the CX target was met, month by month, with the target."""
    months = [p.month for p in pa.series]
    fig = go.Figure(go.Scatter(
        x=months, y=[_num(p.payout_alignment) for p in pa.series], mode="lines+markers",
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
    return _base(fig, HEIGHT - 60)


# --- 5. pay vs improvement -----------------------------------------------------------------


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
    return _base(fig, legend=legend)


def _pay_hover(p: PayPoint) -> str:
    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.0f}%"

    z = "" if p.z is None else f" (z {p.z:+.1f})"
    return (f"{text.hover(p.name)}<br>pay/employee {p.pay_per_employee:,.0f} · CX share "
            f"{pct(p.pay_share)}"
            f" · alignment {pct(p.payout_alignment)}<br>NPS {p.change:+.1f}{z}")


# --- 6. satisfaction -> loyalty ------------------------------------------------------------


def _fit_line(link: OutcomeLink) -> tuple[list[float], list[float]] | None:
    """The pooled least-squares line through the binned means (it passes through the mean)."""
    slope = link.pooled.slope_per_10
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

    Each dot averages an equal number of location-months (size shows how many); the line is the
    pooled fit whose slope the sentence reports.
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
            slope = link.pooled.slope_per_10 or 0.0
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
    return _base(fig, HEIGHT + 90, top=22)
