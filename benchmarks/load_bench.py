"""How long `cx-scorecard load` takes for a survey export, against building the same demo directly.

    python benchmarks/load_bench.py [--scale 0.25] [--repeat 1]

Writes the demo as exports at `--scale` into a temp folder, then times (a) `load` of those files
into a DuckDB file and (b) `build_demo_with_rollup` of the same data (the baseline: no parsing,
frames straight from memory), both in this run, and prints the figures, the ratio and the load
average. Tables are checked equal afterwards, so the timing is of a correct load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from queries.loading import loader
from sample_data.load import build_demo_with_rollup
from sample_data.write_exports import write_exports


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.25)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cx-load-bench-"))
    try:
        t = time.perf_counter()
        files = write_exports(work, scale=args.scale)
        shutil.copy(Path(__file__).resolve().parents[1] / "sample_data/exports/mapping.toml", work)
        written = time.perf_counter() - t
        size = sum(f.stat().st_size for f in files)
        load_s, build_s = [], []
        for i in range(args.repeat):
            t = time.perf_counter()
            rep = loader.load(work / "mapping.toml", f"duckdb:///{work / f'l{i}.duckdb'}",
                              progress=False)
            load_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            build_demo_with_rollup(f"duckdb:///{work / f'd{i}.duckdb'}", scale=args.scale,
                                   progress=False)
            build_s.append(time.perf_counter() - t)
        rows = rep.tables["survey_responses"].loaded
        total = sum(t.loaded for t in rep.tables.values())
        print(f"scale {args.scale}: {rows:,} responses, {total:,} rows in all, "
              f"{size / 1e6:.1f} MB of files (written in {written:.1f} s)")
        rate = total / min(load_s)
        print(f"load from files      best {min(load_s):6.2f} s  ({rate:,.0f} rows/s)")
        print(f"build demo directly  best {min(build_s):6.2f} s  (baseline, same data)")
        print(f"ratio load / direct  {min(load_s) / min(build_s):.2f}x")
        print(f"load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
