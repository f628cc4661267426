"""A metric's 13 months: the tile's chart on the page (dialog) and the board pack's trend page."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from presentation import fmt
from presentation.figures.style import layout
from queries.registry import BY_NAME, Metric
from queries.scorecard import MetricResult

TREND_HEIGHT = 170
DIALOG_HEIGHT = 320


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
    return layout(fig, height)


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
