"""Server-side Python time of one rerun of a cached view (issue 13's "under 100 ms" goal).

Runs the page script with Streamlit's AppTest on a warehouse: one cold run per view fills the
caches, then `--reps` reruns are timed (a rerun is what a reload, a month change back to a seen
month, or a click costs on the server once the view's results are cached). With `--baseline
ROOT` the same measurement runs for another checkout of the project (for example the main
branch before the redesign) in a separate process, in the same run, and the ratio is printed.
AppTest adds a little of its own work to every run, the same for both pages.

    .venv/bin/python benchmarks/rerun_time.py --url duckdb:///path/demo.duckdb \\
        [--baseline /work/main] [--reps 15] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEWS = {"company": {}, "region": {"region": "MW"},
         "location": {"region": "MW", "location": "D0234"}}


WRAPPER = """
import cProfile, runpy, time
import streamlit as st
_prof = cProfile.Profile() if {profile!r} and st.session_state.get("_bench_warm") else None
_t0 = time.perf_counter()
try:
    if _prof:
        _prof.enable()
    runpy.run_path({app!r}, run_name="__main__")
finally:
    if _prof:
        _prof.disable()
        _prof.dump_stats({stats!r})
    st.session_state["_bench_s"] = time.perf_counter() - _t0
"""


def _child(root: str, url: str, month: str, reps: int, profile: bool) -> dict:
    """Measure in this process (the project at `root` first on sys.path). The time is taken
    inside the script thread, around the page script only (AppTest's polling excluded)."""
    sys.path.insert(0, root)
    from streamlit.testing.v1 import AppTest

    out: dict = {}
    tmp = Path(tempfile.mkdtemp(prefix="rerun-bench-"))
    for name, params in VIEWS.items():
        stats = tmp / f"{name}.prof"
        wrapper = tmp / f"{name}.py"
        wrapper.write_text(WRAPPER.format(profile=profile, app=str(Path(root) / "dashboard" /
                                                                   "app.py"), stats=str(stats)))
        at = AppTest.from_file(str(wrapper), default_timeout=300)
        for k, v in {**params, "month": month}.items():
            at.query_params[k] = v
        at.run()
        cold = float(at.session_state["_bench_s"])
        if at.exception:
            raise SystemExit(f"{name}: {[e.value for e in at.exception]}")
        at.session_state["_bench_warm"] = True
        times = []
        for _ in range(reps):
            at.run()
            times.append(float(at.session_state["_bench_s"]))
        if profile and stats.exists():
            import io
            import pstats

            buf = io.StringIO()
            pstats.Stats(str(stats), stream=buf).sort_stats("cumulative").print_stats(25)
            print(f"--- {name} (last rerun) ---\n{buf.getvalue()}", file=sys.stderr)
        out[name] = {"cold_s": cold, "median_ms": 1000 * statistics.median(times),
                     "min_ms": 1000 * min(times), "max_ms": 1000 * max(times)}
    return out


def _run(root: str, url: str, month: str, reps: int, profile: bool) -> dict:
    env = dict(os.environ, CX_WAREHOUSE_URL=url, PYTHONPATH=root)
    env.pop("CX_ACCESS_POLICY", None)
    with tempfile.TemporaryDirectory() as tmp:
        env["CX_ACTIONS_URL"] = f"sqlite:///{tmp}/actions.sqlite"
        cmd = [sys.executable, __file__, "--child", root, "--url", url, "--month", month,
               "--reps", str(reps)] + (["--profile"] if profile else [])
        done = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True,
                              check=False)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    if profile:
        print(done.stderr, file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="warehouse URL (the demo DuckDB file)")
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--baseline", help="another checkout to measure in the same run")
    ap.add_argument("--profile", action="store_true", help="cProfile of the reruns to stderr")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child, a.url, a.month, a.reps, a.profile)))
        return
    load = os.getloadavg()
    results = {"this page": _run(str(ROOT), a.url, a.month, a.reps, a.profile)}
    if a.baseline:
        results["baseline"] = _run(a.baseline, a.url, a.month, a.reps, False)
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{a.reps} reruns per view after one cold run")
    print(f"{'page':<10} {'view':<9} {'cold s':>7} {'median ms':>10} {'min':>7} {'max':>7}"
          + ("  ratio" if a.baseline else ""))
    for page, res in results.items():
        for view, r in res.items():
            ratio = ""
            if a.baseline and page == "this page":
                ratio = f"  {r['median_ms'] / results['baseline'][view]['median_ms']:.2f}x"
            print(f"{page:<10} {view:<9} {r['cold_s']:>7.2f} {r['median_ms']:>10.1f} "
                  f"{r['min_ms']:>7.1f} {r['max_ms']:>7.1f}{ratio}")


if __name__ == "__main__":
    main()
