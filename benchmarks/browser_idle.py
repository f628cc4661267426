"""When is a Streamlit page really drawn? One definition shared by the browser benchmarks.

A page counts as drawn when (1) the server has finished a script run started by the action (a
`script_finished` message on the page's websocket: the status widget alone is no proof, Streamlit
shows it only after 500 ms of running) and (2) the page has been idle for `QUIET_MS`: no status
widget, no stale or skeleton element, no visible chart still without its drawing, and an unchanged
signature (element counts, drawn charts, text length, URL). The time of the action is the moment
the page last changed, not the end of the quiet window, so waiting never adds to the figure.

Works with Playwright's sync and async APIs and with any page: it looks only at Streamlit's own
test ids, never at the app's content.
"""

from __future__ import annotations

import asyncio
import time

QUIET_MS = 800
POLL_MS = 50
EARLY_FOR_RERUN = 2  # ForwardMsg.ScriptFinishedStatus: a rerun follows, the page is not done

# Installed in every document (context.add_init_script): samples the page every POLL_MS and keeps
# the time of the last change in window.__cxIdle.since (epoch ms, the same clock as time.time()).
SAMPLER_JS = """
(() => {
  if (window.__cxIdle) return;
  const state = {sig: null, since: Date.now(), busy: true};
  window.__cxIdle = state;
  const shown = el => el.getClientRects().length > 0;
  const all = s => document.querySelectorAll(s);
  const BUSY = '[data-testid="stStatusWidget"], [data-stale="true"], [data-testid="stSkeleton"],'
             + ' [data-testid="stAppSkeleton"]';
  const sample = () => {
    const main = document.querySelector('[data-testid="stMain"]');
    let pending = 0;
    for (const el of all('[data-testid="stPlotlyChart"]'))
      if (shown(el) && !el.querySelector('.main-svg')) pending++;
    for (const el of all('[data-testid="stVegaLiteChart"]'))
      if (shown(el) && !el.querySelector('canvas, svg')) pending++;
    const busy = !main || document.readyState !== 'complete' || pending > 0
                 || !!document.querySelector(BUSY);
    const sig = [busy, pending, all('[data-testid="stElementContainer"]').length,
                 all('.main-svg').length, all('canvas').length, all('svg').length,
                 main ? main.textContent.length : -1, location.search].join('|');
    if (sig !== state.sig) { state.sig = sig; state.since = Date.now(); }
    state.busy = busy;
  };
  sample();
  setInterval(sample, POLL_MS);
})();
""".replace("POLL_MS", str(POLL_MS))

# Resolves to the time of the last change once the page is idle and has been for `quiet` ms.
DONE_JS = """
([quiet]) => {
  const s = window.__cxIdle;
  if (!s || s.busy) return false;
  return Date.now() - s.since >= quiet ? s.since : false;
}
"""


class RunWatcher:
    """Counts finished script runs (and error elements) on every websocket a page opens."""

    def __init__(self, page) -> None:
        self.finished = 0
        self.finished_ms = 0.0  # epoch ms of the last script_finished
        self.errors: list[str] = []
        page.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        if "_stcore/stream" in ws.url:
            ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes | bytearray):
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(bytes(payload))
        except Exception:  # noqa: BLE001 - a frame that is not a ForwardMsg is not ours
            return
        kind = msg.WhichOneof("type")
        if kind == "script_finished" and msg.script_finished != EARLY_FOR_RERUN:
            self.finished += 1
            self.finished_ms = time.time() * 1000
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "exception":
                self.errors.append("exception: " + el.exception.message[:120])


def _elapsed(t0_ms: float, since: float, watcher: RunWatcher) -> float:
    return (max(float(since), watcher.finished_ms) - t0_ms) / 1000


def wait_drawn(page, watcher: RunWatcher, before: int, t0_ms: float,
               timeout_s: float = 120) -> float:
    """Seconds from t0_ms (epoch ms) until the page was drawn after a run numbered > before."""
    deadline = time.monotonic() + timeout_s
    while watcher.finished <= before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no script run finished within {timeout_s:.0f} s")
        page.wait_for_timeout(POLL_MS)
    left = max(1.0, deadline - time.monotonic())
    since = page.wait_for_function(DONE_JS, arg=[QUIET_MS], polling=POLL_MS,
                                   timeout=left * 1000).json_value()
    return _elapsed(t0_ms, since, watcher)


async def await_drawn(page, watcher: RunWatcher, before: int, t0_ms: float,
                      timeout_s: float = 120) -> float:
    """`wait_drawn` for Playwright's async API."""
    deadline = time.monotonic() + timeout_s
    while watcher.finished <= before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no script run finished within {timeout_s:.0f} s")
        await asyncio.sleep(POLL_MS / 1000)
    left = max(1.0, deadline - time.monotonic())
    handle = await page.wait_for_function(DONE_JS, arg=[QUIET_MS], polling=POLL_MS,
                                          timeout=left * 1000)
    return _elapsed(t0_ms, await handle.json_value(), watcher)
