"""The browser benchmark's clicks (benchmarks/browser_bench.py): one Chromium tab, the month
selectbox, the drill-down through the page's own elements (else the URL), and the passes over the
app and the bare floor page, each action timed until the page is drawn (browser_idle.py)."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from browser_idle import DONE_JS, QUIET_MS, SAMPLER_JS, RunWatcher, wait_drawn  # noqa: E402
from browser_report import APP_ACTIONS, FLOOR_ACTIONS  # noqa: E402

from benchmarks.common import log  # noqa: E402
from benchmarks.servers import Server  # noqa: E402

CHROMIUM = os.environ.get("CX_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1440, "height": 900}
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               # every host but the local servers fails at once (no internet wait in the figures)
               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

FLOOR_SCRIPT = '''"""browser_bench.py floor: a bare page, five st.metric tiles, a selectbox."""
import streamlit as st

st.set_page_config(page_title="Floor", layout="wide")
MONTHS = [f"{m} 2026" for m in ("Dec", "Nov", "Oct", "Sep", "Aug", "Jul", "Jun", "May", "Apr",
                                  "Mar", "Feb", "Jan")]
month = st.selectbox("Month", MONTHS, key="month")
i = MONTHS.index(month)
for k, col in enumerate(st.columns(5)):
    col.metric(f"Metric {k + 1}", f"{40 + 7 * k + i:.1f}", f"{(i - k) / 10:+.1f}", border=True)
'''
FLOOR_CONFIG = '[client]\ntoolbarMode = "viewer"\n\n[browser]\ngatherUsageStats = false\n'


def write_floor(folder: Path) -> Path:
    (folder / ".streamlit").mkdir(parents=True, exist_ok=True)
    (folder / ".streamlit" / "config.toml").write_text(FLOOR_CONFIG, encoding="utf-8")
    script = folder / "floor.py"
    script.write_text(FLOOR_SCRIPT, encoding="utf-8")
    return script


# --- one browser tab ---------------------------------------------------------------------------


class Tab:
    """A new browser context with the idle sampler; `act` times one action until drawn."""

    def __init__(self, browser, timeout_s: float) -> None:
        self.ctx = browser.new_context(viewport=VIEWPORT)
        self.ctx.add_init_script(SAMPLER_JS)
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(timeout_s * 1000)
        self.watcher = RunWatcher(self.page)
        self.timeout_s = timeout_s

    def act(self, do: Callable[[], None]) -> float:
        before, t0 = self.watcher.finished, time.time() * 1000
        do()
        return wait_drawn(self.page, self.watcher, before, t0, self.timeout_s)

    def settle(self) -> None:
        """Wait (untimed) until the page is idle, e.g. after a click that did not navigate."""
        with contextlib.suppress(Exception):  # best effort between discovery attempts
            self.page.wait_for_function(DONE_JS, arg=[QUIET_MS], polling=100, timeout=30_000)

    def params(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlparse(self.page.url).query).items()}

    def errors(self) -> list[str]:
        shown = self.page.locator('[data-testid="stException"]').count()
        return self.watcher.errors + ([f"{shown} exception(s) shown"] if shown else [])

    def close(self) -> None:
        self.ctx.close()


@dataclass
class Plan:
    """What the first pass found: the month to pick and how each drill-down is clicked."""

    month: str | None = None
    month_by_keyboard: bool = False
    methods: dict[str, tuple[str, int]] = field(default_factory=dict)
    views: dict[str, dict[str, str]] = field(default_factory=dict)
    findings: set[str] = field(default_factory=set)  # what a user would trip over


# --- the month selectbox -----------------------------------------------------------------------

MONTH_WORDS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def month_box(page):
    """The page's month selectbox: labelled "Month", else one whose value names a month."""
    boxes = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]')
    count = boxes.count()
    labels = []
    for i in range(count):
        label = boxes.nth(i).locator('[data-testid="stWidgetLabel"]').first
        labels.append((label.text_content() or "").strip().lower() if label.count() else "")
    for exact in (True, False):  # "Month" before "Due month"
        for i, text in enumerate(labels):
            if text == "month" if exact else "month" in text:
                return boxes.nth(i)
    for i in range(count):
        value = boxes.nth(i).get_by_role("combobox").input_value().lower()
        if any(w in value for w in MONTH_WORDS):
            return boxes.nth(i)
    return boxes.first if count else None


def covered_by(exc: Exception) -> str:
    """The element Playwright says intercepts the pointer, from its error message."""
    m = re.search(r'data-testid="(\w+)"[^\n]*intercepts pointer events', str(exc))
    return f"`{m.group(1)}`" if m else "another element"


def open_options(page, box, plan: Plan) -> list[str]:
    """Opens the dropdown (untimed) and returns the option texts. If the mouse cannot reach it
    (an element on top), it opens with the keyboard, and the report says so."""
    opener = box.locator('button[aria-haspopup="listbox"]')
    target = opener.first if opener.count() else box.get_by_role("combobox")
    if not plan.month_by_keyboard:
        try:
            target.click(timeout=5000)
        except Exception as exc:  # noqa: BLE001 - reported below, then the keyboard is used
            plan.month_by_keyboard = True
            plan.findings.add(f"the month selectbox cannot be opened with the mouse: "
                              f"{covered_by(exc)} lies on top of it and takes the click; the "
                              "benchmark opens it with the keyboard (ArrowDown)")
    if plan.month_by_keyboard:
        box.get_by_role("combobox").focus()
        page.keyboard.press("ArrowDown")
    options = page.get_by_role("option")
    options.first.wait_for()
    return [t.strip() for t in options.all_inner_texts()]


def choose_next(page, box, plan: Plan) -> Callable[[], None]:
    """Opens the selectbox (untimed) and returns the click that picks plan.month (first call:
    the option after the current one)."""
    current = box.get_by_role("combobox").input_value().strip()
    texts = open_options(page, box, plan)
    if plan.month is None:
        i = texts.index(current) if current in texts else 0
        plan.month = texts[i + 1] if i + 1 < len(texts) else texts[max(0, i - 1)]
    return page.get_by_role("option", name=plan.month, exact=True).first.click


# --- drill-down: the page's own clickable elements, else the URL -------------------------------

PARAM_OK = {
    "region": "p => p.has('region') && !p.has('location')",
    "location": "p => p.has('location')",
    "back": "p => !p.has('region') && !p.has('location')",
}
MATCH_BUTTON_JS = """
([names]) => [...document.querySelectorAll('[data-testid="stMain"] button')]
  .map((b, i) => [i, b.innerText.trim(), b.getClientRects().length > 0])
  .filter(([i, t, shown]) => shown && names.some(n => t === n || t.startsWith(n + ' ')))
  .map(([i]) => i)
"""


def candidates(tab: Tab, kind: str, names: list[str]) -> Iterator[tuple[str, int, Callable]]:
    """(method, index, click) for every element of the page that may open `kind`, best first.

    Clicks that rerun the page in place come first (what a user of the page does); a link is
    tried last because it loads a new page (and would open a new tab: here it opens in this one).
    """
    page = tab.page
    main = page.locator('[data-testid="stMain"]')
    if kind == "back":
        names = ["Company"]
    # 1. a button named after the region, location, or "Company" (the breadcrumb)
    buttons = main.locator("button")
    for i in page.evaluate(MATCH_BUTTON_JS, [names]):
        yield "button", i, partial(buttons.nth(i).click, timeout=10_000)
    for i in page.evaluate(MATCH_BUTTON_JS, [names]):  # when something covers it
        buttons.nth(i).focus()
        yield "button by keyboard", i, partial(page.keyboard.press, "Enter")
    if kind != "back":
        # 2. the first row of a table with row selection (its checkbox; the grid is a canvas)
        grids = main.locator('[data-testid="stDataFrame"]')
        for i in range(grids.count()):
            grid = grids.nth(i)
            if not grid.is_visible():
                continue
            grid.scroll_into_view_if_needed()
            box = grid.bounding_box()
            if box:
                yield "table row", i, (lambda b=box: page.mouse.click(b["x"] + 14,
                                                                      b["y"] + 35 + 17))
        # 3. the first bar of a bar chart that drills on click
        bars = main.locator('[data-testid="stPlotlyChart"] .barlayer .point path')
        if bars.count() and bars.first.is_visible():
            bars.first.scroll_into_view_if_needed()
            box = bars.first.bounding_box()
            if box:
                yield "chart bar", 0, (lambda b=box: page.mouse.click(
                    b["x"] + b["width"] / 2, b["y"] + b["height"] / 2))
    # 4. a link to the view
    sel = {"region": 'a[href*="region="]:not([href*="location="])',
           "location": 'a[href*="location="]', "back": "a"}[kind]
    links = main.locator(sel)
    for i in range(links.count()):
        a = links.nth(i)
        if not a.is_visible():
            continue
        if kind == "back" and (a.text_content() or "").strip() not in names:
            continue
        a.evaluate("a => a.removeAttribute('target')")
        yield "link", i, partial(a.click, timeout=10_000)
    if kind == "back":
        yield "history", 0, page.go_back


def url_fallback(tab: Tab, base: str, kind: str, target: dict[str, str]) -> Callable[[], None]:
    params = {k: v for k, v in tab.params().items() if k == "month"} | target
    return lambda: tab.page.goto(base + "?" + urlencode(params), wait_until="commit")


def drill(tab: Tab, base: str, kind: str, names: list[str], fallback: dict[str, str],
          plan: Plan) -> float:
    """Times one drill-down (or back): the plan's method, or (first pass) the first that works."""
    ok = PARAM_OK[kind]
    want = plan.methods.get(kind)
    if want and want[0] == "url":
        seconds = tab.act(url_fallback(tab, base, kind, fallback))
        tab.page.wait_for_function(f"() => ({ok})(new URLSearchParams(location.search))")
        return seconds
    for method, index, click in candidates(tab, kind, names):
        if want and (method, index) != want:
            continue
        before, t0 = tab.watcher.finished, time.time() * 1000
        try:
            click()
        except Exception as exc:  # noqa: BLE001 - a user could not click it either: say so
            if want:
                raise
            plan.findings.add(f"{kind}: the page's {method} cannot be clicked with the mouse "
                              f"({covered_by(exc)} takes the click)")
            continue
        try:
            tab.page.wait_for_function(f"() => ({ok})(new URLSearchParams(location.search))",
                                       timeout=(tab.timeout_s if want else 20) * 1000)
        except Exception:  # noqa: BLE001 - this element does not navigate: try the next one
            if want:
                raise
            tab.settle()
            continue
        seconds = wait_drawn(tab.page, tab.watcher, before, t0, tab.timeout_s)
        plan.methods.setdefault(kind, (method, index))
        plan.views.setdefault(kind, tab.params())
        return seconds
    if want:
        raise RuntimeError(f"{kind}: the element found on the first pass ({want}) is gone")
    log(f"{kind}: no element of the page opened it; opening the URL instead")
    plan.methods[kind] = ("url", 0)
    seconds = tab.act(url_fallback(tab, base, kind, fallback))
    plan.views.setdefault(kind, tab.params())
    return seconds


# --- passes ------------------------------------------------------------------------------------


@dataclass
class Names:
    """Names and ids of the warehouse's regions and locations (for buttons and URL fallbacks)."""

    regions: dict[str, str]  # id -> name
    locations: dict[str, tuple[str, str]]  # id -> (name, region id)

    def children(self, region: str | None) -> list[str]:
        if region is None:
            return list(self.regions.values())
        return [n for n, r in self.locations.values() if r == region]

    def first_location(self, region: str) -> str:
        return next(k for k, (_, r) in sorted(self.locations.items()) if r == region)


def app_pass(browser, base: str, names: Names, plan: Plan, timeout_s: float,
             out: dict[str, float]) -> list[str]:
    """Fills `out` action by action (a failure keeps what was measured) and returns errors."""
    tab = Tab(browser, timeout_s)
    try:
        out["fresh"] = tab.act(lambda: tab.page.goto(base, wait_until="commit"))
        out["reload"] = tab.act(lambda: tab.page.reload(wait_until="commit"))
        box = month_box(tab.page)
        if box is None:
            raise RuntimeError("the page has no month selectbox")
        out["month"] = tab.act(choose_next(tab.page, box, plan))
        region = sorted(names.regions)[0]
        out["region"] = drill(tab, base, "region", names.children(None), {"region": region},
                              plan)
        region = tab.params().get("region", region)
        out["location"] = drill(tab, base, "location", names.children(region),
                                {"region": region, "location": names.first_location(region)},
                                plan)
        out["back"] = drill(tab, base, "back", [], {}, plan)
        return tab.errors()
    finally:
        tab.close()


def floor_pass(browser, base: str, timeout_s: float) -> dict[str, float]:
    tab, out = Tab(browser, timeout_s), {}
    try:
        out["fresh"] = tab.act(lambda: tab.page.goto(base, wait_until="commit"))
        out["reload"] = tab.act(lambda: tab.page.reload(wait_until="commit"))
        out["select"] = tab.act(choose_next(tab.page, month_box(tab.page), Plan()))
        return out
    finally:
        tab.close()


def run_browser(app: Server, floor: Server, names: Names, reps: int, timeout_s: float,
                restart: Callable[[], Server] | None = None, first_passes: int = 1) -> dict:
    """Interleaved repetitions after a first pass; with `restart`, `first_passes - 1` more first
    passes follow, each on a newly started app server (cold caches again), so a first visit is
    a median of several, not one click."""
    from playwright.sync_api import sync_playwright

    plan = Plan()
    res: dict = {"app": {"first": {}, "reps": {a: [] for a in APP_ACTIONS}},
                 "floor": {"first": {}, "reps": {a: [] for a in FLOOR_ACTIONS}},
                 "errors": [], "paired": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        try:
            log("first pass (cold server caches, discovers the page's clickable elements)")
            res["floor"]["first"] = floor_pass(browser, floor.base, timeout_s)
            try:
                errors = app_pass(browser, app.base, names, plan, timeout_s,
                                  res["app"]["first"])
                res["errors"] += [f"first pass: {e}" for e in errors]
            except Exception as exc:  # noqa: BLE001 - the page cannot be driven: say so, stop
                res["errors"].append(f"first pass, after {list(res['app']['first'])}: "
                                     f"{type(exc).__name__}: {str(exc)[:300]}")
                log(res["errors"][-1])
                reps = 0
            for rep in range(1, reps + 1):
                try:
                    fl, ap = floor_pass(browser, floor.base, timeout_s), {}
                    errors = app_pass(browser, app.base, names, plan, timeout_s, ap)
                except Exception as exc:  # noqa: BLE001 - reported, the other reps still count
                    res["errors"].append(f"rep {rep}: {type(exc).__name__}: {str(exc)[:200]}")
                    log(res["errors"][-1])
                    continue
                res["errors"] += [f"rep {rep}: {e}" for e in errors]
                for a in FLOOR_ACTIONS:
                    res["floor"]["reps"][a].append(fl[a])
                for a in APP_ACTIONS:
                    res["app"]["reps"][a].append(ap[a])
                res["paired"].append({"floor": fl, "app": ap})
                log(f"rep {rep}/{reps}: floor " + ", ".join(f"{a} {fl[a]:.2f}" for a in fl)
                    + " | app " + ", ".join(f"{a} {ap[a]:.2f}" for a in ap))
            res["app"]["first_more"] = []
            more_passes = first_passes - 1 if restart is not None and reps else 0
            for k in range(2, 2 + more_passes):
                app, more = restart(), {}
                try:
                    errors = app_pass(browser, app.base, names, plan, timeout_s, more)
                    res["errors"] += [f"first pass {k}: {e}" for e in errors]
                except Exception as exc:  # noqa: BLE001 - reported, what was measured counts
                    res["errors"].append(f"first pass {k}: {type(exc).__name__}: "
                                         f"{str(exc)[:200]}")
                res["app"]["first_more"].append(more)
                log(f"first pass {k}/{first_passes} (new server): "
                    + ", ".join(f"{a} {more[a]:.2f}" for a in more))
        finally:
            browser.close()
    res["methods"] = {k: list(v) for k, v in plan.methods.items()}
    res["month_picked"] = plan.month
    res["findings"] = sorted(plan.findings)
    res["month_by_keyboard"] = plan.month_by_keyboard
    res["views"] = plan.views
    return res
