"""Load test: many real sessions against `streamlit run`, for minutes, not a unit test.

Starts the app on a free localhost port. N concurrent Streamlit websocket clients (the protocol
the browser speaks: BackMsg rerun requests, ForwardMsg deltas) walk company -> region -> location
views until the time is up, each a real server session running the whole page script; a few
headless Chromium pages (Debian's /usr/bin/chromium, never a downloaded browser) run alongside
to time a page really drawn in a browser under that load. Prints and writes: errors (must be 0:
exceptions, error banners, failed runs, timeouts), p50/p95 time to a rendered page, and the
server's memory over time (must level off).

On a 2-core machine, 25 Chromium pages drawing ~15 Plotly charts each saturate the CPU on the
client side (seen: p50 70 s, timeouts), which measures the test machine, not the app; hence
websocket sessions for the load and a few browsers for the user's view.

    python benchmarks/load_test.py --sessions 25 --browsers 2 --minutes 4 --out docs/load-test.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
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
CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Stats:
    times: list[float] = field(default_factory=list)  # browser: goto -> tiles and a chart drawn
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


async def session(browser, base: str, paths: list[str], deadline: float, stats: Stats,
                  seed: int) -> None:
    rng = random.Random(seed)
    ctx = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await ctx.new_page()
    try:
        while time.monotonic() < deadline:
            path = rng.choice(paths)
            t = time.monotonic()
            try:
                await page.goto(base + path, wait_until="domcontentloaded", timeout=90_000)
                # The drawn page: the verdict and the KPI tiles (no chart is drawn up front).
                await page.wait_for_selector(".cx-verdict", timeout=90_000)
                await page.wait_for_selector(".cx-tile", timeout=90_000)
                if await page.locator('[data-testid="stException"]').count():
                    stats.errors.append(f"{path}: exception shown")
                else:
                    stats.times.append(time.monotonic() - t)
            except Exception as exc:  # noqa: BLE001 - every failure is counted, none hidden
                stats.errors.append(f"{path}: {type(exc).__name__}: {str(exc)[:120]}")
            await asyncio.sleep(rng.uniform(0.5, 2.0))  # a person reads the page
    finally:
        await ctx.close()


async def ws_session(port: int, paths: list[str], deadline: float, stats: Stats, seed: int,
                     views_per_visit: int = 5) -> None:
    """One visitor after another on a websocket: each view is a full rerun of the page script."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    rng = random.Random(seed)
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    while time.monotonic() < deadline:
        try:
            async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as ws:
                for _ in range(views_per_visit):
                    if time.monotonic() >= deadline:
                        break
                    path = rng.choice(paths)
                    msg = BackMsg()
                    msg.rerun_script.query_string = path.lstrip("?")
                    t = time.monotonic()
                    await ws.send(msg.SerializeToString())
                    bad = []
                    while True:
                        fm = ForwardMsg()
                        fm.ParseFromString(await asyncio.wait_for(ws.recv(), 90))
                        kind = fm.WhichOneof("type")
                        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                            el = fm.delta.new_element
                            if el.WhichOneof("type") == "exception":
                                bad.append("exception: " + el.exception.message[:100])
                            elif el.WhichOneof("type") == "alert" and el.alert.format == 1:
                                bad.append("error banner: " + el.alert.body[:100])
                        if kind == "script_finished":
                            if fm.script_finished != 0:  # 0 = finished successfully
                                bad.append(f"script_finished={fm.script_finished}")
                            break
                    if bad:
                        stats.errors.append(f"ws {path}: {'; '.join(bad)}")
                    else:
                        stats.ws_times.append(time.monotonic() - t)
                    await asyncio.sleep(rng.uniform(0.5, 2.0))  # a person reads the page
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none hidden
            stats.errors.append(f"ws: {type(exc).__name__}: {str(exc)[:120]}")


async def drive(base: str, port: int, paths: list[str], sessions: int, browsers: int,
                minutes: float, stats: Stats):
    from playwright.async_api import async_playwright

    deadline = time.monotonic() + minutes * 60
    clients = [ws_session(port, paths, deadline, stats, i) for i in range(sessions)]
    if not browsers:
        await asyncio.gather(*clients)
        return
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        await asyncio.gather(*clients, *(session(browser, base, paths, deadline, stats, 1000 + i)
                                         for i in range(browsers)))
        await browser.close()


def demo_scopes(url: str) -> tuple[list[str], dict[str, list[str]], str]:
    sys.path.insert(0, str(ROOT))
    from queries import scope as sc
    from queries.aggregate import freshness
    from queries.engine import make_engine
    from queries.scorecard import latest_complete_month

    eng = make_engine(url)
    dims = sc.load_dims(eng)
    month = latest_complete_month(freshness(eng)[1])
    eng.dispose()
    regions = list(dims.regions.region_id)[:3]
    locs = {r: list(dims.locations.loc[dims.locations.region_id == r, "location_id"])
            for r in regions}
    return regions, locs, month.strftime("%Y-%m")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=25, help="websocket sessions")
    ap.add_argument("--browsers", type=int, default=2, help="Chromium pages alongside")
    ap.add_argument("--minutes", type=float, default=4.0)
    ap.add_argument("--url", help="warehouse URL (default: the demo file, built if absent)")
    ap.add_argument("--out", type=Path, help="write the figures to this Markdown file")
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT))
    from queries import config

    url = args.url or config.resolve().url
    if config.resolve(args.url).is_demo and not config.demo_path().exists():
        subprocess.run([sys.executable, "-m", "dashboard.cli", "build-demo"], check=True,
                       cwd=ROOT)
    regions, locs, month = demo_scopes(url)
    paths = views(regions, locs, month)
    port = free_port()
    env = dict(os.environ, CX_WAREHOUSE_URL=url)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    stats, stop = Stats(), threading.Event()
    try:
        base = f"http://127.0.0.1:{port}/"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        t0 = time.monotonic()
        sampler = threading.Thread(target=sample_memory, args=(server.pid, stats, stop, t0))
        sampler.start()
        print(f"load test: {args.sessions} websocket sessions + {args.browsers} browsers x "
              f"{args.minutes} min over {len(paths)} views on port {port}", file=sys.stderr)
        asyncio.run(drive(base, port, paths, args.sessions, args.browsers, args.minutes, stats))
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    report = render(args, stats, len(paths))
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 1 if stats.errors or not stats.ws_times else 0


def pct(values: list[float]) -> tuple[float, float]:
    v = sorted(values)
    if not v:
        return float("nan"), float("nan")
    return statistics.median(v), v[int(0.95 * (len(v) - 1))]


def render(args, stats: Stats, n_views: int) -> str:
    p50, p95 = pct(stats.times)
    w50, w95 = pct(stats.ws_times)
    mem = stats.memory
    third = max(1, len(mem) // 3)
    mid_peak = max((m for _, m in mem[third:2 * third]), default=float("nan"))
    end_peak = max((m for _, m in mem[2 * third:]), default=float("nan"))
    growth = (end_peak - mid_peak) / mid_peak * 100 if mid_peak == mid_peak else float("nan")
    lines = [
        "# Load test", "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores (server, clients "
        "and browsers on the same machine): `python benchmarks/load_test.py --sessions "
        f"{args.sessions} --browsers {args.browsers} --minutes {args.minutes:g}`.",
        "", "| figure | value |", "|---|---|",
        f"| concurrent sessions | {args.sessions} websocket + {args.browsers} Chromium |",
        f"| duration | {args.minutes:g} min |",
        f"| views in rotation | {n_views} (company, regions, locations) |",
        f"| page runs completed (websocket) | {len(stats.ws_times)} |",
        f"| pages drawn (browser) | {len(stats.times)} |",
        f"| errors | {len(stats.errors)} |",
        f"| p50 / p95 time to a rendered page, websocket (rerun -> script finished) | "
        f"{w50:.2f} / {w95:.2f} s |",
        f"| p50 / p95 time to a rendered page, browser (goto -> tiles + chart drawn) | "
        f"{p50:.2f} / {p95:.2f} s |",
        f"| server memory: start / middle-third peak / last-third peak | "
        f"{mem[0][1] if mem else float('nan'):.0f} / {mid_peak:.0f} / {end_peak:.0f} MB |",
        f"| growth from middle to last third | {growth:+.1f}% |", "",
        "Server memory (RSS) over time:", "", "| t (s) | RSS (MB) |", "|---|---|",
        *(f"| {t:.0f} | {m:.0f} |" for t, m in mem[:: max(1, len(mem) // 12)]),
        "",
    ]
    if stats.errors:
        lines += ["Errors:", "", *(f"- {e}" for e in stats.errors[:20]), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
