"""Load test: many real sessions against `streamlit run`, for minutes, not a unit test.

Starts the app on a free localhost port. First one visitor alone sets the single-session figures
(after one unrecorded pass that fills the caches): a websocket session runs every view once, and
one headless Chromium page (Debian's /usr/bin/chromium, never a downloaded browser) opens
--baseline-pages views. Then N concurrent Streamlit websocket clients (the protocol the browser
speaks: BackMsg rerun requests, ForwardMsg deltas) walk company -> region -> location views until
the time is up, each a real server session running the whole page script, while a few Chromium
pages time a page really drawn in a browser under that load. A page counts as drawn as in the
browser benchmark (`browser_idle.py`: a finished script run, then no status widget, stale element
or undrawn chart and an unchanged page for 0.8 s), so the test keeps working as the page changes.

Prints and writes: p50/p95 time to a drawn page under load against the single-session value
(goal: at most 3x), errors (goal 0: exceptions, error banners, failed runs, timeouts) and the
server's memory over time (goal: flat, the last third's peak within 10% of the middle third's).

On a 2-core machine, 25 Chromium pages drawing a heavy page saturate the CPU on the client side
(seen: p50 70 s, timeouts), which measures the test machine, not the app; hence websocket sessions
for the load and a few browsers for the user's view.

    python benchmarks/load_test.py --sessions 25 --browsers 2 --minutes 4 --out docs/load-test.md
    python benchmarks/load_test.py --sessions 2 --browsers 1 --seconds 20   # a dry run, ~1.5 min
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from browser_idle import SAMPLER_JS, RunWatcher, await_drawn  # noqa: E402

from benchmarks.servers import free_port  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1440, "height": 900}
PAGE_TIMEOUT_S = 90
GOAL_RATIO = 3.0  # p50 under load / single session, at most
GOAL_GROWTH_PCT = 10.0  # memory: last-third peak over middle-third peak, at most


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Stats:
    times: list[float] = field(default_factory=list)  # browser: goto -> page drawn
    ws_times: list[float] = field(default_factory=list)  # websocket: rerun -> script finished
    errors: list[str] = field(default_factory=list)
    memory: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)


def sample_memory(pid: int, stats: Stats, stop: threading.Event, t0: float) -> None:
    while not stop.is_set():
        try:
            stats.memory.append((time.monotonic() - t0, rss_mb(pid)))
        except OSError:
            return
        stop.wait(5)


def views(regions: list[str], locations: dict[str, list[str]], month: str) -> list[str]:
    out = [f"?month={month}"]
    for r in regions:
        out.append(f"?region={r}&month={month}")
        out += [f"?region={r}&location={loc}&month={month}" for loc in locations[r][:3]]
    return out


async def browser_view(page, watcher: RunWatcher, url: str) -> float:
    """Seconds from navigation to the page drawn (browser_idle's definition)."""
    before, t0 = watcher.finished, time.time() * 1000
    await page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_S * 1000)
    return await await_drawn(page, watcher, before, t0, PAGE_TIMEOUT_S)


async def session(browser, base: str, paths: list[str], deadline: float, stats: Stats,
                  seed: int, limit: int | None = None) -> None:
    """One Chromium page opening random views until the deadline (or `limit` views)."""
    rng = random.Random(seed)
    ctx = await browser.new_context(viewport=VIEWPORT)
    await ctx.add_init_script(SAMPLER_JS)
    page = await ctx.new_page()
    watcher = RunWatcher(page)
    done = 0
    try:
        while time.monotonic() < deadline and (limit is None or done < limit):
            path = rng.choice(paths)
            seen = len(watcher.errors)
            try:
                seconds = await browser_view(page, watcher, base + path)
                shown = await page.locator('[data-testid="stException"]').count()
                if shown or len(watcher.errors) > seen:
                    stats.errors.append(f"{path}: exception shown")
                else:
                    stats.times.append(seconds)
            except Exception as exc:  # noqa: BLE001 - every failure is counted, none hidden
                stats.errors.append(f"{path}: {type(exc).__name__}: {str(exc)[:120]}")
            done += 1
            await asyncio.sleep(rng.uniform(0.5, 2.0))  # a person reads the page
    finally:
        await ctx.close()


async def ws_view(ws, path: str) -> tuple[float, list[str]]:
    """One full rerun of the page script for `path`: (seconds, problems seen)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.query_string = path.lstrip("?")
    t = time.monotonic()
    await ws.send(msg.SerializeToString())
    bad = []
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), PAGE_TIMEOUT_S))
        kind = fm.WhichOneof("type")
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            if el.WhichOneof("type") == "exception":
                bad.append("exception: " + el.exception.message[:100])
            elif el.WhichOneof("type") == "alert" and el.alert.format == 1:
                bad.append("error banner: " + el.alert.body[:100])
        if kind == "script_finished":
            if fm.script_finished not in (0, 3):  # finished successfully (whole run, fragment)
                bad.append(f"script_finished={fm.script_finished}")
            return time.monotonic() - t, bad


def ws_connect(port: int):
    import websockets

    return websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream",
                              subprotocols=["streamlit"], max_size=None)


async def ws_session(port: int, paths: list[str], deadline: float, stats: Stats, seed: int,
                     views_per_visit: int = 5) -> None:
    """One visitor after another on a websocket: each view is a full rerun of the page script."""
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        try:
            async with ws_connect(port) as ws:
                for _ in range(views_per_visit):
                    if time.monotonic() >= deadline:
                        break
                    path = rng.choice(paths)
                    seconds, bad = await ws_view(ws, path)
                    if bad:
                        stats.errors.append(f"ws {path}: {'; '.join(bad)}")
                    else:
                        stats.ws_times.append(seconds)
                    await asyncio.sleep(rng.uniform(0.5, 2.0))  # a person reads the page
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none hidden
            stats.errors.append(f"ws: {type(exc).__name__}: {str(exc)[:120]}")


async def ws_walk(port: int, paths: list[str], stats: Stats) -> None:
    """Every view once on one websocket, nobody else on the server."""
    try:
        async with ws_connect(port) as ws:
            for path in paths:
                seconds, bad = await ws_view(ws, path)
                if bad:
                    stats.errors.append(f"ws {path}: {'; '.join(bad)}")
                else:
                    stats.ws_times.append(seconds)
    except Exception as exc:  # noqa: BLE001 - every failure is counted, none hidden
        stats.errors.append(f"ws: {type(exc).__name__}: {str(exc)[:120]}")


async def drive(base: str, port: int, paths: list[str], args, single: Stats, stats: Stats,
                on_load_start) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = (await p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
                   if args.browsers or args.baseline_pages else None)
        try:
            await ws_walk(port, paths, Stats())  # fills the caches: not recorded
            await ws_walk(port, paths, single)  # one session alone
            if browser and args.baseline_pages:
                await session(browser, base, paths, time.monotonic() + 3600, single, 7,
                              limit=args.baseline_pages)
            on_load_start()
            deadline = time.monotonic() + args.seconds
            clients = [ws_session(port, paths, deadline, stats, i) for i in range(args.sessions)]
            pages = [session(browser, base, paths, deadline, stats, 1000 + i)
                     for i in range(args.browsers)] if browser else []
            await asyncio.gather(*clients, *pages)
        finally:
            if browser:
                await browser.close()


def demo_scopes(url: str) -> tuple[list[str], dict[str, list[str]], str]:
    sys.path.insert(0, str(ROOT))
    from queries import scope as sc
    from queries.scorecard import latest_complete_month
    from queries.sql.aggregate import freshness
    from queries.sql.engine import make_engine

    eng = make_engine(url)
    dims = sc.load_dims(eng)
    month = latest_complete_month(freshness(eng)[1])
    eng.dispose()
    regions = list(dims.regions.region_id)[:3]
    locs = {r: list(dims.locations.loc[dims.locations.region_id == r, "location_id"])
            for r in regions}
    return regions, locs, month.strftime("%Y-%m")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=25, help="websocket sessions")
    ap.add_argument("--browsers", type=int, default=2, help="Chromium pages alongside")
    ap.add_argument("--minutes", type=float, default=4.0, help="length of the load phase")
    ap.add_argument("--seconds", type=float, help="length of the load phase (overrides minutes)")
    ap.add_argument("--baseline-pages", type=int, default=6,
                    help="pages the single browser opens alone for the single-session figure")
    ap.add_argument("--url", help="warehouse URL (default: the demo file, built if absent)")
    ap.add_argument("--out", type=Path, help="write the figures to this Markdown file")
    args = ap.parse_args(argv)
    args.seconds = args.seconds if args.seconds is not None else args.minutes * 60
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from queries import config

    url = args.url or config.resolve().url
    if config.resolve(args.url).is_demo and not config.demo_path().exists():
        subprocess.run([sys.executable, "-m", "cli", "build-demo"], check=True,
                       cwd=ROOT)
    regions, locs, month = demo_scopes(url)
    paths = views(regions, locs, month)
    port = free_port()
    env = dict(os.environ, CX_WAREHOUSE_URL=url)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.headless", "true", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    single, stats, stop = Stats(), Stats(), threading.Event()
    load = {"start": list(os.getloadavg())}
    sampler: list[threading.Thread] = []

    def on_load_start() -> None:
        t0 = time.monotonic()
        sampler.append(threading.Thread(target=sample_memory, args=(server.pid, stats, stop, t0)))
        sampler[0].start()
        print(f"load test: {args.sessions} websocket sessions + {args.browsers} browsers x "
              f"{args.seconds:g} s over {len(paths)} views on port {port}", file=sys.stderr)

    try:
        base = f"http://127.0.0.1:{port}/"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        print(f"single session: every view once ({len(paths)} views), then "
              f"{args.baseline_pages} pages in one browser", file=sys.stderr)
        asyncio.run(drive(base, port, paths, args, single, stats, on_load_start))
    finally:
        stop.set()
        for t in sampler:
            t.join()
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    load["end"] = list(os.getloadavg())
    report = render(args, single, stats, len(paths), load)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    errors = single.errors + stats.errors
    return 1 if errors or not stats.ws_times else 0


def pct(values: list[float]) -> tuple[float, float]:
    v = sorted(values)
    if not v:
        return float("nan"), float("nan")
    return statistics.median(v), v[int(0.95 * (len(v) - 1))]


def memory_growth(mem: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(middle-third peak, last-third peak, growth in %) of the RSS samples."""
    third = max(1, len(mem) // 3)
    mid_peak = max((m for _, m in mem[third:2 * third]), default=float("nan"))
    end_peak = max((m for _, m in mem[2 * third:]), default=float("nan"))
    growth = (end_peak - mid_peak) / mid_peak * 100 if mid_peak == mid_peak else float("nan")
    return mid_peak, end_peak, growth


def ratio_row(what: str, under_load: float, alone: float) -> str:
    ratio = under_load / alone if alone == alone and alone > 0 else float("nan")
    verdict = ("not measured" if ratio != ratio
               else "met" if ratio <= GOAL_RATIO else "**NOT met**")
    return (f"| {what}: p50 under load / single session <= {GOAL_RATIO:g}x | "
            f"{under_load:.2f} / {alone:.2f} s = {ratio:.2f}x | {verdict} |")


def render(args, single: Stats, stats: Stats, n_views: int, load: dict) -> str:
    p50, p95 = pct(stats.times)
    w50, w95 = pct(stats.ws_times)
    s50, _ = pct(single.times)
    sw50, _ = pct(single.ws_times)
    mem = stats.memory
    mid_peak, end_peak, growth = memory_growth(mem)
    errors = single.errors + stats.errors
    flat = ("not measured" if growth != growth
            else "met" if growth <= GOAL_GROWTH_PCT else "**NOT met**")
    cmd = (f"python benchmarks/load_test.py --sessions {args.sessions} --browsers "
           f"{args.browsers} --seconds {args.seconds:g}")
    la0, la1 = load["start"], load["end"]
    lines = [
        "# Load test", "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores (server, clients "
        f"and browsers on the same machine; load average {la0[0]:.2f} before, {la1[0]:.2f} "
        f"after): `{cmd}`.",
        "", "## Goals", "",
        "| goal | measured | verdict |", "|---|---|---|",
        ratio_row("time to a drawn page, browser", p50, s50),
        ratio_row("script run, websocket", w50, sw50),
        f"| errors = 0 | {len(errors)} | {'met' if not errors else '**NOT met**'} |",
        f"| memory flat: last-third peak <= middle-third peak + {GOAL_GROWTH_PCT:g}% | "
        f"{mid_peak:.0f} -> {end_peak:.0f} MB ({growth:+.1f}%) | {flat} |",
        "", "## Figures", "",
        "| figure | value |", "|---|---|",
        f"| concurrent sessions | {args.sessions} websocket + {args.browsers} Chromium |",
        f"| duration of the load | {args.seconds:g} s |",
        f"| views in rotation | {n_views} (company, regions, locations) |",
        f"| single session: p50 script run (websocket, each view once) | {sw50:.2f} s "
        f"(n={len(single.ws_times)}) |",
        f"| single session: p50 time to a drawn page (one browser alone) | {s50:.2f} s "
        f"(n={len(single.times)}) |",
        f"| page runs completed under load (websocket) | {len(stats.ws_times)} |",
        f"| pages drawn under load (browser) | {len(stats.times)} |",
        f"| errors | {len(errors)} |",
        f"| p50 / p95 script run under load, websocket (rerun -> script finished) | "
        f"{w50:.2f} / {w95:.2f} s |",
        f"| p50 / p95 time to a drawn page under load, browser (goto -> drawn) | "
        f"{p50:.2f} / {p95:.2f} s |",
        f"| server memory: start of load / middle-third peak / last-third peak | "
        f"{mem[0][1] if mem else float('nan'):.0f} / {mid_peak:.0f} / {end_peak:.0f} MB |",
        "",
        "A page is drawn when a script run has finished and the page then shows no status "
        "widget, stale element or undrawn chart and stays unchanged for 0.8 s "
        "(`benchmarks/browser_idle.py`, shared with the browser benchmark); the time is when "
        "it last changed. The single-session figures come first in the same run, after one "
        "unrecorded pass over every view that fills the caches.",
        "",
        "Re-run on a quiet machine (nothing else running) for the figures of record, about "
        "1-2 min of single-session figures and then the load: `python benchmarks/load_test.py "
        "--sessions 25 --browsers 2 --minutes 4 --out docs/load-test.md`. A dry run that only "
        "checks the script works: `--sessions 2 --browsers 1 --seconds 20` (about 1.5 min).",
        "", "Server memory (RSS) over time:", "", "| t (s) | RSS (MB) |", "|---|---|",
        *(f"| {t:.0f} | {m:.0f} |" for t, m in mem[:: max(1, len(mem) // 12)]),
        "",
    ]
    if errors:
        lines += ["Errors:", "", *(f"- {e}" for e in errors[:20]), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
