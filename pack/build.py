"""Assembling the monthly board pack (landscape A4 PDF) for one scope and month.

Every number comes from `queries.scorecard.build` and every chart from `presentation.figures`, so
the pack shows exactly what the page shows. The file is written atomically. No Streamlit here.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from pack.charts import panel_figures, render_pngs
from pack.context import Context
from pack.errors import PackError, warehouse_errors
from pack.layout import Pdf, missing_glyphs_note
from pack.pages import cover, league_page, region_page, scorecard_page, trends_page
from pack.tables import pack_name
from presentation import fmt
from presentation import verdict as verdict_mod
from queries import scorecard
from queries.access import EVERYTHING, AccessDenied, Allowed
from queries.ranking import worst_first
from queries.registry import PANELS
from queries.scope import Dims, Scope
from queries.scorecard import Scorecard
from queries.sql import aggregate
from queries.targets import Targets
from queries.windows import Window
from store.actions import Action, ActionStore, ActionsUnavailable

Progress = Callable[[float, str], None]
ActionsArg = ActionStore | Sequence[Action] | None


def actions_for(actions: ActionsArg, scope: Scope, month: date
                ) -> tuple[list[Action], str | None]:
    """Open and overdue actions of the scope (and below); a store that is down is a note."""
    if actions is None:
        return [], "not part of this pack"
    if isinstance(actions, ActionStore):
        try:
            listed = actions.list(scope, include_children=True, month=month,
                                  statuses=("overdue", "open"))
        except ActionsUnavailable as exc:
            return [], f"Actions could not be read: {exc}"
        return listed, None
    return [a for a in actions if a.status_in(month) != "done"], None


def build_pack(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
               actions: ActionsArg = None, *, out_path: str | Path,
               progress: Progress | None = None, latest_response: date | None = None,
               charts: bool = True, findings: bool = True,
               allowed: Allowed = EVERYTHING, window: Window | None = None) -> Path:
    """Write the board pack for one scope and month to `out_path` (atomically) and return it.

    `allowed`: the viewer's rights. The pack shows what the page shows that viewer: a location
    user's pack has no region figures (no rank in the region, no region NPS, no region findings).

    Cover, the scope's scorecard page (tiles and the five panels' charts), its league table,
    movers and open actions; at company scope one page per region follows. `progress(fraction,
    text)` is called from this thread only. `charts=False` skips Chromium (placeholders).
    `window` pools months as the page's window choice does (None: each level's default).
    """
    report = progress or (lambda _f, _t: None)
    out = Path(out_path)
    if not out.parent.is_dir():
        raise PackError(f"Folder {out.parent} does not exist")
    try:
        allowed.check(scope)
    except AccessDenied as exc:
        raise PackError(str(exc)) from exc
    started = time.perf_counter()
    report(0.0, "Reading the warehouse")
    with warehouse_errors(engine):
        ctx = _context(engine, dims, scope, month, targets, actions, report, latest_response,
                       charts, findings, allowed, window)
    pdf = render(ctx)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pdf.output(tmp)
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else 0o644)  # not mkstemp's 600
        os.replace(tmp, out)  # a reader never sees half a file; a failure leaves none
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    warn = f"; warning: {missing_glyphs_note(pdf.replaced)}" if pdf.replaced else ""
    report(1.0, f"Board pack ready ({pdf.pages_count} pages, "
                f"{time.perf_counter() - started:.1f} s){warn}")
    return out


def _context(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
             actions: ActionsArg, report: Progress, latest_response: date | None, charts: bool,
             findings: bool, allowed: Allowed, window: Window | None) -> Context:
    """Everything the pack's pages are drawn from: the warehouse read, the charts drawn."""
    latest = latest_response or aggregate.freshness(engine)[1]
    card = scorecard.build(engine, dims, scope, month, targets, latest, with_map=False,
                           window=window)
    above = allowed.parent_view(scope)  # the page's rule (queries/access.py)
    parent = (scorecard.build(engine, dims, above, month, targets, latest, with_map=False,
                              window=window)
              if above is not None else None)
    report(0.1, f"Scorecard for {card.scope_name} computed")
    figs = panel_figures(card, card.bands) if charts else []
    region_cards: list[Scorecard] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-charts") as pool:
        job: Future | None = pool.submit(render_pngs, figs) if figs else None
        if scope.level == "company":
            order = [str(k) for k in worst_first(card.children)["key"]]
            rest = sorted((str(r) for r in dims.regions.region_id if str(r) not in order),
                          key=dims.region_name)
            regions = order + rest  # region pages worst first, like the league table
            total = max(len(regions), 1)
            for i, rid in enumerate(regions):
                report(0.15 + 0.6 * i / total,
                       f"Region {dims.region_name(rid)} ({i + 1} of {total})")
                region_cards.append(scorecard.build(engine, dims, Scope(region=str(rid)), month,
                                                    targets, latest, with_map=False,
                                                    window=window))
        report(0.78, "Drawing the charts")
        pngs: list[bytes | None] = job.result() if job else [None] * len(PANELS)
    listed, note = actions_for(actions, scope, month)
    report(0.85, "Testing the leadership findings")
    found = findings_for(engine, dims, scope, month, targets, allowed) if findings else []
    report(0.9, "Writing the PDF")
    return Context(card, dims, targets, latest, datetime.now(UTC), listed, note, region_cards,
                   pngs, found, parent, allowed)


def findings_for(engine: Engine, dims: Dims, scope: Scope, month: date,
                 targets: Targets, allowed: Allowed = EVERYTHING) -> list[str]:
    """The verdict's iron-triangle findings for the scope (a location: its region's, when the
    viewer may see that region; else none, as on the page)."""
    from queries import insights

    where = allowed.findings_scope(scope)
    if where is None:
        return []
    try:
        found = verdict_mod.findings(insights.analyses(engine, dims, where, month, targets))
    except Exception:  # noqa: BLE001 - the pack goes without its findings, never fails on them
        return []
    if scope.level == "location":
        name = dims.region_name(scope.region)
        found = [f"In {name}: {f[0].lower()}{f[1:]}" for f in found]
    return found


def render(ctx: Context) -> Pdf:
    card = ctx.card
    pdf = Pdf(f"CX Scorecard · {card.scope_name} · {fmt.month_label(card.month)} · "
              f"targets {ctx.targets.version}")
    pdf.set_title(f"CX Scorecard board pack: {card.scope_name}, {card.month:%B %Y}")
    pdf.set_author("CX Scorecard")
    pdf.set_subject("Monthly customer-experience review")
    pdf.set_creation_date(ctx.generated)
    pdf.add_page()
    pdf.insert_toc_placeholder(lambda p, outline: cover(p, ctx, outline), pages=1,
                               reset_page_indices=False)
    scorecard_page(pdf, ctx, new_page=False)  # the placeholder already opened page 2
    trends_page(pdf, ctx)
    league_page(pdf, ctx)
    for rc in ctx.region_cards:
        region_page(pdf, ctx, rc)
    return pdf


def pack_bytes(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
               actions: ActionsArg = None, *, progress: Progress | None = None,
               latest_response: date | None = None, charts: bool = True,
               allowed: Allowed = EVERYTHING, window: Window | None = None) -> bytes:
    """The pack as bytes, for the page's download button (built in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="cx-pack-") as tmp:
        path = build_pack(engine, dims, scope, month, targets, actions,
                          out_path=Path(tmp) / pack_name(scope, month), progress=progress,
                          latest_response=latest_response, charts=charts, allowed=allowed,
                          window=window)
        return path.read_bytes()
