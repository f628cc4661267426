"""Page benchmark at warehouse scale: what one scorecard page costs, cold and warm.

Run from the repository root (about 9 minutes on 2 busy cores; demo warehouses are cached):

    python -m benchmarks.page --sizes 1,10 --postgres 1 --out docs/performance.md

For every warehouse (DuckDB at each `--sizes` scale, PostgreSQL at each `--postgres` scale; scale 1
is about 1.05M survey responses) and both survey paths (the monthly rollup `cx_survey_monthly`, and
the raw responses with the rollup switched off), it measures the company view, the largest region
and that region's first location for the latest complete month:

- COLD: a new worker process creates the engine, loads the dimensions and the freshness (`setup`),
  then times `scorecard.build(..., with_map=True)` (the whole page); process start-up and imports
  are timed separately. `queries.insights.analyses` is timed after it.
- WARM: the same build again in the same process (query layer), and a hit of `st.cache_data` keyed
  by scope and month as the page does (`dashboard/data.py`): this is what a warm page costs.
- PEAK MEMORY: `ru_maxrss` of the worker (it imports Streamlit, like the app process).
- FLOOR: one aggregate over every survey row (count and the sums of all score columns).
- NAIVE: `pandas.read_sql` of the raw rows the page needs (13 months, the scope's locations, the
  survey columns), then NPS, ACSI-style index and counts per month and per child in pandas.

`--spark 1,10` measures only Spark (the cluster of scripts/spark-cluster): the company page on
both paths against Spark's own one-scan floor, written into docs/scale-out.md.

Every figure is the median over `--repeats` worker processes (default 5). Results go to
`<workdir>/results.json`, the report to `--out` and the plot to `--plot`; `--from-json` rewrites
the report from saved results without measuring again. PostgreSQL databases (`cx_bench_s<scale>`)
are created on the server of `--pg-admin-url` and dropped at the end unless `--keep-postgres`.

Modules: `warehouses` (the demo on each engine, cached), `workers` (one measurement in a fresh
process), `measure` (repetitions, medians, query plans, the machine), `report` (the Markdown).
"""

from __future__ import annotations

import time

SEED = 2026
VIEWS = ("company", "region", "location")
PATHS = ("rollup", "raw")  # survey numbers from the monthly rollup, or SQL over raw responses
FLOOR_SQL = (
    "SELECT count(*), sum(nps_score), sum(sat_overall), sum(sat_expectations), sum(sat_ideal) "
    "FROM survey_responses"
)


def ms_since(t0: float) -> float:
    """Milliseconds since the `time.perf_counter()` reading t0."""
    return (time.perf_counter() - t0) * 1000
