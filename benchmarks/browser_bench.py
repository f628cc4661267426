"""Browser benchmark: what a click costs on the page, as a ratio to a bare Streamlit page.

Run from the repository root (about 4 min at the defaults on a quiet 2-core machine):

    python benchmarks/browser_bench.py --scale 1 --reps 5

Starts two servers with `streamlit run` on free localhost ports: the app on the demo warehouse
(built once per scale with `sample_data.load.build_demo_with_rollup` and cached in --workdir) and
a bare floor page written by this script (five `st.metric` tiles and a selectbox). Debian's
Chromium (never a downloaded browser) at 1440x900 then walks both, repetition after repetition,
floor and app interleaved so that the machine's load hits both alike:

- app: fresh company page in a new browser context, reload, month change (the month selectbox),
  region click, location click, back to the company;
- floor: fresh page, reload, selectbox change.

A first pass (not in the medians) visits every view once: its figures are the "first visit" of a
view (server caches cold for it, except what the app's background warm-up, dashboard/prefetch.py,
computed before the click); every later repetition shows cached views. After the repetitions,
`--first-passes` - 1 more first passes (default 2) each run on a newly started app server, so a
first visit is the median of several clicks, not one. The clicks use the
page's own elements (a drill link, a button named after the region or location, a league-table
row, a bar), discovered on the first pass; when none works the benchmark opens the view's URL
instead and says so. Each action is timed until the page is drawn (`browser_idle.py`: a finished
script run, then no status widget, no stale element, no undrawn chart and an unchanged page for
0.8 s; the time is when the page last changed). Last, the server-side Python of a cached rerun is
timed with Streamlit's AppTest (no browser).

Prints the figures and writes them (medians, spread, ratios to the floor, the goals of issue 13,
load average at start and end) into the `browser_bench` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import doc_section  # noqa: E402
from browser_clicks import CHROMIUM, Names, run_browser, write_floor  # noqa: E402
from browser_report import TITLE, evaluate, render  # noqa: E402

from benchmarks.common import git_commit, log  # noqa: E402
from benchmarks.servers import Server, start_streamlit  # noqa: E402

SECTION = "browser_bench"
SEED = 2026


# --- server-side Python of a rerun (AppTest, no browser) ---------------------------------------


def server_timing(url: str, views: dict[str, dict[str, str]], floor_script: Path,
                  reruns: int = 5) -> dict:
    """Milliseconds of one script run in Streamlit's AppTest: first run, then cached reruns."""
    from streamlit.testing.v1 import AppTest

    os.environ["CX_WAREHOUSE_URL"] = url

    def timed(script: Path, params: dict[str, str]) -> dict:
        at = AppTest.from_file(str(script), default_timeout=300)
        for k, v in params.items():
            at.query_params[k] = v
        t = time.perf_counter()
        at.run()
        first = (time.perf_counter() - t) * 1000
        if at.exception:
            raise RuntimeError(f"{script.name} {params}: {at.exception[0].value[:200]}")
        runs = []
        for _ in range(reruns):
            t = time.perf_counter()
            at.run()
            runs.append((time.perf_counter() - t) * 1000)
        return {"first_ms": first, "rerun_ms": runs}

    app = ROOT / "dashboard" / "app.py"
    out = {"floor": timed(floor_script, {})}
    out["company"] = timed(app, {k: v for k, v in views.get("region", {}).items()
                                 if k == "month"})
    for view in ("region", "location"):
        if view in views:
            out[view] = timed(app, views[view])
    return out


# --- main ----------------------------------------------------------------------------------------


def warehouse(args) -> tuple[str, str]:
    """(url, description): --url as given, else the demo at --scale, built once and cached."""
    if args.url:
        return args.url, f"`{args.url.split('://')[0]}` warehouse given with --url"
    from benchmarks.page.warehouses import ensure_duckdb

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    url, _ = ensure_duckdb(workdir, args.scale, SEED)
    marker = Path(url.removeprefix("duckdb:///")).with_suffix(".json")
    counts = json.loads(marker.read_text()).get("counts", {})
    n = counts.get("survey_responses")
    size = f"{n:,} survey responses" if n else "size unknown"
    return url, (f"the demo at scale {args.scale:g} (seed {SEED}, {size}, monthly rollup), "
                 "DuckDB file")


def names_of(url: str) -> Names:
    from queries import scope as sc
    from queries.sql.engine import make_engine

    eng = make_engine(url)
    try:
        dims = sc.load_dims(eng)
    finally:
        eng.dispose()
    return Names(
        regions=dict(zip(dims.regions.region_id, dims.regions.region_name, strict=True)),
        locations={str(k): (str(n), str(r)) for k, n, r in zip(
            dims.locations.location_id, dims.locations.location_name,
            dims.locations.region_id, strict=True)},
    )


def chromium_version() -> str:
    try:
        return subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True,
                              timeout=30).stdout.strip() or "Chromium"
    except (OSError, subprocess.TimeoutExpired):
        return "Chromium"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="demo scale (1 = ~1M responses)")
    ap.add_argument("--reps", type=int, default=5, help="repetitions after the first pass")
    ap.add_argument("--url", help="an existing warehouse instead of the demo")
    ap.add_argument("--workdir", default=str(ROOT / ".demo" / "bench"),
                    help="where demo DuckDB files are built and kept")
    ap.add_argument("--out", default=str(ROOT / "docs" / "performance.md"),
                    help="Markdown file whose browser_bench section is (re)written; '-' = none")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--section", default=SECTION,
                    help="name of the generated section of --out to write (e.g. a 'before' run)")
    ap.add_argument("--title", default=TITLE, help="heading of that section")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per action at most")
    ap.add_argument("--note", help="a remark printed with the machine's load")
    ap.add_argument("--first-passes", type=int, default=3,
                    help="first passes in all, each but the first on a newly started app "
                         "server, so first visits are a median (default 3)")
    ap.add_argument("--no-server-timing", action="store_true",
                    help="skip the AppTest timing of the server-side rerun")
    ap.add_argument("--from-json", help="rewrite the report from saved results, no measuring")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json:
        res = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
        return publish(res, args)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found (apt-get install -y chromium)", file=sys.stderr)
        return 2
    from importlib.metadata import version

    import streamlit

    t_start = time.monotonic()
    url, described = warehouse(args)
    names = names_of(url)
    res: dict = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "commit": git_commit(),
        "command": "python benchmarks/browser_bench.py " + shlex.join(
            argv if argv is not None else sys.argv[1:]),
        "cpus": os.cpu_count(), "loadavg_start": list(os.getloadavg()), "reps": args.reps,
        "warehouse": described, "note": args.note, "streamlit": streamlit.__version__,
        "playwright": version("playwright"), "chromium": chromium_version(),
    }
    env = dict(os.environ, CX_WAREHOUSE_URL=url)
    res["first_passes"] = args.first_passes
    with tempfile.TemporaryDirectory(prefix="cx-floor-") as tmp:
        floor_script = write_floor(Path(tmp))
        apps = [start_streamlit(ROOT / "dashboard" / "app.py", ROOT, env)]

        def restart() -> Server:
            apps[-1].stop()
            apps.append(start_streamlit(ROOT / "dashboard" / "app.py", ROOT, env))
            return apps[-1]

        try:
            floor = start_streamlit(floor_script, Path(tmp), env)
            try:
                log(f"app at {apps[0].base}, floor at {floor.base}; {args.reps} repetitions, "
                    f"{args.first_passes} first passes")
                res |= run_browser(apps[0], floor, names, args.reps, args.timeout, restart,
                                   args.first_passes)
            finally:
                floor.stop()
        finally:
            apps[-1].stop()
        if not args.no_server_timing:
            log("server-side rerun timing (AppTest)")
            res["server"] = server_timing(url, res.get("views", {}), floor_script)
    res["loadavg_end"] = list(os.getloadavg())
    res["elapsed_s"] = time.monotonic() - t_start
    return publish(res, args)


def publish(res: dict, args: argparse.Namespace) -> int:
    """Prints the report and writes it into the doc's section; 1 when a figure is missing."""
    res["goals"] = evaluate(res)
    res["title"] = args.title
    report = render(res)
    print(report)
    if args.json and not args.from_json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    if args.out != "-":
        out = Path(args.out)
        text = out.read_text(encoding="utf-8") if out.exists() else "# Performance\n"
        out.write_text(doc_section.replace(text, args.section, report), encoding="utf-8")
        log(f"wrote the {args.section} section of {out}")
    complete = all(r["app"].get("n") and r["floor"].get("n") for r in res["goals"])
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
