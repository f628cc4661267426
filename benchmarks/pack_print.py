"""Time the board pack (pack/printed.py) on a warehouse: the company, a region and a location,
every step in seconds, the pages, and each median against the 10-second budget of issue 26;
CPU seconds beside the wall-clock ones (a shared machine's load stretches the latter).

`python benchmarks/pack_print.py --url duckdb:///PATH [--region MW] [--out DIR] [--runs 3]`
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BUDGET_S = 10.0  # a company pack on the demo (issue 26)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (Playwright's driver and the
    Chromium it ran): the work, whatever else the machine does meanwhile."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    from pypdf import PdfReader

    from pack import printed
    from queries import scope as sc
    from queries import scorecard, targets
    from queries.sql import aggregate
    from queries.sql.engine import make_engine

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True)
    ap.add_argument("--region", default="MW", help="the region (and its first location) timed")
    ap.add_argument("--out", default="test-artifacts")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    eng = make_engine(args.url)
    dims = sc.load_dims(eng)
    first, latest = aggregate.freshness(eng)
    month = scorecard.default_month(first, latest, date.today())
    loc = str(dims.locations[dims.locations.region_id == args.region].location_id.iloc[0])
    scopes = {"company": sc.Scope(), "region": sc.Scope(region=args.region),
              "location": sc.Scope(region=args.region, location=loc)}
    t = targets.load()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.url} · {month:%B %Y} · {os.cpu_count()} CPUs, load average {load:.1f}")
    for name, scope in scopes.items():
        totals: list[float] = []
        cpus: list[float] = []
        steps: dict[str, list[float]] = {}
        for i in range(args.runs):
            timing = printed.Timing()
            c0 = _cpu()
            t0 = time.perf_counter()
            pdf = printed.build(eng, dims, scope, month, t, latest=latest, timing=timing)
            totals.append(time.perf_counter() - t0)
            cpus.append(_cpu() - c0)
            for k, v in timing.steps.items():
                steps.setdefault(k, []).append(v)
            print(f"  {name} run {i + 1}: {totals[-1]:.2f} s, {cpus[-1]:.2f} CPU s")
        path = out / f"pack-{name}.pdf"
        path.write_bytes(pdf)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        median = statistics.median(totals)
        print(f"{name}: median {median:.2f} s over {args.runs} runs ({median / BUDGET_S:.2f} of "
              f"the {BUDGET_S:.0f} s budget; {statistics.median(cpus):.2f} CPU s, Chromium "
              f"included), {pages} pages, {len(pdf):,} bytes -> {path}")
        for k, v in steps.items():
            print(f"    {k}: median {statistics.median(v):.2f} s")
    eng.dispose()


if __name__ == "__main__":
    main()
