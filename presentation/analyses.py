"""How the analyses are asked and keyed, the same on the page (dashboard/panels/insights.py) and in
the printed pack (pack/document.py): each panel's question, each analysis's label, their order,
and the words under each chart (its key)."""

from __future__ import annotations

from typing import Any

TITLES: dict[str, str] = {
    "leadership": "Did NPS rise where leaders took ownership?",
    "incentives": "Is CX pay paid for CX?",
    "satisfaction": "Are the differences more than noise?",
    "loyalty": "Do happier customers stay and refer?",
    "culture": "Do engaged employees make happier customers?",
}
LABELS: dict[str, str] = {
    "fair_rank": "Fair rank", "funnel": "Funnel plot", "most_improved": "Most improved",
    "leadership_owner": "Executive owner", "leadership_listening": "Listening hours",
    "payout_alignment": "Payout alignment", "pay_vs_improvement": "Pay vs improvement",
    "gaming": "Gaming patterns", "satisfaction_loyalty": "Satisfaction -> loyalty",
    "culture_link": "Employees -> customers",
}
ORDER: dict[str, tuple[str, ...]] = {  # per panel, in the page's order
    "leadership": ("leadership_owner", "leadership_listening"),
    "incentives": ("payout_alignment", "pay_vs_improvement", "gaming"),
    "satisfaction": ("fair_rank", "funnel", "most_improved"),
    "loyalty": ("satisfaction_loyalty",),
    "culture": ("culture_link",),
}
# The funnel plot's key, every kind of point in it (its legend is off in a narrow column)
FUNNEL_KEY = ("NPS against answers. Dotted: 95% limits, solid: 99.8% limits around the dashed "
              "parent NPS. Grey dots: within the limits (noise); amber dots: outside 95% but "
              "inside 99.8% (worth watching); diamonds: outside 99.8% (green above, red below).")
PAY_KEY = ("One point per location: CX-linked pay per employee a month against its NPS "
           "change (last 6 months vs the 6 before). Red diamonds: paid regardless of "
           "results, not improved; amber squares: paid most for CX, not improved.")
FAIR_RANK_KEY = ("Open circle: raw NPS; dot: fair NPS with its 95% interval (faded: fewer "
                 "than 30 answers); the line between them is the pull of a small sample. "
                 "Dashed: the parent's NPS.")
LOYALTY_KEY = ("Each dot averages a tenth of the location-months (NPS in the month, outcome "
               "over the next three), each location's own averages removed, so only a "
               "location's months moving together count; dashed: the fitted line, the slope "
               "quoted above and in the verdict.")
CULTURE_KEY = ("Each dot averages a tenth of the location-months (eNPS in the month, customer "
               "NPS over the next three), each location's own averages removed, so only a "
               "location's months moving together count; dashed: the fitted line, the slope "
               "quoted above.")


def leadership_key(treatment: str) -> str:
    """The event-study chart's key: who the blue line is."""
    who = "gained an owner" if treatment == "owner" else "raised listening hours"
    return (f"NPS by month since the event. Blue: locations that {who}; dotted grey: the "
            "others in the same calendar months; shaded: after. Before month 0 the lines "
            "should move together; if not, read the effect with care.")


def chart(name: str, result: Any) -> tuple[Any, str] | None:
    """(Plotly figure, its key) of one analysis as the page draws it, or None when the page
    draws no chart for it (a table, or too little to plot)."""
    from presentation import figures as fig

    if name in ("leadership_owner", "leadership_listening"):
        return fig.event_study_chart(result), leadership_key(result.treatment)
    if name == "payout_alignment":
        return fig.payout_alignment_chart(result), ""
    if name == "pay_vs_improvement":
        return fig.pay_scatter(result), PAY_KEY
    if name == "fair_rank" and len(result.rows) > 1:
        return fig.fair_rank_chart(result), FAIR_RANK_KEY
    if name == "funnel" and result.points:
        return fig.funnel_plot(result), FUNNEL_KEY
    if name == "satisfaction_loyalty" and any(link.bins for link in result.links):
        return fig.loyalty_chart(result), LOYALTY_KEY
    if name == "culture_link" and result.bins:
        return fig.culture_chart(result), CULTURE_KEY
    return None
