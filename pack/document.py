"""The printed pack's HTML: the page's own markup and style sheet (`presentation/`), laid out for
A4 landscape. No second drawing of a tile, a table, a chart or the verdict: the pack cannot drift
from the page. Every warehouse or typed string goes through `html.escape` (or the presentation
helpers that do); a chart's data through `pack.charts` (JSON, escaped).

Sections: the verdict once, the tiles, each tile's 13 months, the worst-first table with only the
children off target or moved (a location: its siblings in its region, itself marked), the
actions, then the evidence: the analyses that apply with their caveats and charts, and the
optional sections (`pack/optional.py`: themes when present). The actions come before the long,
flowing analyses, so a short list never ends the pack on a page of its own.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from pack import optional
from pack.charts import Charts
from presentation import analyses as an
from presentation import fmt, heat, style, tiles, verdict_html
from presentation import verdict as vd
from presentation.figures import trend
from queries.ranking import worst_first
from queries.registry import PANELS
from queries.scorecard import Scorecard
from store.actions import Action

TREND_PX = 150  # a tile's 13 months, in the tiles' six-column grid
ANALYSIS_PX = 170  # an analysis's chart, beside its sentence, two analyses a row
FAIR_RANK_ROWS = 12  # a fair-rank chart of more rows than this is left to the page


@dataclass(frozen=True)
class Printed:
    """What a printed pack says, besides the card: the same inputs as the page's view."""

    card: Scorecard
    verdict: vd.Verdict
    names: Mapping[str, str]
    latest: date | None
    generated: datetime
    targets_version: str
    ranked: pd.DataFrame | None = None
    actions: Sequence[Action] = ()
    actions_note: str | None = None
    analyses: Mapping[str, Any] = field(default_factory=dict)
    parent: Scorecard | None = None  # a location's region, when the viewer may see it
    extras: Mapping[str, Any] = field(default_factory=dict)  # optional sections' data by anchor
    made: Mapping[str, str] = field(default_factory=dict)  # figures' JSON made ahead, by key
    sections_on: tuple[optional.Optional, ...] | None = None  # None: optional.SECTIONS


Section = tuple[str, str, str]  # (anchor, title, body)


def changed_or_off(card: Scorecard, ranked: pd.DataFrame, keep: str | None = None
                   ) -> pd.DataFrame:
    """The worst-first children that are off target on a headline or moved beyond the noise
    (and `keep`, the location the pack is about): a board pack lists where to look, not every
    dealer."""
    moved = {str(m["key"]) for m in card.movers}
    rows = [(int(o) > 0) or (str(k) in moved) or (str(k) == keep)
            for o, k in zip(ranked["off"], ranked["key"], strict=True)]
    return ranked[rows]


def _facts(p: Printed) -> str:
    card = p.card
    bits = [f"{fmt.compact(card.responses)} survey responses"]
    if p.latest is not None:
        bits.append(f"data to {p.latest:%d %b %Y}")
    bits += [f"targets {p.targets_version}", f"printed {p.generated:%d %b %Y %H:%M} UTC"]
    return f'<p class="px-facts">{html.escape(" · ".join(bits))}</p>'


def _table(p: Printed) -> tuple[str, str] | None:
    """(title, markup) of the worst-first table of children off target or moved (a location:
    its siblings, itself marked), or None when the page shows no such table."""
    card = p.card
    base, current = (card, None) if card.scope.level != "location" else (p.parent,
                                                                         card.scope.location)
    if base is None or base.scope.child_level is None:
        return None
    ranked = (p.ranked if p.ranked is not None and current is None
              else worst_first(base.children))
    level, title = heat.heading(base)
    if ranked.empty:
        return title, f'<p class="px-note">No {html.escape(level.lower())} reported.</p>'
    shown = changed_or_off(base, ranked, current)
    left = len(ranked) - len(shown)
    also = " (and this one)" if current is not None else ""
    note = (f"Only the {level.lower()} off target on a headline metric or that moved beyond the "
            f"noise since last month{also}: {len(shown)} of {len(ranked)}"
            + (f"; the other {left} are on or near target and steady." if left else ".")
            + heat.behind_note(base))
    if shown.empty:
        return title, f'<p class="px-note">{html.escape(note)}</p>'
    values, status, keys = heat.frame(base.children, shown)
    at = keys.index(current) if current in keys else None
    body = heat.table_html(values, status, keys, [""] * len(keys), level[:-1], at)
    return title, body + f'<p class="px-note">{html.escape(note)}</p>'


def trend_figures(card: Scorecard) -> dict[str, tuple[Callable[[], Any], int]]:
    """Each tile's 13-month figure, to make (by key): the pack makes them while the analyses
    run (pack/printed.py), the document when it was not."""
    out = {}
    for panel in PANELS:
        for m in tiles.grid_metrics(panel):
            r = card.metrics.get(m.name)
            if r is not None and r.trend:
                band = card.bands if m.sampled else None
                out[f"trend:{m.name}"] = (lambda r=r, band=band: trend(r, band, height=TREND_PX),
                                          TREND_PX)
    return out


def _trends(card: Scorecard, charts: Charts) -> str:
    """Each tile's 13 months, laid out as the tiles are (the same areas and grid): the chart the
    page opens from a tile (target dashed, the 95% band where the metric is sampled)."""
    areas, figs = [], trend_figures(card)
    for panel, name in PANELS.items():
        cells = []
        for m in tiles.grid_metrics(panel):
            r = card.metrics.get(m.name)
            if r is None or not r.trend:
                continue
            fn, height = figs[f"trend:{m.name}"]
            cells.append(f'<div class="px-trend"><div class="px-trend-t">'
                         f'{html.escape(fmt.short_label(m.name))}</div>'
                         f"{charts.div(fn, height, m.label, key=f'trend:{m.name}')}</div>")
        if cells:
            width = -(-len(cells) // tiles.ROWS)
            areas.append(f'<section class="cx-area cx-w{width}"><h5>{html.escape(name)}</h5>'
                         f'{"".join(cells)}</section>')
    if not areas:
        return '<p class="px-note">No monthly history for this view.</p>'
    return (f'<div class="cx-grid px-trends">{"".join(areas)}</div><p class="px-note">Dashed: '
            "the target; shaded: the 95% interval of a sampled metric; one point a month.</p>")


def _analyses(p: Printed, charts: Charts) -> str:
    """Each analysis that applies to this view under its panel's question: its own sentence
    (which carries its caveat: 'no clear effect yet', 'small sample: may fall back') and the
    page's chart with its key; those that do not apply are named in one line with their
    reason."""
    cards, skipped = [], []
    for panel, names in an.ORDER.items():
        for name in names:
            r = p.analyses.get(name)
            label = an.LABELS[name]
            if r is None or isinstance(r, BaseException):
                continue
            reason = getattr(r, "reason", None)
            sentence = getattr(r, "sentence", None)
            if reason is not None and sentence is None:
                skipped.append(f"{label}: {reason}")
                continue
            if not sentence:
                continue
            drawn = ""
            try:
                got = an.chart(name, r)
            except Exception:  # noqa: BLE001 - the sentence stands without its chart
                got = None
            rows = len(getattr(r, "rows", ()) or ())
            if name == "fair_rank" and rows > FAIR_RANK_ROWS:  # unreadable at a third's width
                got, drawn = None, (f'<p class="px-key">The chart of all {rows} is on the page '
                                    "(Are the differences more than noise?).</p>")
            if got is not None:
                fig, key = got
                drawn = charts.div(fig, ANALYSIS_PX, label) + (
                    f'<p class="px-key">{html.escape(key)}</p>' if key else "")
            cards.append(f'<div class="px-an"><div><div class="px-an-q">'
                         f"{html.escape(an.TITLES[panel])}</div><p><b>{html.escape(label)}.</b> "
                         f"{html.escape(str(sentence))}</p></div>"
                         + (f"<div>{drawn}</div>" if drawn else "") + "</div>")
    if not cards and not skipped:
        if p.card.scope.level == "location" and p.parent is None:
            return ('<p class="px-note">The analyses compare locations across a region; this '
                    "pack's reader sees only their own locations.</p>")
        return '<p class="px-note">The analyses were not run for this pack.</p>'
    out = ""
    if p.card.scope.level == "location" and cards:
        out = ('<p class="px-note">Of this location\'s region, '
               f"{html.escape(p.names.get(str(p.card.scope.region), ''))}: one location has "
               "too few answers to test them on its own.</p>")
    out += f'<div class="px-ans">{"".join(cards)}</div>' if cards else ""
    if skipped:
        out += ('<p class="px-note">Not applicable on this view: '
                + html.escape("; ".join(skipped)) + "</p>")
    return out


def _actions(p: Printed) -> str:
    if p.actions_note:
        return f'<p class="px-note">{html.escape(p.actions_note)}</p>'
    if not p.actions:
        return '<p class="px-note">No open actions for this view.</p>'
    e = html.escape
    rows = "".join(
        f'<tr class="px-{e(a.status)}"><td>{e(a.status.capitalize())}</td>'
        f'<td>{e(fmt.short_label(a.metric))}</td>'
        f'<td>{e(p.names.get(a.location_id or a.region_id or "", "Company"))}</td>'
        f'<td>{e(a.owner)}</td><td>{e(fmt.month_label(a.due_month))}</td><td>{e(a.text)}</td>'
        "</tr>" for a in p.actions)
    return ('<table class="px-actions"><thead><tr><th>Status</th><th>Metric</th><th>Where</th>'
            f'<th>Owner</th><th>Due</th><th>Action</th></tr></thead><tbody>{rows}</tbody>'
            '</table>')


def _optional(p: Printed) -> list[Section]:
    """The optional sections that have something to say (pack/optional.py)."""
    out = []
    for s in optional.SECTIONS if p.sections_on is None else p.sections_on:
        data = p.extras.get(s.anchor)
        if data is None:
            continue
        try:
            body = (f'<p class="px-note">{html.escape(s.title)} could not be read.</p>'
                    if isinstance(data, BaseException) else s.render(data))
        except Exception:  # noqa: BLE001 - one section's failure never stops the pack
            body = f'<p class="px-note">{html.escape(s.title)} could not be shown.</p>'
        out.append((s.anchor, s.title, body))
    return out


def sections(p: Printed, charts: Charts | None = None) -> list[Section]:
    """(anchor, title, body) of every section, in order."""
    charts = Charts() if charts is None else charts
    card = p.card
    counts = Counter(a.metric for a in p.verdict.actions)
    out = [("verdict", "Verdict", verdict_html.strip_html(p.verdict, card, p.names)),
           ("tiles", "The scorecard", tiles.grid_html(card, dict(counts))),
           ("trends", "13 months, tile by tile", _trends(card, charts))]
    table = _table(p)
    if table is not None:
        out.append(("where", table[0], table[1]))
    out.append(("actions", "Actions", _actions(p)))  # short: never a page of its own at the end
    out.append(("analyses", "Do the causes move the outcomes?", _analyses(p, charts)))
    return out + _optional(p)


def _contents(titles: Sequence[tuple[str, str]]) -> str:
    """The contents: every section with its page, filled in after a first print (a div, not a
    heading: no bookmark of its own, so the outline's titles are the sections' headings)."""
    items = "".join(
        f'<li><span>{html.escape(t)}</span><span class="px-dots"></span>'
        f'<span class="px-page" data-page-of="{html.escape(a)}">&nbsp;</span></li>'
        for a, t in titles)
    return (f'<nav class="px-contents"><div class="px-h2">Contents</div><ol>{items}</ol>'
            "</nav>")


def title(card: Scorecard) -> str:
    return f"CX Scorecard · {card.scope_name} · {card.month:%B %Y}"


def parts(p: Printed) -> tuple[str, str, Charts]:
    """The document's head and body markup, and its charts (drawn into the body's
    placeholders)."""
    charts = Charts(made=dict(p.made))
    shown = sections(p, charts)
    body = "".join(
        f'<section class="px-section" id="{a}"><h2 class="px-h2" data-anchor="{a}">'
        f"{html.escape(t)}</h2>{b}</section>" for a, t, b in shown)
    name = html.escape(title(p.card))
    head = f'<meta charset="utf-8"><title>{name}</title><style>{style.SHEET}\n{style.PRINT}</style>'
    return (head, f'<header class="px-head"><h1>{name}</h1>{_facts(p)}</header>'
            f"{_contents([(a, t) for a, t, _b in shown])}{body}", charts)


def document(p: Printed) -> str:
    """The whole pack as one standalone HTML document (the page's markup and style sheet, its
    charts drawn by the inline plotly.js)."""
    head, body, charts = parts(p)
    return (f'<!doctype html><html lang="en"><head>{head}</head><body class="px">{body}'
            f"{charts.script()}</body></html>")
