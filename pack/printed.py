"""The board pack: the page, printed. One HTML document built from the page's own markup, style
sheet and figures (pack/document.py), printed to PDF by headless Chromium (as Superset and
Grafana print their reports) through Playwright, offline.

`build` returns the PDF's bytes (the page's button, the digest); `write` puts it at a path
atomically (the CLI). A contents list with page numbers (a first print finds where each section
starts, read from its outline); a running header and page numbers from Chromium's header and
footer templates.
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pack import charts, optional
from pack.document import Printed, parts, title, trend_figures
from pack.errors import PackError, warehouse_errors
from presentation import comments as comments_words
from presentation import style
from presentation import verdict as vd
from queries import settings
from queries.access import EVERYTHING, AccessDenied, Allowed
from queries.ranking import worst_first
from queries.scope import Scope
from queries.windows import Window
from store.actions import Action, ActionStore, ActionsUnavailable

CHROMIUM = "/usr/bin/chromium"  # the default; $CX_CHROMIUM (queries/settings.py) first
# A4 landscape is about 1,050 CSS px wide inside its margins: printed at this scale the page
# lays out as on a 1,440 px laptop screen (six columns of tiles), then shrinks onto the paper.
SCALE = 0.72
# A last page inked less than this far down is a mostly empty page: the pack is printed again a
# little smaller (at most SHRINKS steps) when that brings its content back onto the pages before.
TAIL = 0.4
SHRINKS = (0.95, 0.9)
VIEWPORT = {"width": 1454, "height": 966}  # A4 landscape inside the margins (277 x 184 mm) / SCALE
MARGINS = style.PAGE_MARGINS  # the sheet's @page rule uses the same
MARGIN_PT = {k: float(v[:-2]) * 72 / 25.4 for k, v in MARGINS.items()}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
HEADER = ('<div style="font-size:8px;width:100%;padding:0 12mm;color:#666;'
          'font-family:sans-serif">{title}</div>')
FOOTER = ('<div style="font-size:8px;width:100%;padding:0 12mm;text-align:right;color:#666;'
          'font-family:sans-serif">page <span class="pageNumber"></span> of '
          '<span class="totalPages"></span></div>')
NO_CHROMIUM = ("the board pack is printed by Chromium, and none was found at {path}: "
               "apt-get install -y chromium (or set CX_CHROMIUM)")

__all__ = ["Printed", "Printer", "Timing", "actions_for", "browser_path", "build", "prepare",
           "print_pdf", "write"]


@dataclass
class Timing:
    """Seconds per step of the last print (the benchmark prints them)."""

    steps: dict[str, float] = field(default_factory=dict)


def browser_path() -> str:
    """Debian's Chromium: $CX_CHROMIUM, else /usr/bin/chromium; a clear PackError without it."""
    path = settings.CHROMIUM.value() or CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        raise PackError(NO_CHROMIUM.format(path=path))
    return path


def actions_for(store: ActionStore | Sequence[Action] | None, scope: Scope, month: date
                ) -> tuple[list[Action], str | None]:
    """Open and overdue actions of the scope (and below) at the month's review; a store that
    is down is a note, never a failure."""
    if store is None:
        return [], "Actions are not part of this pack."
    if isinstance(store, ActionStore):
        try:
            listed = store.list(scope, include_children=True, month=month,
                                statuses=("overdue", "open"))
        except ActionsUnavailable as exc:
            return [], f"Actions could not be read: {exc}"
        return listed, None
    return [a for a in store if a.status_in(month) != "done"], None


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
    for anchor, text in titles:
        want = " ".join(text.split())
        hit = [page for got, page in marks if got == want]
        if hit:
            found[anchor] = hit[-1]  # the section's heading, not the contents' line
    return found


def _pages_and_tail(pdf: bytes) -> tuple[int, float]:
    """How many pages, and how far down (0-1) the last page's text reaches inside the margins
    (the running header and page number aside): a chart's labels and a table's rows are text."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    last = reader.pages[-1]
    height = float(last.mediabox.height)
    top, bottom = height - MARGIN_PT["top"], MARGIN_PT["bottom"]
    lowest = [top]

    def seen(text, cm, tm, _font, _size) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip() and bottom < y < top:
            lowest[0] = min(lowest[0], y)

    last.extract_text(visitor_text=seen)
    return len(reader.pages), (top - lowest[0]) / (top - bottom)


def _fit_tail(page, options: dict[str, Any], first: bytes) -> tuple[dict[str, Any], bytes]:
    """A mostly empty last page (a table's last rows, a section's last lines) costs a page: print
    a little smaller until the pack is a page shorter, or keep the first print as it was."""
    pages, tail = _pages_and_tail(first)
    if pages < 2 or tail >= TAIL:
        return options, first
    for shrink in SHRINKS:
        smaller = {**options, "scale": SCALE * shrink}
        pdf = page.pdf(**smaller)
        if _pages_and_tail(pdf)[0] < pages:
            return smaller, pdf
    return options, first


TITLES_JS = ("() => [...document.querySelectorAll('h2.px-h2[data-anchor]')]"
             ".map(h => [h.dataset.anchor, h.textContent])")
PUT_JS = ("([head, body]) => { document.head.insertAdjacentHTML('beforeend', head);"  # keeps
          # plotly.js's own style sheet, which it put in the head when it loaded
          " document.body.className = 'px'; document.body.innerHTML = body; }")
FILL_JS = ("(pages) => { for (const [a, n] of Object.entries(pages)) {"
           " const el = document.querySelector(`[data-page-of=\"${a}\"]`);"
           " if (el) el.textContent = String(n); } }")


def _reason(exc: Exception) -> str:
    """Playwright's error in one line: its first, at most 200 characters."""
    return (str(exc).strip().splitlines() or ["no reason given"])[0][:200]


class Printer:
    """One headless Chromium that prints packs, started on entering and closed on leaving: the
    e-mail digest prints one pack per view, and pays Chromium's start (about 2 s) once, not per
    pack. Use it from the thread that entered it (Playwright's sync API is thread-bound)."""

    def __init__(self) -> None:
        self.path = browser_path()
        self._pw: Any = None
        self._browser: Any = None
        self.started = 0.0  # seconds Chromium took to start

    def __enter__(self) -> Printer:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        t0 = time.perf_counter()
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=self.path,
                                                     args=LAUNCH_ARGS)
        except PlaywrightError as exc:
            self._pw.stop()
            raise PackError(f"Chromium at {self.path} did not start: {_reason(exc)}") from exc
        self.started = time.perf_counter() - t0
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._pw.stop()

    def print(self, p: Printed | Future, timing: Timing | None = None) -> bytes:
        """Print one pack in a page of its own (closed after): a first print finds the page of
        each section, the second fills the contents with them (the same layout: the numbers
        take no more room). `p` may be a Future: the page loads plotly.js while the pack's
        content is built."""
        from playwright.sync_api import Error as PlaywrightError

        t = timing or Timing()
        t0 = time.perf_counter()
        page = None
        try:
            page = self._browser.new_page(viewport=VIEWPORT)  # charts at the paper's width
            page.route("**/*", lambda route: route.abort()
                       if not route.request.url.startswith(("data:", "about:")) else
                       route.continue_())  # the pack needs nothing from the network
            page.set_content(charts.shell(), wait_until="load")  # parsed while the warehouse
            t.steps["load plotly.js"] = time.perf_counter() - t0  # works
            if isinstance(p, Future):
                p = p.result()
            head = HEADER.format(title=html.escape(
                f"{title(p.card)} · targets {p.targets_version}"))
            options = {"format": "A4", "landscape": True, "print_background": True,
                       "scale": SCALE, "display_header_footer": True, "header_template": head,
                       "footer_template": FOOTER, "prefer_css_page_size": True,
                       "outline": True, "tagged": True,  # the outline needs tags
                       "margin": MARGINS}
            t1 = time.perf_counter()
            doc_head, body, figs = parts(p)
            page.evaluate(PUT_JS, [doc_head, body])
            if figs.full:  # a figure the basic bundle cannot draw (pack/charts.py)
                page.add_script_tag(content=charts.plotly_js(full=True))
            t.steps["lay out"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            if page.evaluate(figs.draw_js()) != "ready":  # printed without them, not at all
                print("board pack: plotly.js could not draw the charts", file=sys.stderr)
            t.steps["draw the charts"] = time.perf_counter() - t1
            t2 = time.perf_counter()
            options, first = _fit_tail(page, options, page.pdf(**options))
            page.evaluate(FILL_JS, _section_pages(first, page.evaluate(TITLES_JS)))
            final = page.pdf(**options)
            t.steps["prints (contents' pages, last page fitted)"] = time.perf_counter() - t2
        except PlaywrightError as exc:  # Chromium crashed or timed out while printing
            raise PackError(f"Chromium at {self.path} could not print the pack: "
                            f"{_reason(exc)}") from exc
        finally:
            if page is not None:
                with contextlib.suppress(PlaywrightError):  # Chromium is gone: said above
                    page.close()
        return final


def print_pdf(p: Printed | Future, timing: Timing | None = None,
              printer: Printer | None = None) -> bytes:
    """Print the pack with `printer`, or with a Chromium of its own, started at once (when `p`
    is a Future its start then overlaps the warehouse work)."""
    if printer is not None:
        return printer.print(p, timing)
    t = timing or Timing()
    with Printer() as own:
        t.steps["start Chromium"] = own.started
        return own.print(p, t)


def build(engine, dims, scope, month: date, targets, actions: Sequence[Action] = (),
          actions_note: str | None = None, latest: date | None = None,
          timing: Timing | None = None, analyses: bool = True,
          allowed: Allowed = EVERYTHING, window: Window | None = None) -> bytes:
    """The printed pack of one scope and month, from the warehouse: the same scorecard, ranking,
    verdict and analyses the page shows for that view. Chromium starts while they are computed.
    `allowed`: the viewer's rights, by the page's rules (queries/access.py): a scope outside them
    is refused (PackError); a location user's pack has no region figures or findings. `window`:
    the months pooled, as the page's window choice (None: each level's default). A warehouse
    that fails while read, or no Chromium: PackError, one line."""
    try:
        allowed.check(scope)
    except AccessDenied as exc:
        raise PackError(str(exc)) from exc
    browser_path()  # no Chromium: say so before reading the warehouse
    t = timing or Timing()
    content: Future = Future()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-print") as pool:
        job = pool.submit(print_pdf, content, t)
        try:
            with warehouse_errors(engine):
                content.set_result(_content(engine, dims, scope, month, targets, actions,
                                            actions_note, latest, t, analyses, allowed,
                                            window))
        except BaseException as exc:
            content.set_exception(exc)
            raise
        return job.result()


def write(out: str | Path, pdf: bytes) -> Path:
    """Write the pack to `out` atomically: a temporary file beside it, renamed when complete,
    so a reader never sees half a file and a failure leaves none (an older pack untouched)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise PackError(f"Folder {out.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else 0o644)  # not mkstemp's
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


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
    with warehouse_errors(engine):
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

    def beside() -> Mapping[str, Any]:
        t1 = time.perf_counter()
        out = (insights.analyses(engine, dims, where, month, targets)
               if analyses and where is not None else {})
        t.steps["analyses (beside the scorecard)"] = time.perf_counter() - t1
        return out

    built: Future = Future()  # the view's scorecard, for a section that asks for it

    def sections() -> dict[str, Any]:
        t1 = time.perf_counter()
        out = optional.fetch_all(engine, dims, scope, month, allowed, card=built.result,
                                 window=window)
        if out:
            t.steps["optional sections (beside)"] = time.perf_counter() - t1
        return out

    # the analyses and the optional sections run beside the scorecard: the warehouse's work
    # releases the GIL
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pack-beside") as pool:
        job, extra = pool.submit(beside), pool.submit(sections)
        try:
            card = scorecard.build(engine, dims, scope, month, targets, latest, with_map=False,
                                   window=window)
        except BaseException as exc:
            built.set_exception(exc)  # a section waiting for it stops waiting
            raise
        built.set_result(card)
        above = allowed.parent_view(scope)  # the page's rule: no region figures it may not see
        parent = (scorecard.build(engine, dims, above, month, targets, latest, with_map=False,
                                  window=window) if above is not None else None)
        ranked = worst_first(card.children) if card.scope.child_level is not None else None
        t.steps["scorecard"] = time.perf_counter() - t0
        made = charts.make(trend_figures(card))  # Python's share of the charts, meanwhile
        results, extras = job.result(), extra.result()
    t.steps["scorecard and analyses"] = time.perf_counter() - t0
    found = vd.findings(results)
    if scope.level == "location":
        found = [f"In {dims.region_name(scope.region)}: {f[0].lower()}{f[1:]}" for f in found]
    verdict = vd.build(card, parent, actions, found)  # names on its own 12-month ranking
    said = getattr(extras.get("comments"), "fig", None)  # the page's line: the top theme
    if said is not None:
        verdict = replace(verdict, voice=comments_words.verdict_sentence(said) or "")
    names = {str(k): str(v) for k, v in zip(dims.regions.region_id, dims.regions.region_name,
                                             strict=True)}
    names |= {str(k): str(v) for k, v in zip(dims.locations.location_id,
                                              dims.locations.location_name, strict=True)}
    return Printed(card, verdict, names, latest, datetime.now(UTC), targets.version, ranked,
                   list(verdict.actions), actions_note, results, parent, extras, made)
