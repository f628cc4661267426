"""Time the printed board pack (pack/printed.py) on a warehouse: every step in seconds, and the
old PDF-coordinates pack (pack.build_pack) beside it for the same view.

`python benchmarks/pack_print.py --url duckdb:///PATH [--region R] [--out DIR] [--runs 3]`
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from pack import build_pack, printed
    from queries import scope as sc
    from queries import scorecard, targets
    from queries.sql import aggregate
    from queries.sql.engine import make_engine

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True)
    ap.add_argument("--region")
    ap.add_argument("--out", default="test-artifacts")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--old", action="store_true", help="also time the old pack")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    eng = make_engine(args.url)
    dims = sc.load_dims(eng)
    first, latest = aggregate.freshness(eng)
    month = scorecard.default_month(first, latest, date.today())
    scope = sc.Scope(region=args.region)
    t = targets.load()
    totals = []
    for i in range(args.runs):
        timing = printed.Timing()
        t0 = time.perf_counter()
        pdf = printed.build(eng, dims, scope, month, t, latest=latest, timing=timing)
        totals.append(time.perf_counter() - t0)
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in timing.steps.items())
        print(f"printed pack run {i + 1}: {totals[-1]:.2f} s ({steps}); {len(pdf):,} bytes")
    name = f"printed-pack-{args.region or 'company'}.pdf"
    (out / name).write_bytes(pdf)
    print(f"printed pack: median {statistics.median(totals):.2f} s over {args.runs} runs -> "
          f"{out / name}")
    if args.old:
        t0 = time.perf_counter()
        build_pack(eng, dims, scope, month, t, None, out_path=out / f"old-{name}",
                   latest_response=latest)
        old = time.perf_counter() - t0
        print(f"old pack: {old:.2f} s; printed/old = {statistics.median(totals) / old:.2f}x")
    eng.dispose()


if __name__ == "__main__":
    main()
