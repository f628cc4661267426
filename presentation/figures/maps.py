"""The map: regions (company view) or a region's locations, coloured by NPS status; a click
drills one level. Every name from the warehouse is shown as text (`text.hover`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from presentation import fmt, text
from presentation.figures.style import layout
from queries import stats
from queries.registry import BY_NAME

MAP_HEIGHT = 360


_GEO = {"scope": "usa", "projection_type": "albers usa", "showland": True,
        "landcolor": "rgba(128,128,128,0.20)", "showsubunits": True,
        "subunitcolor": "rgba(128,128,128,0.55)", "showcountries": False, "showlakes": False,
        "bgcolor": "rgba(0,0,0,0)", "showcoastlines": False, "showframe": False}


def _status_hover(name: str, v: float | None, lo: float | None, hi: float | None,
                  n: float | None, status: str, responses: bool = False) -> str:
    """Name, NPS with its one 95% interval (±half-width, or both ends where lopsided), n, status.
    `responses`: `n` counts survey responses (a region's bubble), said in those words, so it is
    never read as the NPS tile's n (the answers to the NPS question)."""
    m = BY_NAME["nps"]
    margin = stats.margin_text(v, lo, hi, m.decimals)
    count = (f"{fmt.compact(n)} survey responses" if responses and n is not None
             else fmt.n_text(m, n))
    return (f"{text.hover(name)}<br>NPS {fmt.value_text(m, v)}" + (f" {margin}" if margin else "")
            + f"<br>{count} · {fmt.STATUS_TEXT.get(status, status)}")


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
        text=[text.hover(str(n), 16) for n in pts.name], textposition="top center",
        textfont={"size": 11},
        marker={"color": [fmt.STATUS_COLOURS.get(s, fmt.LINE_COLOUR) for s in pts.nps_status],
                "size": [16 + 26 * (v / biggest) ** 0.5 for v in size], "opacity": 0.9,
                "line": {"width": 1, "color": "rgba(60,60,60,0.6)"}},
        customdata=list(pts.key),
        hovertext=[_status_hover(n, v, lo, hi, r, s, responses=True)
                   for n, v, lo, hi, r, s in zip(pts.name, pts.nps, pts.nps_low, pts.nps_high,
                                                 pts.responses, pts.nps_status, strict=True)],
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    fig.update_geos(**_GEO)
    fig.update_layout(dragmode=False, clickmode="event+select")
    return layout(fig, MAP_HEIGHT)


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
        fig.update_geos(**zoom(pts.latitude, pts.longitude))  # the region fills the map
    fig.update_layout(dragmode=False, clickmode="event+select")
    return layout(fig, MAP_HEIGHT)


USA_SPAN = (58.0, 25.0)  # degrees of longitude and latitude the USA map shows at scale 1
ZOOM_FILL = 0.8  # the points' box fills this share of the map
ZOOM_MAX = 24.0


def zoom(lat: pd.Series, lon: pd.Series) -> dict:
    """Geo settings that fill the map with these points. The USA's Albers projection ignores
    `fitbounds` (40 dealers of one region fell into a dozen dots on the whole country), so the
    map is centred on the points' box and scaled so the box fills most of it (the base map,
    states and land, stays drawn)."""
    lat_lo, lat_hi = float(lat.min()), float(lat.max())
    lon_lo, lon_hi = float(lon.min()), float(lon.max())
    span_lon, span_lat = max(lon_hi - lon_lo, 0.5), max(lat_hi - lat_lo, 0.5)
    scale = min(USA_SPAN[0] / span_lon, USA_SPAN[1] / span_lat) * ZOOM_FILL
    return {"fitbounds": False, "projection_scale": round(min(max(scale, 1.0), ZOOM_MAX), 2),
            "center": {"lat": (lat_lo + lat_hi) / 2, "lon": (lon_lo + lon_hi) / 2}}
