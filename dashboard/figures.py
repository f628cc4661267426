"""Plotly figures for the page and the board pack: pure functions of query-layer results.

No Streamlit here, so the board pack renders exactly the figures the page shows. Colours are chosen
to read on a white and on a dark background; the page applies its theme on top.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from dashboard import fmt, text
from queries import stats
from queries.registry import BY_NAME, Metric
from queries.scorecard import MetricResult

TREND_HEIGHT = 170
MAP_HEIGHT = 330
FONT = {"size": 11}


def _base(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 4, "r": 4, "t": 6, "b": 4}, showlegend=False,
        font=FONT, hoverlabel={"font_size": 11}, paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def trend(result: MetricResult, band: pd.DataFrame | None = None) -> go.Figure:
    """13 months of one metric, its target as a dashed line and (if given) a 95% margin band."""
    m = BY_NAME[result.name]
    months = [mo for mo, _ in result.trend]
    values = [v for _, v in result.trend]
    fig = go.Figure()
    if band is not None and not band.empty:
        b = band[band.metric == result.name].set_index("month").reindex(months)
        if "lo" in b and "hi" in b:
            lo, hi = b["lo"].astype(float), b["hi"].astype(float)
        else:  # value and margin only
            lo, hi = b["value"] - b["moe"], b["value"] + b["moe"]
        fig.add_trace(go.Scatter(x=months, y=hi, mode="lines", line={"width": 0},
                                 hoverinfo="skip", connectgaps=False, name="upper"))
        fig.add_trace(go.Scatter(x=months, y=lo, mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor=fmt.BAND_FILL, hoverinfo="skip", connectgaps=False,
                                 name="95% interval"))
    custom = [_hover(m, v, band, result.name, mo) for mo, v in result.trend]
    fig.add_trace(go.Scatter(
        x=months, y=values, mode="lines+markers", name=fmt.short_label(m.name),
        line={"color": fmt.LINE_COLOUR, "width": 2}, marker={"size": 5},
        customdata=custom, hovertemplate="%{x|%b %Y}: %{customdata}<extra></extra>",
    ))
    if result.target is not None:
        fig.add_hline(y=float(result.target), line={"dash": "dash", "color": fmt.TARGET_COLOUR,
                                                    "width": 1})
        fig.add_annotation(x=0, xref="paper", y=float(result.target), yref="y",
                           text=f"target {fmt.number(m, float(result.target))}",
                           showarrow=False, xanchor="left", yanchor="bottom",
                           font={"size": 10, "color": fmt.TARGET_COLOUR})
    fig.update_xaxes(tickformat="%b %y", dtick="M3", showgrid=False, ticks="")
    fig.update_yaxes(ticksuffix="%" if m.unit == "%" else "", nticks=4, zeroline=False)
    return _base(fig, TREND_HEIGHT)


def _hover(m: Metric, v: float | None, band: pd.DataFrame | None, name: str, mo: date) -> str:
    text = fmt.value_text(m, v)
    if band is None or band.empty or v is None:
        return text
    hit = band[(band.metric == name) & (band.month == mo)]
    if not len(hit):
        return text
    row = hit.iloc[0]
    if "lo" in hit and pd.notna(row["lo"]) and pd.notna(row["hi"]):
        lo, hi = fmt.number(m, float(row["lo"])), fmt.number(m, float(row["hi"]))
        return f"{text} (95%: {lo} to {hi})"
    if pd.notna(row["moe"]):
        return text + f" ± {fmt.number(m, float(row['moe']))}"
    return text


def children_bar(children: pd.DataFrame, metric: str, target: float | None,
                 highlight: str | None = None) -> go.Figure:
    """One horizontal bar per child, coloured by status, with 95% error bars; click to drill.

    `highlight` outlines one child (the location being viewed among its siblings).
    """
    m = BY_NAME[metric]
    rows = children[children.metric == metric].dropna(subset=["value"])
    rows = rows.sort_values("value", ascending=True)
    colours = [fmt.STATUS_COLOURS.get(s, fmt.LINE_COLOUR) for s in rows.status]
    labels = [text.hover(_short_name(str(n))) for n in rows.name]
    hover = [
        f"{text.hover(name)}<br>{fmt.short_label(metric)} {fmt.value_text(m, v)}"
        + (f" {stats.margin_text(v, lo, hi, m.decimals)}" if pd.notna(lo) else "")
        + f"<br>{fmt.n_text(m, n)} · {fmt.STATUS_TEXT.get(st, st)}"
        for name, v, lo, hi, n, st in zip(rows.name, rows.value, rows.lo, rows.hi, rows.n,
                                          rows.status, strict=True)
    ]
    outline = [3 if k == highlight else 0 for k in rows.key]
    fig = go.Figure(go.Bar(
        x=rows.value, y=labels, orientation="h",
        marker={"color": colours, "line": {"width": outline, "color": fmt.LINE_COLOUR}},
        # The metric's one interval, lopsided where it is (never a separate Wald margin).
        error_x={"type": "data", "array": (rows.hi - rows.value).fillna(0),
                 "arrayminus": (rows.value - rows.lo).fillna(0), "symmetric": False,
                 "thickness": 1, "width": 2, "color": fmt.TARGET_COLOUR},
        customdata=list(rows.key), hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    if target is not None:
        fig.add_vline(x=float(target), line={"dash": "dash", "color": fmt.TARGET_COLOUR,
                                             "width": 1})
    fig.update_yaxes(automargin=True, tickfont={"size": 10})
    fig.update_xaxes(zeroline=True, nticks=5, title=None)
    fig.update_layout(dragmode=False, clickmode="event+select", bargap=0.25)
    return _base(fig, max(200, 18 * len(rows) + 40))


def _short_name(name: str, limit: int = 24) -> str:
    """Axis labels stay one short line; the hover shows the full name."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def location_map(points: pd.DataFrame, target: float | None,
                 highlight: str | None = None) -> go.Figure:
    """Locations on a US map coloured by NPS; low-confidence points faded, with n in the hover.

    The colour scale is centred on the NPS target and symmetric, so the same colour means the same
    distance from target in every view; tiny samples (NPS of -100 from one answer) do not stretch
    it. `highlight` rings one location.
    """
    m = BY_NAME["nps"]
    pts = points.dropna(subset=["latitude", "longitude"])
    mid = float(target) if target is not None else float(pts.value.median())
    span = _colour_span(pts, mid)
    opacity = [0.35 if bool(lc) else 0.9 for lc in pts.low_confidence]
    hover = [
        f"{text.hover(name)} ({text.hover(region)})<br>NPS {fmt.value_text(m, v)}"
        + (f" {stats.margin_text(v, lo, hi, m.decimals)}" if pd.notna(lo) else "")
        + f"<br>{fmt.n_text(m, n)}" + (" · low confidence" if bool(lc) else "")
        for name, region, v, lo, hi, n, lc in zip(pts.location_name, pts.region_name, pts.value,
                                                  pts.lo, pts.hi, pts.n, pts.low_confidence,
                                                  strict=True)
    ]
    fig = go.Figure(go.Scattergeo(
        lat=pts.latitude, lon=pts.longitude, mode="markers",
        marker={"color": pts.value, "colorscale": "RdYlBu", "cmin": mid - span,
                "cmax": mid + span, "size": 8, "opacity": opacity,
                "line": {"width": 0.5, "color": "rgba(60,60,60,0.6)"},
                "colorbar": {"title": {"text": "NPS", "side": "top"}, "thickness": 10,
                             "len": 0.8, "x": 1.0}},
        customdata=list(zip(pts.location_id, pts.region_id, strict=True)),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    here = pts[pts.location_id == highlight] if highlight is not None else pts.iloc[0:0]
    if len(here):
        fig.add_trace(go.Scattergeo(
            lat=here.latitude, lon=here.longitude, mode="markers", hoverinfo="skip",
            marker={"size": 18, "color": "rgba(0,0,0,0)",
                    "line": {"width": 2.5, "color": fmt.LINE_COLOUR}},
        ))
    fig.update_geos(
        scope="usa", projection_type="albers usa", showland=True,
        landcolor="rgba(128,128,128,0.20)", showsubunits=True,
        subunitcolor="rgba(128,128,128,0.55)", showcountries=False, showlakes=False,
        bgcolor="rgba(0,0,0,0)", showcoastlines=False, showframe=False,
    )
    return _base(fig, MAP_HEIGHT)


def _colour_span(pts: pd.DataFrame, mid: float) -> float:
    """Half-width of the colour scale: 90% of the solid points fit, between 15 and 60 points."""
    solid = pts.loc[~pts.low_confidence.astype(bool), "value"]
    dev = (solid if len(solid) else pts.value).sub(mid).abs()
    return float(min(60.0, max(15.0, dev.quantile(0.9) if len(dev) else 15.0)))
