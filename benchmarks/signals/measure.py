"""False-alarm rates and power of the page's signals, measured on `sim` warehouses by the rules.

Every function returns plain counts (numerator, denominator) so a test can pin them exactly and
the doc table (`benchmarks.signals.table`) can print rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from benchmarks.signals import sim
from queries import census, scorecard, targets
from queries.evaluate import evaluate
from queries.material import shown_change
from queries.months import add_months
from queries.ranking import worst_first
from queries.registry import BY_NAME, METRICS
from queries.scope import Scope

ARROWED = tuple(m.name for m in METRICS if m.name != "responses")
HISTORY = tuple(m.name for m in METRICS if m.history_noise)
JUDGED_MONTHS = sim.MONTHS[13:]


@dataclass(frozen=True)
class Count:
    hits: int
    of: int

    @property
    def rate(self) -> float:
        return self.hits / self.of if self.of else math.nan

    def __add__(self, other: Count) -> Count:
        return Count(self.hits + other.hits, self.of + other.of)


def _long(comps: pd.DataFrame) -> pd.DataFrame:
    t = targets.load()
    return evaluate(comps.drop(columns=["key"]), t.weights, keys=["month"])


def unit_results(comps: pd.DataFrame, unit: str, months=JUDGED_MONTHS
                 ) -> dict[date, dict[str, scorecard.MetricResult]]:
    """What the tiles of `unit` say in each judged month (the real `_results`)."""
    t = targets.load()
    long = _long(comps[comps.key == unit])
    out = {}
    for month in months:
        window = long[(long.month >= add_months(month, -scorecard.TREND_MONTHS))
                      & (long.month <= month)]
        trend = census.apply(window.reset_index(drop=True), month, key=None)
        out[month] = scorecard._results(Scope(), month, trend, None, t)
    return out


def arrowed(r: scorecard.MetricResult, yoy: bool = False) -> bool:
    """Does the tile carry an arrow (a real and material move of a judged value)?"""
    call, delta = (r.change_yoy, r.delta_yoy) if yoy else (r.change_prev, r.delta_prev)
    return (shown_change(r.name, call, delta) in ("rise", "fall")
            and r.status != "low_confidence")


def scope_arrows(comps: pd.DataFrame, metrics=ARROWED, yoy: bool = False,
                 months=JUDGED_MONTHS) -> Count:
    """Metric-months of the company and regions that carry an arrow."""
    hits = of = 0
    for unit in comps.key.unique():
        for res in unit_results(comps, unit, months).values():
            for name in metrics:
                of += 1
                hits += arrowed(res[name], yoy)
    return Count(hits, of)


def calls(comps: pd.DataFrame, metric: str, month: date, word: str) -> Count:
    """Units whose `metric` tile says `word` (month on month) in `month`."""
    res = [unit_results(comps, u, [month])[month][metric] for u in comps.key.unique()]
    return Count(sum(r.change_prev == word for r in res), len(res))


def arrows_by_metric(comps: pd.DataFrame, yoy: bool = False) -> dict[str, Count]:
    out = {name: Count(0, 0) for name in ARROWED}
    for unit in comps.key.unique():
        for res in unit_results(comps, unit).values():
            for name in ARROWED:
                out[name] = out[name] + Count(int(arrowed(res[name], yoy)), 1)
    return out


# --- locations: colour flips and the furthest behind ---------------------------------------------

NPS = BY_NAME["nps"]


def _pooled(comps: pd.DataFrame, month: date, window: int) -> pd.DataFrame:
    """NPS components summed over the `window` months ending at `month` (answers pooled)."""
    part = comps[(comps.month > add_months(month, -window)) & (comps.month <= month)]
    g = part.groupby(["key", "region"], as_index=False)[["nps__n", "nps__pos", "nps__neg"]].sum()
    return g.assign(nps__bad=0.0, nps__null=0.0)


def location_frame(comps: pd.DataFrame, month: date, window: int,
                   interval_rule: bool = True) -> pd.DataFrame:
    """Children rows as scorecard._children makes them (NPS only): value, se, lo, hi, status."""
    t = targets.load()
    pooled = _pooled(comps, month, window)
    long = evaluate(pooled.drop(columns=["region"]), t.weights, keys=["key"], metrics=(NPS,))
    long = long.merge(pooled[["key", "region"]], on="key")
    tgt = t.for_metric("nps")
    long["status"] = [
        targets.status("nps", v, tgt, bool(low), *([(lo, hi)] if interval_rule else []))
        for v, low, lo, hi in zip(long.value, long.low_confidence, long.lo, long.hi, strict=True)]
    return long.assign(name=long["key"])


def colour_flips(comps: pd.DataFrame, window: int, interval_rule: bool = True,
                 first: int = 13) -> Count:
    """Location-months whose NPS status differs from the month before (truth unchanging)."""
    months = sorted(comps.month.unique())[first - 1:]
    before = None
    hits = of = 0
    for month in months:
        now = location_frame(comps, month, window, interval_rule).set_index("key")["status"]
        if before is not None:
            both = now.index.intersection(before.index)
            of += len(both)
            hits += int((now[both] != before[both]).sum())
        before = now
    return Count(hits, of)


def worst_named(truth: pd.DataFrame, comps: pd.DataFrame, window: int, share: float = 0.10,
                first: int = 13, raw: bool = False) -> Count:
    """Region-months whose named furthest-behind location is truly in the region's worst
    `share` (by true NPS; at least one location). `raw` ranks the old way: status counts,
    then the raw NPS of one month (shrinkage off)."""
    months = sorted(comps.month.unique())[first - 1:]
    hits = of = 0
    for month in months:
        kids = location_frame(comps, month, window, interval_rule=not raw)
        for region, part in kids.groupby("region"):
            if raw:
                part = part.assign(se=np.nan)  # no standard error: nothing is shrunk
            named = str(worst_first(part, metrics=("nps",)).iloc[0]["key"])
            true = truth[truth.region == region].sort_values("nps")
            worst = set(true.key.iloc[:max(1, int(share * len(true)))])
            of += 1
            hits += named in worst
    return Count(hits, of)


def region_truth(truth: pd.DataFrame) -> pd.Series:
    """Each region's true NPS: its locations' truths weighted by their expected answers."""
    w = truth.assign(wn=truth.nps * truth["size"]).groupby("region")[["wn", "size"]].sum()
    return w.wn / w["size"]


def worst_region_named(truth: pd.DataFrame, comps: pd.DataFrame, window: int,
                       share: float = 0.10, first: int = 13) -> Count:
    """Company-months whose named furthest-behind region is truly among the worst `share` of
    regions (at least one: with 7 regions, the truly worst), ranked by the page's rule on the
    regions' answers pooled over `window` months."""
    cols = ["nps__n", "nps__pos", "nps__neg"]
    regions = comps.groupby(["region", "month"], as_index=False)[cols].sum()
    regions = regions.assign(key=regions.region)
    true = region_truth(truth).sort_values()
    worst = set(true.index[:max(1, int(share * len(true)))])
    hits = of = 0
    for month in sorted(regions.month.unique())[first - 1:]:
        kids = location_frame(regions, month, window)
        named = str(worst_first(kids, metrics=("nps",)).iloc[0]["key"])
        of += 1
        hits += named in worst
    return Count(hits, of)


def regions_named(seeds: range, window: int, months: int = 13, first: int = 12,
                  regions: int = 7) -> Count:
    """`worst_region_named` over independent companies (seeded), 7 regions of 50 locations
    (the demo has 7 regions of 35-65 locations)."""
    out = Count(0, 0)
    for s in seeds:
        truth = sim.location_truth(1000 + s, regions=regions, per_region=50)
        comps = sim.location_components(truth, 2000 + s, months=months)
        out = out + worst_region_named(truth, comps, window, first=first)
    return out
