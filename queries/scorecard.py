"""Everything one page shows for a scope and month, from two grouped queries per table.

The page, the CLI (`cx-scorecard metrics`) and the board pack all call `build`; none of them
compute a number of their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from sqlalchemy.engine import Engine

from queries import census, stats, windows
from queries.evaluate import evaluate, totals
from queries.months import add_months, month_floor
from queries.registry import BY_NAME, METRICS
from queries.results import finite_or_none
from queries.scope import Dims, Scope
from queries.sql import aggregate
from queries.targets import Targets, status
from queries.windows import Window

TREND_MONTHS = 13
# change_prev / change_yoy words: 'rise', 'fall', 'steady' (within the noise or immaterial),
# 'usual' (a move like last year's over the same two months: season, not news) or 'n/a'.
CHANGE_WORDS = ("rise", "fall", "steady", "usual", "n/a")


def latest_complete_month(latest_response: date | None) -> date | None:
    """The month of the latest response if that month has ended in the data, else the one before."""
    if latest_response is None:
        return None
    nxt = latest_response.toordinal() + 1
    if date.fromordinal(nxt).month != latest_response.month:
        return month_floor(latest_response)
    return add_months(month_floor(latest_response), -1)


def month_ended(month: date, latest_response: date, today: date) -> bool:
    """Whether `month` is over: today is past its last day, or the data already holds a response
    dated on its last day (a clock behind the data still sees a finished month)."""
    nxt = add_months(month_floor(month), 1)
    return today >= nxt or latest_response >= nxt - timedelta(days=1)


def default_month(first: date, latest: date, today: date) -> date:
    """The month a page, pack or command opens on: the newest month that holds data and has
    ended by `today` (a warehouse whose last answer is dated 28 September opens on September in
    December, not on an empty month); the newest month while it is still under way only when
    no earlier month holds data."""
    newest = month_floor(latest)
    if month_ended(newest, latest, today):
        return newest
    before = add_months(newest, -1)
    return before if before >= month_floor(first) else newest


def partial_month(latest: date | None, today: date) -> date | None:
    """The newest month of data while it is still under way (its figures are so far), else
    None."""
    if latest is None:
        return None
    newest = month_floor(latest)
    return None if month_ended(newest, latest, today) else newest


@dataclass(frozen=True)
class MetricResult:
    name: str
    value: float | None
    numerator: float | None
    denominator: float | None
    n: float | None
    se: float | None
    moe: float | None
    interval: tuple[float, float] | None
    excluded: float
    low_confidence: bool
    target: float | None
    status: str
    previous: float | None
    last_year: float | None
    change_prev: str
    change_yoy: str
    trend: tuple[tuple[date, float | None], ...]
    trend_moe: tuple[tuple[date, float | None], ...] = ()
    window: str = "1m"  # the window value, status and changes pool (queries/windows.py)
    # Two-sided p of the change against the period before (the test behind `change_prev`),
    # None without a noise model or values: the digest's alerts correct it for the view's
    # family of metrics (delivery/alerts.py).
    change_p: float | None = None

    @property
    def margin_text(self) -> str:
        """The interval as every view shows it: '±h' (half-width) or its two ends if lopsided."""
        if self.interval is None:
            return ""
        return stats.margin_text(self.value, *self.interval, BY_NAME[self.name].decimals)

    @property
    def delta_prev(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def delta_yoy(self) -> float | None:
        return None if self.value is None or self.last_year is None else self.value - self.last_year

    def as_dict(self) -> dict:
        m = BY_NAME[self.name]
        return {
            "metric": self.name, "label": m.label, "panel": m.panel, "unit": m.unit,
            "direction": "higher_is_better" if m.direction > 0 else "lower_is_better",
            "value": _round(self.value), "numerator": _round(self.numerator, 4),
            "denominator": _round(self.denominator, 4), "n": _round(self.n, 0),
            "margin_of_error_95": _round(self.moe),
            "interval_95": None if self.interval is None else [_round(x) for x in self.interval],
            "low_confidence": bool(self.low_confidence), "min_n": m.min_n,
            "excluded_rows": int(self.excluded), "target": self.target, "status": self.status,
            "previous_month": _round(self.previous), "same_month_last_year": _round(self.last_year),
            "change_vs_previous": self.change_prev, "change_vs_last_year": self.change_yoy,
            "window": self.window,
        }


def _round(v: float | None, nd: int = 2) -> float | None:
    return None if v is None else round(float(v), nd)


@dataclass
class Scorecard:
    scope: Scope
    scope_name: str
    month: date
    metrics: dict[str, MetricResult]
    children: pd.DataFrame  # long: key, name, metric, value, n, se, moe, low_confidence, status
    previous_children: pd.DataFrame
    movers: list[dict] = field(default_factory=list)
    map_points: pd.DataFrame | None = None
    latest_response: date | None = None
    targets_version: str = ""
    bands: pd.DataFrame | None = None  # sampled metrics per trend month: value, moe, lo, hi
    mover_tests: int = 0  # child x headline metric changes tested for the movers (BH family)
    movers_rule: str = ""  # the movers' rule in words, for every place that lists them
    window: Window = windows.MONTH  # the scope's own tiles
    children_window: Window | None = None  # its children's status, rank, movers and map
    chosen_window: str = ""  # the window asked for ("": each level's default), kept in links
    # The children on `windows.BEHIND` (rolling 12 months): whom the verdict names furthest
    # behind. Long like `children`; None at a location (no children).
    behind_children: pd.DataFrame | None = None
    behind_window: Window | None = None
    # One id per build, kept by every copy (a cache hands the page a fresh copy per rerun):
    # what the page derives from this scorecard is remembered under it (dashboard/caches.py).
    build_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def responses(self) -> int:
        r = self.metrics["responses"].value
        return int(r or 0)

    @property
    def has_data(self) -> bool:
        return any(r.value is not None for r in self.metrics.values())


def _value_at(rows: dict[tuple[str, date], pd.Series], metric: str,
              month: date) -> pd.Series | None:
    return rows.get((metric, month))


def _interval(row: pd.Series | None) -> tuple[float, float] | None:
    """The metric's one 95% interval, as evaluate()/census.apply() computed it."""
    if row is None:
        return None
    lo, hi = finite_or_none(row["lo"]), finite_or_none(row["hi"])
    return None if lo is None or hi is None else (lo, hi)


def _change(m, now: pd.Series | None, other: pd.Series | None) -> str:
    """The one rule for a change of a scope's own value (materiality, then the noise test).
    A metric judged by its own history (`Metric.history_noise`) has a noise model too."""
    if now is None or other is None:
        return "n/a"
    value, se, before, before_se, df = (finite_or_none(v) for v in (
        now["value"], now["se"], other["value"], other["se"], now["df"]))
    return stats.change_call(value, se, before, before_se, m.sampled or m.history_noise,
                             m.decimals, m.min_change, df,
                             net_n=_net_n(m, now["n"], other["n"]))


def _change_p(m, now: pd.Series | None, other: pd.Series | None) -> float | None:
    """The p-value `_change` tests (same values, errors and degrees of freedom), or None."""
    if now is None or other is None or not (m.sampled or m.history_noise):
        return None
    value, se, before, before_se, df = (finite_or_none(v) for v in (
        now["value"], now["se"], other["value"], other["se"], now["df"]))
    if None in (value, se, before, before_se):
        return None
    p = stats.change_p(value, se, before, before_se, df, _net_n(m, now["n"], other["n"]))
    return finite_or_none(p)


def _yoy_change(m, now: pd.Series | None, last: pd.Series | None,
                levels: list[tuple[date, float | None]], month: date) -> str:
    """Year-on-year call. Sampled metrics: two independent samples. Metrics judged by their own
    history: the yardstick of a twelve-month change (`census.yoy_noise`), not of one month's."""
    if not m.history_noise:
        return _change(m, now, last)
    if now is None or last is None:
        return "n/a"
    sd, df = census.yoy_noise([d for d, _ in levels], [v for _, v in levels], month)
    value, before = finite_or_none(now["value"]), finite_or_none(last["value"])
    return stats.change_call(value, sd, before, sd, True, m.decimals, m.min_change, df)


def _seasonal(m, raw: str, at: dict[int, pd.Series | None]) -> str:
    """'usual' when a month-on-month arrow repeats last year's move over the same two months.

    `at` holds the rows of this month (0), the month before (1) and the same two a year
    earlier (12, 13). This year's move is judged against last year's (their difference, with
    all four months' noise): an arrow stays only when the difference itself is real, or when
    last year's same transition did not move the same way. A December fall like every
    December's is not news; a December fall twice last year's is.
    """
    if raw not in ("rise", "fall") or any(at.get(k) is None for k in (0, 1, 12, 13)):
        return raw
    v = {k: finite_or_none(at[k]["value"]) for k in (0, 1, 12, 13)}
    se = {k: finite_or_none(at[k]["se"]) for k in (0, 1, 12, 13)}
    if any(x is None for x in v.values()):
        return raw
    now, last = v[0] - v[1], v[12] - v[13]
    if (now > 0) != (last > 0) or not stats.material(last, m.decimals, m.min_change):
        return raw
    if any(x is None for x in se.values()):
        return "usual"  # no noise model: last year's same move explains this one
    se_now = (se[0] ** 2 + se[1] ** 2) ** 0.5
    se_last = (se[12] ** 2 + se[13] ** 2) ** 0.5
    df = finite_or_none(at[0]["df"])
    adjusted = stats.change_call(now, se_now, last, se_last, True, m.decimals, m.min_change, df)
    return raw if adjusted == raw else "usual"


def _net_n(m, n1, n0) -> tuple[float, float] | None:
    """Sample sizes for the pooled z of a net score (NPS, eNPS); None for other metrics."""
    return (float(n1), float(n0)) if m.kind in ("net_scores", "net_counts") else None


BAND_COLUMNS = ["metric", "month", "value", "moe", "lo", "hi"]


def _trend_intervals(trend_long: pd.DataFrame) -> pd.DataFrame:
    """95% interval of every sampled metric in every trend month (the charts' bands), by the
    same rule as the tiles, so a band's last month is exactly the tile's interval."""
    sampled = {m.name for m in METRICS if m.sampled}
    long = trend_long[trend_long.metric.isin(sampled)].reset_index(drop=True)
    if long.empty:
        return pd.DataFrame(columns=BAND_COLUMNS)
    return long[BAND_COLUMNS]


def _results(scope: Scope, month: date, trend_long: pd.DataFrame, trend_comps: pd.DataFrame,
             targets: Targets, pooled: pd.DataFrame | None = None,
             step: int = 1, window: str = "1m") -> dict[str, MetricResult]:
    """Each metric's tile. `trend_long` is monthly (the sparkline, and the values when no
    window is pooled); `pooled`, when given, holds the window's periods labelled by their last
    month (now, `step` months back, a year back) and gives value, status and both changes."""
    prev_m, yoy_m = add_months(month, -step), add_months(month, -12)
    months = [add_months(month, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
    seasonal = (0, 1, 12, 13)
    rows = {(r.metric, r.month): r for r in (row for _, row in trend_long.iterrows())}
    at_rows = rows if pooled is None else {
        (r.metric, r.month): r for r in (row for _, row in pooled.iterrows())}
    out: dict[str, MetricResult] = {}
    for m in METRICS:
        at = [rows.get((m.name, mo)) for mo in months]
        trend = tuple((mo, None if r is None else finite_or_none(r["value"]))
                      for mo, r in zip(months, at, strict=True))
        trend_moe = tuple((mo, None if r is None else finite_or_none(r["moe"]))
                          for mo, r in zip(months, at, strict=True))
        now, prev, yoy = (_value_at(at_rows, m.name, x) for x in (month, prev_m, yoy_m))
        call = _change(m, now, prev)
        tgt = targets.for_metric(m.name, scope.region, scope.location, month.year,
                                 journey=scope.journey)
        value = None if now is None else finite_or_none(now["value"])
        low = bool(now["low_confidence"]) if now is not None else False

        out[m.name] = MetricResult(
            name=m.name, value=value,
            numerator=None if now is None else finite_or_none(now["numerator"]),
            denominator=None if now is None else finite_or_none(now["denominator"]),
            n=None if now is None else finite_or_none(now["n"]),
            se=None if now is None else finite_or_none(now["se"]),
            moe=None if now is None else finite_or_none(now["moe"]),
            interval=_interval(now),
            excluded=0.0 if now is None else float(now["excluded"]),
            low_confidence=low, target=tgt.value,
            status=status(m.name, value, tgt, low, _interval(now)),
            previous=None if prev is None else finite_or_none(prev["value"]),
            last_year=None if yoy is None else finite_or_none(yoy["value"]),
            change_prev=call if pooled is not None else _seasonal(
                m, call, {k: _value_at(rows, m.name, add_months(month, -k)) for k in seasonal}),
            change_yoy=_yoy_change(m, now, yoy, list(trend), month), trend=trend,
            trend_moe=trend_moe, window=window, change_p=_change_p(m, now, prev),
        )
    return out


def _children(scope: Scope, dims: Dims, long: pd.DataFrame, targets: Targets,
              month: date) -> pd.DataFrame:
    if long.empty:
        return long.assign(name=pd.Series(dtype=object), status=pd.Series(dtype=object))
    long = long.copy()
    long["name"] = [dims.child_name(scope, k) for k in long["key"]]

    def row_status(key, metric: str, value, low: bool, lo, hi) -> str:
        child = scope.child(key) if key is not None else scope
        tgt = targets.for_metric(metric, child.region, child.location, month.year,
                                 journey=child.journey)
        lo, hi = finite_or_none(lo), finite_or_none(hi)
        ends = None if lo is None or hi is None else (lo, hi)
        return status(metric, finite_or_none(value), tgt, bool(low), ends)

    # plain columns, not DataFrame.apply: a Series per row cost ~0.17 s of a region's first visit
    long["status"] = [row_status(*row) for row in zip(
        long["key"], long["metric"], long["value"], long["low_confidence"], long["lo"],
        long["hi"], strict=True)]
    return long


def _delta_unit(unit: str) -> str:
    return {"%": "pts", "index": "pts", "pts": "pts"}.get(unit, unit)  # "pts" everywhere


MOVERS_RULE = ("A move counts when it is beyond the noise with every child and headline "
               "metric of this view checked at once, so that at most "
               f"{round(stats.FDR_Q * 100):d}% of the moves listed are chance (the "
               "Benjamini-Hochberg false-discovery rule), and at least the metric's smallest "
               "change that matters.")


def mover_tests(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Every child x sampled headline metric tested on the view, with its p and BH q-value.

    A test needs both months' values and standard errors and no small sample on either side (a
    tiny sample's standard error is itself unreliable). The whole family is corrected together.
    """
    cols = ["key", "name", "metric", "value", "value_prev", "se", "se_prev", "n", "df", "p",
            "q", "significant", "material"]
    if now.empty or before.empty:
        return pd.DataFrame(columns=cols)
    merged = now.merge(before, on=["key", "metric"], suffixes=("", "_prev"))
    heads = {m.name for m in METRICS if m.headline and m.sampled}
    merged = merged[merged.metric.isin(heads) & ~merged.low_confidence.astype(bool)
                    & ~merged.low_confidence_prev.astype(bool)]
    merged = merged[merged.value.notna() & merged.value_prev.notna() & merged.se.notna()
                    & merged.se_prev.notna()].reset_index(drop=True)
    if merged.empty:
        return pd.DataFrame(columns=cols)
    merged["p"] = [stats.change_p(float(r.value), float(r.se), float(r.value_prev),
                                  float(r.se_prev), finite_or_none(r.df),
                                  _net_n(BY_NAME[r.metric], r.n, r.n_prev))
                   for r in merged.itertuples(index=False)]
    reject, q = stats.benjamini_hochberg(merged["p"].to_numpy(float))
    merged["q"], merged["significant"] = q, reject
    merged["material"] = [stats.material(float(r.value - r.value_prev), BY_NAME[r.metric].decimals,
                                         BY_NAME[r.metric].min_change)
                          for r in merged.itertuples(index=False)]
    return merged[cols]


def movers(scope: Scope, now: pd.DataFrame, before: pd.DataFrame, limit: int = 3) -> list[dict]:
    """Children whose headline metrics really changed since last month, strongest first: the
    one rule (MOVERS_RULE) the page, the pack, the CSV and the CLI JSON all read."""
    return movers_from(mover_tests(now, before), limit)


def movers_from(tests: pd.DataFrame, limit: int = 3) -> list[dict]:
    """`movers` from the family already tested (`mover_tests`): a build tests it once."""
    found = []
    for _, r in tests[tests.significant & tests.material].iterrows():
        m = BY_NAME[r["metric"]]
        delta = float(r["value"] - r["value_prev"])
        good = delta * m.direction > 0
        found.append({
            "key": r["key"], "name": r["name"], "metric": m.name, "label": m.label,
            "value": float(r["value"]), "previous": float(r["value_prev"]), "delta": delta,
            "n": float(r["n"]), "z": stats.change_z(r["value"], r["se"], r["value_prev"],
                                                    r["se_prev"]),
            "p_value": float(r["p"]), "q_value": float(r["q"]), "tests": int(len(tests)),
            "direction": "rise" if delta > 0 else "fall", "good": good, "small_sample": False,
            "sentence": (
                f"{r['name']}: {m.label} {'rose' if delta > 0 else 'fell'} "
                f"{abs(delta):.{m.decimals}f} {_delta_unit(m.unit)} to "
                f"{r['value']:.{m.decimals}f}{'%' if m.unit == '%' else ''} "
                f"(n = {int(r['n']):,}; beyond the noise after false-discovery control)"
            ),
        })
    ups = sorted([f for f in found if f["good"]], key=lambda f: f["q_value"])[:limit]
    downs = sorted([f for f in found if not f["good"]], key=lambda f: f["q_value"])[:limit]
    return ups + downs


def build(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
          latest_response: date | None = None, with_map: bool = True,
          window: Window | None = None) -> Scorecard:
    """Compute the whole page for one scope and month.

    `window` pools the months of the scope's tiles and of its children (status, rank, movers,
    map); None is each level's default (`windows.for_level`: rolling 3 months for a location's
    numbers, the month otherwise). The sparklines stay monthly. A pooled window costs one more
    grouped query (every child's components per period), never raw rows.
    """
    # One month before the trend: last year's same transition (`_seasonal`) needs it.
    start, stop = add_months(month, -TREND_MONTHS), add_months(month, 1)
    comps = aggregate.fetch(engine, scope, start, stop, by="child")
    trend_comps = totals(comps, ["month"])
    trend_long = census.apply(evaluate(trend_comps, targets.weights, keys=["month"]), month,
                              key=None)
    own = windows.for_level(window, scope.level)
    kids_w = windows.for_level(window, scope.child_level) if scope.child_level else None
    pooled_w = own if own.code != "1m" else kids_w
    pooled = None
    if pooled_w is not None and pooled_w.code != "1m":
        periods = pooled_w.periods(month)
        pooled = aggregate.fetch(engine, scope, min(p[1] for p in periods),
                                 max(p[2] for p in periods), by="child", periods=periods)
    if pooled is not None and own.code != "1m":
        own_long = census.borrow(evaluate(totals(pooled, ["month"]), targets.weights,
                                          keys=["month"]), trend_long, month, key=None)
        results = _results(scope, month, trend_long, trend_comps, targets, own_long,
                           own.step(month), own.code)
    else:
        results = _results(scope, month, trend_long, trend_comps, targets)
    kids_now, kids_prev = (pd.DataFrame(), pd.DataFrame())
    behind, behind_w = None, None
    map_comps = comps
    if scope.child_level is not None:
        before = add_months(month, -(kids_w.step(month) if kids_w else 1))
        long = monthly = census.apply(evaluate(comps, targets.weights, keys=["key", "month"]),
                                      month)
        if pooled is not None and kids_w is not None and kids_w.code != "1m":
            long = census.borrow(evaluate(pooled, targets.weights, keys=["key", "month"]),
                                 long, month)
            map_comps = pooled
        long = long[long.month.isin([month, before])].reset_index(drop=True)
        long = _children(scope, dims, long, targets, month)
        kids_now = long[long.month == month].reset_index(drop=True)
        kids_prev = long[long.month == before].reset_index(drop=True)
        behind_w = windows.BEHIND
        behind = (kids_now if kids_w is not None and kids_w.code == behind_w.code
                  else _behind(dims, scope, month, targets, comps, monthly))
    elif pooled is not None:
        map_comps = pooled
    map_points = None
    if with_map:
        map_points = map_frame(engine, dims, scope, month, targets, map_comps,
                               kids_w or own)
    tests = mover_tests(kids_now, kids_prev)
    return Scorecard(
        scope=scope, scope_name=dims.name(scope), month=month, metrics=results,
        children=kids_now, previous_children=kids_prev, movers=movers_from(tests),
        mover_tests=len(tests), movers_rule=MOVERS_RULE,
        map_points=map_points, latest_response=latest_response, targets_version=targets.version,
        bands=_trend_intervals(
            trend_long[trend_long.month >= add_months(month, 1 - TREND_MONTHS)]),
        window=own, children_window=kids_w, chosen_window=window.code if window else "",
        behind_children=behind, behind_window=behind_w,
    )


def _behind(dims: Dims, scope: Scope, month: date, targets: Targets, comps: pd.DataFrame,
            monthly: pd.DataFrame) -> pd.DataFrame:
    """The scope's children pooled over `windows.BEHIND` ending at `month`, judged like
    `children`. On the view's own window the named furthest-behind child was truly among the
    worst 10% too rarely (a region's locations on rolling 3 months 65% of the time, the
    company's regions on the month 69%).

    Summed from the view's own monthly rows per child (`comps`: SQL sums per child and month,
    whose 14 months hold the 12): every component is a sum, and each response counts in the
    month of its first row whatever the window, so the months' sums add up to the pooled sum a
    grouped query over the 12 months returns. One statement less per company or region view:
    on Spark that statement took 2.6 s of a cold 8.6 s page (issue 31, docs/scale-out.md)."""
    label, start, stop = windows.BEHIND.periods(month)[0]
    inside = comps[(comps.month >= start) & (comps.month < stop)]
    pooled = totals(inside, ["key"], min_count=1).assign(month=label)
    long = census.borrow(evaluate(pooled, targets.weights, keys=["key", "month"]), monthly, month)
    long = long[long.month == month].reset_index(drop=True)
    return _children(scope, dims, long, targets, month)


def map_frame(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
              child_comps: pd.DataFrame, window: Window = windows.MONTH) -> pd.DataFrame:
    """NPS per location with coordinates over the locations' window; reuses the child query
    (monthly or pooled, its rows labelled `month` either way) below company level."""
    if scope.level == "company":
        now = window.periods(month)[:1]
        comps = aggregate.fetch(engine, scope, now[0][1], now[0][2], by="location",
                                survey_only=True, periods=None if window.code == "1m" else now)
    elif scope.level == "region":
        comps = child_comps[child_comps.month == month]
    else:
        comps = child_comps[child_comps.month == month].assign(key=scope.location)
    long = evaluate(comps, targets.weights, keys=["key"], metrics=(BY_NAME["nps"],))
    nps = long[["key", "value", "n", "moe", "lo", "hi", "low_confidence"]]
    pts = dims.locations.merge(nps, left_on="location_id", right_on="key", how="inner")
    if scope.level != "company":
        pts = pts[pts.region_id == scope.region]
    if scope.level == "location":
        pts = pts[pts.location_id == scope.location]
    pts = pts.dropna(subset=["latitude", "longitude"])
    pts["region_name"] = [dims.region_name(r) for r in pts.region_id]
    return pts.drop(columns=["key"]).reset_index(drop=True)
