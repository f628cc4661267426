"""The look every chart shares, on the page and in the board pack: font, margins, status colours.

Colours come from presentation/fmt.py and are mid-tone or translucent, so every chart reads on the
light and on the dark theme; the page sets no background and the pack prints on white.
"""

from __future__ import annotations

import plotly.graph_objects as go

from presentation import fmt

FONT = {"size": 11}
HEIGHT = 230  # a drill-down chart
GOOD, BAD, WATCH = (fmt.STATUS_COLOURS[s] for s in ("green", "red", "amber"))
MUTED = fmt.STATUS_COLOURS["low_confidence"]


def layout(fig: go.Figure, height: int = HEIGHT, legend: bool = False, top: int = 6) -> go.Figure:
    """Size, margins, font and a transparent background; the legend is optional.

    On the page a chart is a fifth of the screen wide, where a legend wraps and scrolls, so the
    panel explains marks in a caption; the board pack, wider, can ask for one.
    """
    fig.update_layout(
        height=height, margin={"l": 4, "r": 4, "t": top + (26 if legend else 0), "b": 4},
        showlegend=legend, font=FONT, hoverlabel={"font_size": 11},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 10},
                "bgcolor": "rgba(0,0,0,0)", "itemwidth": 30},
    )
    return fig
