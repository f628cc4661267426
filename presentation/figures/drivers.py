"""Touchpoints and key drivers (issue 28), said the same on the page and in the pack.

`priority` turns a journey's drivers into rows with the "fix first" rule; `priority_chart` draws
importance against performance. The rule: an item is "fix first" when its importance is above an
equal share of R^2 (it explains more than its fair part of the NPS answer) and its mean answer is
below the network's level for that item (the company's mean in the same window and journey; in
the company view, or for a viewer without company figures, the journey's average touchpoint).
Item names are data: they reach the chart through `text.hover` (inert text).
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from presentation import fmt, text
from presentation.figures.style import BAD, MUTED, layout


@dataclass(frozen=True)
class Priority:
    item: str
    importance: float  # share of R^2 (0-1)
    share: float  # importance / R^2: the part of what the items explain
    mean: float
    level: float | None  # the network's (or the view's) level for this item
    n: int
    fix_first: bool

    @property
    def gap(self) -> float | None:
        return None if self.level is None else self.mean - self.level


def priority(d, network: dict) -> list[Priority]:
    """The drivers of one journey (`queries.insights.drivers.Drivers`), most important first."""
    if not d.shown:
        return []
    fair = d.r2 / len(d.items)
    out = []
    for it in d.items:
        level = network.get((d.journey, it.item))
        fix = it.importance > fair and level is not None and it.mean_score < level
        out.append(Priority(it.item, it.importance, it.importance / d.r2 if d.r2 else 0.0,
                            it.mean_score, level, it.n, fix))
    return out


def label(name: str) -> str:
    """An item's name as words: 'quality_of_work' -> 'Quality of work' (inert text)."""
    return text.plain(str(name).replace("_", " ")).capitalize()


def summary(d, rows: list[Priority], level: str = "the network's level") -> str:
    """One sentence: what the items explain and what to fix first (plain text)."""
    if not d.shown:
        return d.reason or "No key drivers."
    fix = [label(r.item) for r in rows if r.fix_first]
    head = (f"The touchpoints explain {d.r2:.0%} of the variation in the NPS answer "
            f"({d.n:,} responses).")
    if not fix:
        return head + f" None of the important ones scores below {level}."
    return head + f" Fix first: {', '.join(fix)} (important, and below {level})."


def priority_chart(rows: list[Priority], r2: float, height: int = 260,
                   level: str = "the network's level") -> go.Figure:
    """Importance (share of R^2) against the gap to the network's level: top left is
    "fix first" (matters most, scores below the network)."""
    fig = go.Figure()
    if not rows:
        return layout(fig, height)
    fair = r2 / len(rows)
    fig.add_hline(y=fair * 100, line={"color": fmt.LINE_COLOUR, "width": 1, "dash": "dot"})
    fig.add_vline(x=0, line={"color": fmt.LINE_COLOUR, "width": 1, "dash": "dot"})
    gaps = [r.gap if r.gap is not None else 0.0 for r in rows]
    fig.add_trace(go.Scatter(
        x=gaps, y=[r.importance * 100 for r in rows], mode="markers+text",
        # Names on the items that matter (the rest crowd the floor; hover and table name them)
        text=[text.hover(label(r.item)) if r.importance > fair / 2 else "" for r in rows],
        textposition="middle right",
        marker={"size": 11, "color": [BAD if r.fix_first else MUTED for r in rows]},
        customdata=[[text.hover(label(r.item)), r.mean, r.n] for r in rows],
        hovertemplate=("%{customdata[0]}: explains %{y:.1f}% of NPS variance; mean "
                       "%{customdata[1]:.2f} (%{x:+.2f} vs the level), n %{customdata[2]:,}"
                       "<extra></extra>"),
        cliponaxis=False))
    span = max([abs(g) for g in gaps] + [0.5]) * 1.3
    fig.update_xaxes(title_text=f"Mean answer vs {level} (points)", range=[-span, span],
                     zeroline=False)
    fig.update_yaxes(title_text="Importance (% of variance)", rangemode="tozero")
    fig.add_annotation(x=0, y=1, xref="paper", yref="paper", text="Fix first ↖",
                       showarrow=False, xanchor="left", yanchor="bottom",
                       font={"color": BAD, "size": 11})
    return layout(fig, height, top=18)
