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
DIALOG_HEIGHT = 320
MAP_HEIGHT = 360
FONT = {"size": 11}


def _base(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 4, "r": 4, "t": 6, "b": 4}, showlegend=False,
        font=FONT, hoverlabel={"font_size": 11}, paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def trend(result: MetricResult, band: pd.DataFrame | None = None,
          height: int = TREND_HEIGHT) -> go.Figure:
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
        # At the right end, above the line: never on top of a y-axis tick label.
        fig.add_annotation(x=1, xref="paper", y=float(result.target), yref="y",
                           text=f"target {fmt.value_text(m, float(result.target))}",
                           showarrow=False, xanchor="right", yanchor="bottom",
                           font={"size": 10, "color": fmt.TARGET_COLOUR})
    fig.update_xaxes(tickformat="%b %y", dtick="M3", showgrid=False, ticks="")
    fig.update_yaxes(ticksuffix="%" if m.unit == "%" else "", nticks=4, zeroline=False)
    return _base(fig, height)


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


def _short_name(name: str, limit: int = 24) -> str:
    """Axis labels stay one short line; the hover shows the full name."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


_GEO = {"scope": "usa", "projection_type": "albers usa", "showland": True,
        "landcolor": "rgba(128,128,128,0.20)", "showsubunits": True,
        "subunitcolor": "rgba(128,128,128,0.55)", "showcountries": False, "showlakes": False,
        "bgcolor": "rgba(0,0,0,0)", "showcoastlines": False, "showframe": False}


def _status_hover(name: str, v: float | None, lo: float | None, hi: float | None,
                  n: float | None, status: str) -> str:
    """Name, NPS with its one 95% interval (±half-width, or both ends where lopsided), n, status."""
    m = BY_NAME["nps"]
    margin = stats.margin_text(v, lo, hi, m.decimals)
    return (f"{text.hover(name)}<br>NPS {fmt.value_text(m, v)}" + (f" {margin}" if margin else "")
            + f"<br>{fmt.n_text(m, n)} · {fmt.STATUS_TEXT.get(status, status)}")


def region_map(regions: pd.DataFrame) -> go.Figure:
    """Company level: one bubble per region at the centre of its locations, coloured by the
    region's NPS status (the status palette), sized by responses; a click opens the region.

    `regions`: key, name, latitude, longitude, nps, nps_low, nps_high, nps_status, responses.
    """
    pts = regions.dropna(subset=["latitude", "longitude"])
    size = pts["responses"].fillna(0).astype(float)
    biggest = float(size.max()) if len(size) and size.max() > 0 else 1.0
    fig = go.Figure(go.Scattergeo(
        lat=pts.latitude, lon=pts.longitude, mode="markers+text",
        text=[text.hover(_short_name(str(n), 16)) for n in pts.name], textposition="top center",
        textfont={"size": 11},
        marker={"color": [fmt.STATUS_COLOURS.get(s, fmt.LINE_COLOUR) for s in pts.nps_status],
                "size": [16 + 26 * (v / biggest) ** 0.5 for v in size], "opacity": 0.9,
                "line": {"width": 1, "color": "rgba(60,60,60,0.6)"}},
        customdata=list(pts.key),
        hovertext=[_status_hover(n, v, lo, hi, r, s) for n, v, lo, hi, r, s in zip(
            pts.name, pts.nps, pts.nps_low, pts.nps_high, pts.responses, pts.nps_status,
            strict=True)],
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    fig.update_geos(**_GEO)
    fig.update_layout(dragmode=False, clickmode="event+select")
    return _base(fig, MAP_HEIGHT)


def location_map(points: pd.DataFrame, target: float | None = None,
                 highlight: str | None = None) -> go.Figure:
    """A region's locations coloured by NPS status (the status palette), zoomed to them;
    low-confidence points grey and faded. `highlight` rings one location; a click opens one.

    `points`: location_id, location_name, region_id, latitude, longitude, value, lo, hi, n,
    low_confidence and `status` (NPS status against each location's own target).
    """
    pts = points.dropna(subset=["latitude", "longitude"])
    status = pts["status"] if "status" in pts else pd.Series(["no_target"] * len(pts),
                                                             index=pts.index)
    opacity = [0.45 if bool(lc) else 0.95 for lc in pts.low_confidence]
    fig = go.Figure(go.Scattergeo(
        lat=pts.latitude, lon=pts.longitude, mode="markers",
        marker={"color": [fmt.STATUS_COLOURS.get(s, fmt.LINE_COLOUR) for s in status],
                "size": 10, "opacity": opacity,
                "line": {"width": 0.6, "color": "rgba(60,60,60,0.7)"}},
        customdata=list(zip(pts.location_id, pts.region_id, strict=True)),
        hovertext=[_status_hover(n, v, lo, hi, k, s) for n, v, lo, hi, k, s in zip(
            pts.location_name, pts.value, pts.lo, pts.hi, pts.n, status, strict=True)],
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    here = pts[pts.location_id == highlight] if highlight is not None else pts.iloc[0:0]
    if len(here):
        fig.add_trace(go.Scattergeo(
            lat=here.latitude, lon=here.longitude, mode="markers", hoverinfo="skip",
            marker={"size": 20, "color": "rgba(0,0,0,0)",
                    "line": {"width": 2.5, "color": fmt.LINE_COLOUR}},
        ))
    fig.update_geos(**_GEO)
    if len(pts):
        fig.update_geos(fitbounds="locations")  # the scope fills the map
    fig.update_layout(dragmode=False, clickmode="event+select")
    return _base(fig, MAP_HEIGHT)
