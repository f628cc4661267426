"""Honest numbers and the iron triangle: the analyses behind the scorecard's story (issue 7).

Leadership, incentives and culture are the levers the page shows beside the outcomes; these
analyses measure, with the warehouse's own data, how the levers go with the outcomes (associations,
and a difference-in-differences around the owner event with its parallel-trends check) and
whether the league table's ranks are more than noise. Every analysis runs on SQL aggregates
(one shared fetch of location x month components plus one grouped count of 10s) and returns a
frozen result with a plain `sentence` and `as_dict()` for JSON. Methods: docs/insights.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from queries.insights.alignment import PayoutAlignment, alignment_from, payout_alignment
from queries.insights.changes import (
    Changes,
    MostImproved,
    most_improved,
    most_improved_from,
    nps_changes,
)
from queries.insights.children import needs_children
from queries.insights.culture import CultureLink, culture_from, culture_link
from queries.insights.funnel_plot import Funnel, funnel, funnel_from
from queries.insights.gaming_flags import Gaming, gaming, gaming_from
from queries.insights.history import History, NotAvailable, load_history, restrict
from queries.insights.leadership import LeadershipEffect, effect_from, leadership_effect
from queries.insights.loyalty import SatisfactionLoyalty, loyalty_from, satisfaction_loyalty
from queries.insights.pay import PayVsImprovement, pay_from, pay_vs_improvement
from queries.insights.rank import FairRank, fair_rank, fair_rank_from
from queries.scope import Dims, Scope
from queries.targets import Targets

__all__ = [
    "ANALYSES", "Changes", "CultureLink", "FairRank", "Funnel", "Gaming", "History",
    "LeadershipEffect", "MostImproved", "NotAvailable", "PayVsImprovement", "PayoutAlignment",
    "SatisfactionLoyalty", "analyses", "analyses_from", "as_json", "culture_link", "fair_rank",
    "funnel", "gaming", "leadership_effect", "load_history", "most_improved", "nps_changes",
    "pay_vs_improvement", "payout_alignment", "restrict", "satisfaction_loyalty",
]

ANALYSES = ("fair_rank", "funnel", "most_improved", "leadership_owner", "leadership_listening",
            "payout_alignment", "pay_vs_improvement", "gaming", "satisfaction_loyalty",
            "culture_link")


def _children(h: History, dims: Dims) -> dict[str, Any]:
    if h.scope.child_level is None:
        return {k: needs_children(h.scope, k) for k in ("fair_rank", "funnel", "most_improved")}
    return {"fair_rank": fair_rank_from(h, dims), "funnel": funnel_from(h, dims),
            "most_improved": most_improved_from(h, dims)}


def _network(h: History, dims: Dims, targets: Targets) -> dict[str, Any]:
    """Analyses that compare locations with one another: not for a single location."""
    if h.scope.level == "location":
        why = "needs several locations; open the location's region or the company."
        return {k: NotAvailable(k, f"This analysis {why}") for k in (
            "leadership_owner", "leadership_listening", "pay_vs_improvement",
            "satisfaction_loyalty", "culture_link")}
    return {"leadership_owner": effect_from(h, "owner"),
            "leadership_listening": effect_from(h, "listening"),
            "pay_vs_improvement": pay_from(h, dims, targets),
            "satisfaction_loyalty": loyalty_from(h, dims),
            "culture_link": culture_from(h, dims)}


def analyses(engine: Engine, dims: Dims, scope: Scope, month: date,
             targets: Targets) -> dict[str, Any]:
    """Every insight for one scope and month, from one shared history fetch.

    Values are result objects (each with `sentence` and `as_dict()`), or `NotAvailable` with the
    reason when an analysis does not apply to the scope (e.g. fair rank of a single location).
    """
    return analyses_from(load_history(engine, dims, scope, month), dims, targets)


def analyses_from(h: History, dims: Dims, targets: Targets) -> dict[str, Any]:
    """Every insight from an already loaded history (e.g. narrowed with `restrict`)."""
    out = {**_children(h, dims), **_network(h, dims, targets),
           "payout_alignment": alignment_from(h, dims, targets), "gaming": gaming_from(h, dims)}
    return {k: out[k] for k in ANALYSES}


def as_json(results: dict[str, Any]) -> dict[str, Any]:
    """The analyses as plain JSON-ready dicts (for the CLI and the board pack)."""
    return {k: v.as_dict() for k, v in results.items()}
