"""Where a click spends its time in the browser: one walk through the page with the counters on.

For each action (fresh page, reload, month change, region click, location click, back) it prints:
time to the script run's end and to the drawn page (`browser_idle.py`), whether the action opened
a new websocket (a full page load: new session, every static asset asked again), the websocket
bytes and messages received, the deltas by element type, HTTP requests, the DOM size, and the
browser's own main-thread counters (CDP `Performance.getMetrics`: task, script, layout and style
time). Run it on a running app (and, for comparison, the floor page of `browser_bench.py`):

    python benchmarks/browser_profile.py --app http://127.0.0.1:8600/ [--floor URL] [--json F]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from browser_bench import CHROME_ARGS, CHROMIUM, VIEWPORT, choose_next, month_box  # noqa: E402
from browser_idle import SAMPLER_JS, RunWatcher, wait_drawn  # noqa: E402

METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "Nodes",
           "JSHeapUsedSize")


class Probe:
    """Counts what one action costs: websocket traffic, requests, browser main-thread time."""

    def __init__(self, page) -> None:
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.sockets = 0
        self.bytes = 0
        self.frames = 0
        self.kinds: Counter = Counter()
        self.requests = 0
        self.first_finish: float | None = None
        self.first_frame: float | None = None
        page.on("websocket", self._socket)
        page.on("request", lambda r: setattr(self, "requests", self.requests + 1))

    def _socket(self, ws) -> None:
        if "_stcore/stream" in ws.url:
            self.sockets += 1
            ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes | bytearray):
            return
        self.frames += 1
        self.bytes += len(payload)
        if self.first_frame is None:
            self.first_frame = time.time() * 1000
        msg = ForwardMsg()
        try:
            msg.ParseFromString(bytes(payload))
        except Exception:  # noqa: BLE001
            return
        kind = msg.WhichOneof("type")
        if kind == "delta":
            d = msg.delta.WhichOneof("type")
            if d == "new_element":
                kind = "el:" + (msg.delta.new_element.WhichOneof("type") or "?")
            else:
                kind = "delta:" + str(d)
        elif kind == "script_finished" and self.first_finish is None:
            self.first_finish = time.time() * 1000
        self.kinds[kind] += 1

    def metrics(self) -> dict[str, float]:
        got = self.cdp.send("Performance.getMetrics")["metrics"]
        return {m["name"]: m["value"] for m in got if m["name"] in METRICS}

    def reset(self) -> None:
        self.sockets = self.bytes = self.frames = self.requests = 0
        self.kinds = Counter()
        self.first_finish = self.first_frame = None


def measure(page, watcher: RunWatcher, probe: Probe, do) -> dict:
    probe.reset()
    before_m = probe.metrics()
    before, t0 = watcher.finished, time.time() * 1000
    do()
    drawn = wait_drawn(page, watcher, before, t0, 120)
    after_m = probe.metrics()
    dom = page.evaluate("() => document.querySelectorAll('*').length")
    out = {"drawn_s": round(drawn, 3),
           "script_end_s": round((probe.first_finish - t0) / 1000, 3) if probe.first_finish
           else None,
           "first_frame_s": round((probe.first_frame - t0) / 1000, 3) if probe.first_frame
           else None,
           "new_websocket": probe.sockets, "ws_kb": round(probe.bytes / 1024, 1),
           "ws_msgs": probe.frames, "http_requests": probe.requests, "dom_nodes": dom,
           "elements": dict(probe.kinds.most_common())}
    for k in METRICS:
        if k in ("Nodes", "JSHeapUsedSize"):
            continue
        # a new document resets the counters: then the value after is the whole cost
        d = after_m.get(k, 0) - before_m.get(k, 0)
        out[k] = round(d if d >= 0 else after_m.get(k, 0), 3)
    return out


def walk_app(browser, base: str) -> dict:
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(SAMPLER_JS)
    page = ctx.new_page()
    watcher, probe = RunWatcher(page), Probe(page)
    res = {}
    try:
        res["fresh"] = measure(page, watcher, probe, lambda: page.goto(base, wait_until="commit"))
        res["reload"] = measure(page, watcher, probe,
                                lambda: page.reload(wait_until="commit"))
        res["month"] = measure(page, watcher, probe,
                               choose_next(page, month_box(page), _plan()))
        res["region"] = measure(page, watcher, probe,
                                lambda: page.locator(".cx-heat a").first.click())
        page.wait_for_function("() => location.search.includes('region=')")
        res["location"] = measure(page, watcher, probe,
                                  lambda: page.locator(".cx-heat a").first.click())
        page.wait_for_function("() => location.search.includes('location=')")
        res["back"] = measure(page, watcher, probe, page.go_back)
    finally:
        ctx.close()
    return res


def walk_floor(browser, base: str) -> dict:
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(SAMPLER_JS)
    page = ctx.new_page()
    watcher, probe = RunWatcher(page), Probe(page)
    try:
        return {
            "fresh": measure(page, watcher, probe, lambda: page.goto(base, wait_until="commit")),
            "reload": measure(page, watcher, probe, lambda: page.reload(wait_until="commit")),
            "select": measure(page, watcher, probe, choose_next(page, month_box(page), _plan())),
        }
    finally:
        ctx.close()


def _plan():
    from browser_bench import Plan

    return Plan()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", required=True)
    ap.add_argument("--floor")
    ap.add_argument("--passes", type=int, default=2, help="walks; the first fills the caches")
    ap.add_argument("--json")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        try:
            for i in range(args.passes):
                if args.floor:
                    out[f"floor{i}"] = walk_floor(browser, args.floor)
                out[f"app{i}"] = walk_app(browser, args.app)
        finally:
            browser.close()
    for name, walk in out.items():
        for action, r in walk.items():
            els = ", ".join(f"{k} {v}" for k, v in list(r["elements"].items())[:8])
            print(f"{name:6} {action:8} drawn {r['drawn_s']:5.2f}s first-message "
                  f"{r['first_frame_s']}s script-end {r['script_end_s']}s "
                  f"ws+{r['new_websocket']} {r['ws_kb']:7.1f} kB "
                  f"{r['ws_msgs']:4d} msgs req {r['http_requests']:3d} dom {r['dom_nodes']:5d} "
                  f"task {r['TaskDuration']:.2f} js {r['ScriptDuration']:.2f} layout "
                  f"{r['LayoutDuration']:.2f} style {r['RecalcStyleDuration']:.2f} | {els}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
