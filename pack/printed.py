"""The board pack as the page, printed: one HTML document built from the page's own markup and
style sheet (`presentation/`), printed to PDF by headless Chromium (as Superset and Grafana print
their reports). No second drawing of a tile, a table or the verdict: the pack cannot drift from
the page.

Content, in the meeting's order: the verdict once, the tiles, the worst-first table with only the
children that are off target or moved, the analyses that apply to this view with their caveats,
and the actions. A contents list with page numbers (a first print finds where each section
starts); a running header and page numbers from Chromium's header and footer templates. Every
warehouse or typed string goes through `html.escape` (or the presentation helpers that do).
"""

from __future__ import annotations

import html
import io
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from pack.errors import PackError, warehouse_errors
from presentation import fmt, heat, style, tiles, verdict_html
from presentation import verdict as vd
from queries.access import EVERYTHING, AccessDenied, Allowed
from queries.ranking import worst_first
from queries.scorecard import Scorecard
from queries.windows import Window
from store.actions import Action

CHROMIUM = "/usr/bin/chromium"
# A4 landscape is about 1,050 CSS px wide inside its margins: printed at this scale the page
# lays out as on a 1,440 px laptop screen (six columns of tiles), then shrinks onto the paper.
SCALE = 0.72
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
# The analyses a pack reports, in the page's order, with the words of their section title.
ANALYSES: tuple[tuple[str, str], ...] = (
    ("leadership_owner", "Executive owner"), ("leadership_listening", "Listening hours"),
    ("payout_alignment", "Payout alignment"), ("pay_vs_improvement", "Pay vs improvement"),
    ("gaming", "Gaming patterns"), ("fair_rank", "Fair rank"), ("funnel", "Funnel plot"),
    ("most_improved", "Most improved"), ("satisfaction_loyalty", "Satisfaction and loyalty"),
)


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


@dataclass
class Timing:
    """Seconds per step of the last print (the benchmark prints them)."""

    steps: dict[str, float] = field(default_factory=dict)


def changed_or_off(card: Scorecard, ranked: pd.DataFrame) -> pd.DataFrame:
    """The worst-first children that are off target on a headline or moved beyond the noise:
    a board pack lists where to look, not every dealer."""
    moved = {str(m["key"]) for m in card.movers}
    keep = [(int(o) > 0) or (str(k) in moved) for o, k in zip(ranked["off"], ranked["key"],
                                                               strict=True)]
    return ranked[keep]


def _section(anchor: str, title: str, body: str, new_page: bool = False) -> str:
    cls = "px-section px-break" if new_page else "px-section"
    return (f'<section class="{cls}" id="{anchor}"><h2 class="px-h2" data-anchor="{anchor}">'
            f'{html.escape(title)}</h2>{body}</section>')


def _facts(p: Printed) -> str:
    card = p.card
    bits = [f"{fmt.compact(card.responses)} survey responses"]
    if p.latest is not None:
        bits.append(f"data to {p.latest:%d %b %Y}")
    bits += [f"targets {p.targets_version}", f"printed {p.generated:%d %b %Y %H:%M} UTC"]
    return f'<p class="px-facts">{html.escape(" · ".join(bits))}</p>'


def _table(p: Printed) -> tuple[str, str] | None:
    """(title, markup) of the worst-first table of children off target or moved, or None."""
    card = p.card
    if card.scope.child_level is None:
        return None
    ranked = worst_first(card.children) if p.ranked is None else p.ranked
    level, title = heat.heading(card)
    if ranked.empty:
        return title, f'<p class="px-note">No {html.escape(level.lower())} reported.</p>'
    shown = changed_or_off(card, ranked)
    left = len(ranked) - len(shown)
    note = (f"Only the {level.lower()} off target on a headline metric or that moved beyond the "
            f"noise since last month: {len(shown)} of {len(ranked)}"
            + (f"; the other {left} are on or near target and steady." if left else ".")
            + heat.behind_note(card))
    if shown.empty:
        return title, f'<p class="px-note">{html.escape(note)}</p>'
    values, status, keys = heat.frame(card.children, shown)
    body = heat.table_html(values, status, keys, [""] * len(keys), level[:-1])
    return title, body + f'<p class="px-note">{html.escape(note)}</p>'


def _analyses(p: Printed) -> str:
    """Each analysis that applies to this view, in its own sentence (which carries its caveat:
    'no clear effect yet', 'small sample: may fall back'); those that do not apply are named in
    one line with their reason."""
    rows, skipped = [], []
    for name, label in ANALYSES:
        r = p.analyses.get(name)
        if r is None:
            continue
        reason = getattr(r, "reason", None)
        sentence = getattr(r, "sentence", None)
        if reason is not None and sentence is None:
            skipped.append(f"{label}: {reason}")
            continue
        if not sentence:
            continue
        rows.append(f'<li><b>{html.escape(label)}.</b> {html.escape(str(sentence))}</li>')
    if not rows and not skipped:
        return '<p class="px-note">The analyses were not run for this pack.</p>'
    out = f'<ul class="px-list">{"".join(rows)}</ul>' if rows else ""
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
        f'<tr><td>{e(a.status)}</td><td>{e(fmt.short_label(a.metric))}</td>'
        f'<td>{e(p.names.get(a.location_id or a.region_id or "", "Company"))}</td>'
        f'<td>{e(a.owner)}</td><td>{e(fmt.month_label(a.due_month))}</td><td>{e(a.text)}</td>'
        "</tr>" for a in p.actions)
    return ('<table class="px-actions"><thead><tr><th>Status</th><th>Metric</th><th>Where</th>'
            f'<th>Owner</th><th>Due</th><th>Action</th></tr></thead><tbody>{rows}</tbody>'
            '</table>')


def _contents(titles: Sequence[tuple[str, str]], pages: Mapping[str, int] | None) -> str:
    """The contents: every section with its page (a div, not a heading: no bookmark of its own,
    so the outline's titles are the sections' headings)."""
    items = "".join(
        f'<li><span>{html.escape(t)}</span><span class="px-dots"></span>'
        f'<span class="px-page">{pages.get(a, "") if pages else "&nbsp;"}</span></li>'
        for a, t in titles)
    return (f'<nav class="px-contents"><div class="px-h2">Contents</div><ol>{items}</ol>'
            "</nav>")


def sections(p: Printed) -> list[tuple[str, str, str, bool]]:
    """(anchor, title, body, starts a page) of every section, in order."""
    card = p.card
    counts = Counter(a.metric for a in p.verdict.actions)
    out = [("verdict", "Verdict", verdict_html.strip_html(p.verdict, card, p.names), False),
           ("tiles", "The scorecard", tiles.grid_html(card, dict(counts)), False)]
    table = _table(p)
    if table is not None:
        out.append(("where", table[0], table[1], True))
    out.append(("analyses", "Do the causes move the outcomes?", _analyses(p), table is None))
    out.append(("actions", "Actions", _actions(p), False))
    return out


def document(p: Printed, pages: Mapping[str, int] | None = None) -> str:
    """The whole pack as one HTML document (the page's markup and style sheet)."""
    card = p.card
    parts = sections(p)
    title = f"CX Scorecard · {card.scope_name} · {card.month:%B %Y}"
    body = "".join(_section(a, t, b, brk) for a, t, b, brk in parts)
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{style.SHEET}\n{style.PRINT}</style>"
            f'</head><body class="px"><header class="px-head"><h1>{html.escape(title)}</h1>'
            f"{_facts(p)}</header>{_contents([(a, t) for a, t, _b, _k in parts], pages)}"
            f"{body}</body></html>")


HEADER = ('<div style="font-size:8px;width:100%;padding:0 12mm;color:#666;'
          'font-family:sans-serif">{title}</div>')
FOOTER = ('<div style="font-size:8px;width:100%;padding:0 12mm;text-align:right;color:#666;'
          'font-family:sans-serif">page <span class="pageNumber"></span> of '
          '<span class="totalPages"></span></div>')


def _section_pages(pdf: bytes, titles: Sequence[tuple[str, str]]) -> dict[str, int]:
    """The page each section's heading is on, read from a first print's outline (Chromium
    makes one bookmark per heading, with its page)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    marks: list[tuple[str, int]] = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                marks.append((" ".join(str(item.title).split()),
                              reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    found: dict[str, int] = {}
    for anchor, title in titles:
        want = " ".join(title.split())
        hit = [page for text, page in marks if text == want]
        if hit:
            found[anchor] = hit[-1]  # the section's heading, not the contents' line
    return found


def print_pdf(p: Printed | Future, timing: Timing | None = None) -> bytes:
    """Print the pack with headless Chromium: a first print finds the page of each section, the
    second fills the contents with them (the same layout: the numbers take no more room).
    `p` may be a Future: Chromium starts at once and prints when the pack's content arrives
    (its start then overlaps the warehouse work)."""
    from playwright.sync_api import sync_playwright

    t = timing or Timing()
    t0 = time.perf_counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        t.steps["start Chromium"] = time.perf_counter() - t0
        try:
            page = browser.new_page()
            if isinstance(p, Future):
                p = p.result()
            titles = [(a, ttl) for a, ttl, _b, _k in sections(p)]
            head = HEADER.format(title=html.escape(
                f"CX Scorecard · {p.card.scope_name} · {p.card.month:%B %Y} · targets "
                f"{p.targets_version}"))
            page.route("**/*", lambda route: route.abort()
                       if not route.request.url.startswith(("data:", "about:")) else
                       route.continue_())  # the pack needs nothing from the network
            options = {"format": "A4", "landscape": True, "print_background": True,
                       "scale": SCALE,
                       "display_header_footer": True, "header_template": head,
                       "footer_template": FOOTER, "prefer_css_page_size": True,
                       "margin": {"top": "14mm", "bottom": "12mm", "left": "10mm",
                                  "right": "10mm"}}
            t1 = time.perf_counter()
            page.set_content(document(p), wait_until="load")
            first = page.pdf(**options, outline=True, tagged=True)  # the outline needs tags
            t.steps["first print"] = time.perf_counter() - t1
            t2 = time.perf_counter()
            page.set_content(document(p, _section_pages(first, titles)), wait_until="load")
            final = page.pdf(**options, outline=True, tagged=True)
            t.steps["contents and final print"] = time.perf_counter() - t2
        finally:
            browser.close()
    return final


def build(engine, dims, scope, month: date, targets, actions: Sequence[Action] = (),
          actions_note: str | None = None, latest: date | None = None,
          timing: Timing | None = None, analyses: bool = True,
          allowed: Allowed = EVERYTHING, window: Window | None = None) -> bytes:
    """The printed pack of one scope and month, from the warehouse: the same scorecard, ranking,
    verdict and analyses the page shows for that view. Chromium starts while they are computed.
    `allowed`: the viewer's rights, by the page's rules (queries/access.py): a scope outside them
    is refused (PackError); a location user's pack has no region figures or findings. `window`:
    the months pooled, as the page's window choice (None: each level's default)."""
    try:
        allowed.check(scope)
    except AccessDenied as exc:
        raise PackError(str(exc)) from exc
    t = timing or Timing()
    content: Future = Future()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-print") as pool:
        job = pool.submit(print_pdf, content, t)
        try:
            with warehouse_errors(engine):  # a warehouse down while read: one line, no traceback
                content.set_result(_content(engine, dims, scope, month, targets, actions,
                                            actions_note, latest, t, analyses, allowed, window))
        except BaseException as exc:
            content.set_exception(exc)
            raise
        return job.result()


def prepare(engine, dims, scope, month: date, targets, actions: Sequence[Action] = (),
            actions_note: str | None = None, latest: date | None = None,
            allowed: Allowed = EVERYTHING, window: Window | None = None,
            timing: Timing | None = None) -> Printed:
    """What `build` prints, without printing it: the e-mail digest says the same verdict in its
    body and attaches `print_pdf` of it (delivery/). Same rights rule as `build`."""
    try:
        allowed.check(scope)
    except AccessDenied as exc:
        raise PackError(str(exc)) from exc
    return _content(engine, dims, scope, month, targets, actions, actions_note, latest,
                    timing or Timing(), True, allowed, window)


def _content(engine, dims, scope, month: date, targets, actions: Sequence[Action],
             actions_note: str | None, latest: date | None, t: Timing,
             analyses: bool, allowed: Allowed = EVERYTHING,
             window: Window | None = None) -> Printed:
    from datetime import UTC

    from queries import insights, scorecard
    from queries.sql import aggregate

    t0 = time.perf_counter()
    latest = latest or aggregate.freshness(engine)[1]
    where = allowed.findings_scope(scope)

    def run_analyses() -> Mapping[str, Any]:
        t1 = time.perf_counter()
        out = (insights.analyses(engine, dims, where, month, targets)
               if analyses and where is not None else {})
        t.steps["analyses (beside the scorecard)"] = time.perf_counter() - t1
        return out

    # the analyses run beside the scorecard: the warehouse's work releases the GIL
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-analyses") as pool:
        job = pool.submit(run_analyses)
        card = scorecard.build(engine, dims, scope, month, targets, latest, with_map=False,
                               window=window)
        above = allowed.parent_view(scope)  # the page's rule: no region figures it may not see
        parent = (scorecard.build(engine, dims, above, month, targets, latest, with_map=False,
                                  window=window) if above is not None else None)
        ranked = worst_first(card.children) if card.scope.child_level is not None else None
        t.steps["scorecard"] = time.perf_counter() - t0
        results = job.result()
    t.steps["scorecard and analyses"] = time.perf_counter() - t0
    found = vd.findings(results)
    if scope.level == "location":
        found = [f"In {dims.region_name(scope.region)}: {f[0].lower()}{f[1:]}" for f in found]
    verdict = vd.build(card, parent, actions, found)  # names on its own 12-month ranking
    names = {str(k): str(v) for k, v in zip(dims.regions.region_id, dims.regions.region_name,
                                             strict=True)}
    names |= {str(k): str(v) for k, v in zip(dims.locations.location_id,
                                              dims.locations.location_name, strict=True)}
    return Printed(card, verdict, names, latest, datetime.now(UTC), targets.version, ranked,
                   list(verdict.actions), actions_note, results)
