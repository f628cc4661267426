"""95% intervals for every month of a scope's 13-month trend (no Streamlit: the pack can use it).

`Scorecard` carries an interval for the current month only. Until `MetricResult` carries one per
trend month, this asks the query layer for the scope's monthly components and applies the query
layer's own interval rule (`scorecard._interval`: adjusted Wald for NPS and eNPS, Wilson for
proportions, +-1.96 SE for the ACSI-style index), so a band's last month is exactly the interval
of the tile above it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy.engine import Engine

from queries import aggregate, scorecard
from queries.evaluate import evaluate, totals
from queries.registry import METRICS
from queries.scope import Scope
from queries.targets import Targets

COLUMNS = ["metric", "month", "value", "moe", "lo", "hi"]


def trend_bands(engine: Engine, scope: Scope, month: date, targets: Targets) -> pd.DataFrame:
    """One row per (sampled metric, month): value, 95% margin, interval low and high."""
    start = scorecard.add_months(month, -(scorecard.TREND_MONTHS - 1))
    comps = aggregate.fetch(engine, scope, start, scorecard.add_months(month, 1), by="none")
    if comps.empty:
        return pd.DataFrame(columns=COLUMNS)
    per_month = totals(comps, ["month"])
    long = evaluate(per_month, targets.weights, keys=["month"])
    sampled = {m.name for m in METRICS if m.sampled}
    long = long[long.metric.isin(sampled)].reset_index(drop=True)
    by_month = per_month.set_index("month")
    lows, highs = [], []
    for _, row in long.iterrows():
        iv = scorecard._interval(row["metric"], by_month.loc[row["month"]], row)
        lows.append(None if iv is None else iv[0])
        highs.append(None if iv is None else iv[1])
    long["lo"], long["hi"] = lows, highs
    return long[COLUMNS]
