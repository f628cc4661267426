"""Plotly figures for the page and the board pack: pure functions of query-layer results.

No Streamlit here, so the pack renders exactly the figures the page shows. One module per kind
of figure (`trend`, `maps`, and the drill-down analyses: `ranking`, `leadership`, `incentives`,
`loyalty`, `culture`), one shared look (`style`); the names below are what the page and the pack
call.
"""

from presentation.figures.culture import culture_chart
from presentation.figures.incentives import pay_scatter, payout_alignment_chart
from presentation.figures.leadership import effect_text, event_study_chart
from presentation.figures.loyalty import loyalty_chart
from presentation.figures.maps import MAP_HEIGHT, location_map, region_map
from presentation.figures.ranking import fair_rank_chart, funnel_plot
from presentation.figures.style import BAD, FONT, GOOD, HEIGHT, MUTED, WATCH, layout
from presentation.figures.trend import DIALOG_HEIGHT, TREND_HEIGHT, trend

__all__ = [
    "BAD", "DIALOG_HEIGHT", "FONT", "GOOD", "HEIGHT", "MAP_HEIGHT", "MUTED", "TREND_HEIGHT",
    "WATCH", "culture_chart", "effect_text", "event_study_chart", "fair_rank_chart",
    "funnel_plot", "layout", "location_map", "loyalty_chart", "pay_scatter",
    "payout_alignment_chart", "region_map", "trend",
]
