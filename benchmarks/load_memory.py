"""Peak memory of `cx-scorecard load` on a large CSV in a wrong date format (issue 25 item 8).

    python benchmarks/load_memory.py [--rows 2000000] [--old PATH]

Writes the pilot's small files (tests/load_fixtures.py) plus a survey export of `--rows`
responses dated `YYYY-MM-DD` where the mapping expects `dd/mm/yyyy`, so every response is
rejected. Each load runs in a fresh Python process (code from this checkout, and from `--old`, a
checkout of an earlier commit, if given) and the script prints, per code: the outcome, the rows
read, the rejects file's size, the child's peak resident memory (ru_maxrss) and the wall time.
No assertion: a measurement to read, on a machine other work may share.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys
from queries.loading import loader
try:
    rep = loader.load(sys.argv[1], sys.argv[2], progress=False)
    out = {"outcome": "loaded"}
except loader.LoadRefused as exc:
    rep = exc.report
    out = {"outcome": "refused: " + str(exc)[:160]}
out["read"] = rep.tables["survey_responses"].read if "survey_responses" in rep.tables else 0
out["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # this process's peak
print(json.dumps(out))
"""


def write_inputs(folder: Path, rows: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.load_fixtures import FILES, write_pilot

    # The pilot with its other bad rows fixed, so the survey export is the only bad table.
    path = write_pilot(folder, files={
        "stores.csv": "Store,Name,Region\nL1,Lakeside,N\nL2,Southgate,S\n",
        "leadership.csv": FILES["leadership.csv"].replace("Maybe", "No")})
    with (folder / "responses.csv").open("w", encoding="utf-8") as fh:
        fh.write("ResponseId,RecordedDate,StoreCode,Q_LTR,Q_SAT,Q_EXPECT,Q_IDEAL\n")
        for i in range(1, rows + 1):
            fh.write(f"{i},2026-10-{1 + i % 28:02d},L{1 + i % 2},{i % 11},8,7,9\n")
    return path


def run(code: Path, mapping: Path, url: str) -> dict:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(mapping), url], cwd=code,
                          env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True,
                          text=True, check=False)
    out = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {
        "outcome": "failed: " + proc.stderr.strip().splitlines()[-1], "read": 0, "peak_kib": 0}
    rejects = mapping.with_name(f"{mapping.stem}.rejected.survey_responses.csv")
    out |= {"peak_mib": out["peak_kib"] / 1024, "seconds": time.perf_counter() - t,
            "rejects_mb": rejects.stat().st_size / 1e6 if rejects.exists() else 0.0}
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=2_000_000)
    p.add_argument("--old", type=Path, help="a checkout of the code before the change")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="cx-load-mem-") as tmp:
        folder = Path(tmp)
        mapping = write_inputs(folder / "in", args.rows)
        size = (folder / "in" / "responses.csv").stat().st_size
        print(f"responses.csv: {args.rows:,} rows, {size / 1e6:.0f} MB, every date in the wrong "
              "format; load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        codes = ([("before", args.old)] if args.old else []) + [("after", ROOT)]
        for label, code in codes:
            r = run(code, mapping, f"duckdb:///{folder / (label + '.duckdb')}")
            print(f"{label:<7} peak {r['peak_mib']:>8,.1f} MiB  {r['seconds']:>6.1f} s  "
                  f"rows read {r['read']:>10,}  rejects file {r['rejects_mb']:>6.1f} MB  "
                  f"{r['outcome']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
