"""Shared ground for the insight analyses: one history fetch, location x month arrays, helpers.

Every analysis works on SQL aggregates only: `aggregate.fetch(by="location")` over the history
window (one grouped query per contract table) plus one grouped count of 10s per location-month.
No survey response row ever reaches Python.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries import aggregate
from queries.scope import Dims, Scope
from queries.stats import Z95

HISTORY_MONTHS = 48  # the owner events of a four-year history all need their own before/after
TENS_MONTHS = 18  # gaming flags: 12 months flagged, each against its previous 6
Z998 = 3.090232306167813  # two-sided 99.8% (0.1% in each tail)
SEED = 20261  # bootstrap draws are seeded: the same warehouse always gives the same interval


def add_months(d: date, k: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + k, 12)
    return date(y, m + 1, 1)


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


@dataclass(frozen=True)
class NotAvailable:
    """An analysis that does not apply to this scope, with the reason in plain words."""

    analysis: str
    reason: str

    @property
    def sentence(self) -> str:
        return self.reason

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": self.analysis, "available": False, "reason": self.reason}


@dataclass(frozen=True, eq=False)
class History:
    """Location x month components for a scope, newest month last, as dense arrays on demand."""

    scope: Scope
    month: date
    months: tuple[date, ...]
    locations: tuple[str, ...]
    regions: tuple[str | None, ...]  # region of each location (None when unknown)
    comps: pd.DataFrame
    tens: pd.DataFrame | None = None
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def wide(self, column: str, source: str = "comps") -> np.ndarray:
        """(locations, months) float array of one component; 0 where no row exists."""
        key = f"{source}:{column}"
        if key not in self._cache:
            df = self.comps if source == "comps" else self.tens
            out = np.zeros((len(self.locations), len(self.months)))
            if df is not None and len(df):
                li = pd.Index(self.locations).get_indexer(df["key"])
                mi = pd.Index(self.months).get_indexer(df["month"])
                ok = (li >= 0) & (mi >= 0)
                np.add.at(out, (li[ok], mi[ok]), df[column].to_numpy(float)[ok])
            self._cache[key] = out
        return self._cache[key]

    def nps_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.wide("nps__pos"), self.wide("nps__neg"), self.wide("nps__n")

    def col(self, d: date) -> int:
        """Column of a month in the arrays (negative when before the window)."""
        return month_index(d) - month_index(self.months[0])


def _scope_where(location_col: sa.ColumnElement, scope: Scope) -> list[sa.ColumnElement]:
    if scope.level == "location":
        return [location_col == sa.bindparam("scope_location", scope.location)]
    if scope.level == "region":
        return [aggregate.in_region(location_col, scope.region or "")]
    return []


def scope_locations(dims: Dims, scope: Scope, keys: pd.Series) -> tuple[list[str], list]:
    """Locations of the scope (from the dimension table and from the facts), with regions."""
    locs = dims.locations
    if scope.level == "region":
        locs = locs[locs.region_id == scope.region]
    elif scope.level == "location":
        locs = locs[locs.location_id == scope.location]
    region = dict(zip(locs.location_id, locs.region_id, strict=True))
    everywhere = dict(zip(dims.locations.location_id, dims.locations.region_id, strict=True))
    ids = sorted(set(region) | {str(k) for k in keys.dropna()})
    return ids, [everywhere.get(i) for i in ids]  # None for a location missing from the dims


def location_names(dims: Dims) -> dict[str, str]:
    """location_id -> name in one dict (Dims.location_name filters a frame on every call)."""
    return {str(k): str(v) for k, v in zip(dims.locations.location_id,
                                           dims.locations.location_name, strict=True)}


def load_history(engine: Engine, dims: Dims, scope: Scope, month: date,
                 months: int = HISTORY_MONTHS, with_tens: bool = True) -> History:
    """The one fetch every analysis shares: location x month components for `months` months."""
    start, stop = add_months(month, -(months - 1)), add_months(month, 1)
    comps = aggregate.fetch(engine, scope, start, stop, by="location")
    comps = comps[comps["key"].notna()]
    tens = None
    if with_tens:  # the count of 10s is a component like any other: no raw-row scan
        first = add_months(month, -(TENS_MONTHS - 1))
        recent = comps[comps["month"] >= first]
        tens = pd.DataFrame({"key": recent["key"].astype(str), "month": recent["month"],
                             "tens": recent["nps__tens"], "valid": recent["nps__n"]})
        tens = tens.reset_index(drop=True)
    ids, regions = scope_locations(dims, scope, comps["key"])
    return History(scope, month, tuple(add_months(start, k) for k in range(months)), tuple(ids),
                   tuple(regions), comps.reset_index(drop=True), tens)


def restrict(h: History, scope: Scope) -> History:
    """The same history narrowed to a region or location inside it, without a new query."""
    if h.scope.level != "company" and scope.region != h.scope.region:
        raise ValueError(f"{scope} is not inside {h.scope}")
    keep = [i for i, (loc, reg) in enumerate(zip(h.locations, h.regions, strict=True))
            if (scope.region is None or reg == scope.region)
            and (scope.location is None or loc == scope.location)]
    ids = [h.locations[i] for i in keep]
    comps = h.comps[h.comps["key"].isin(ids)].reset_index(drop=True)
    tens = None if h.tens is None else h.tens[h.tens["key"].isin(ids)].reset_index(drop=True)
    return History(scope, h.month, h.months, tuple(ids), tuple(h.regions[i] for i in keep),
                   comps, tens)


# --- small statistics ---------------------------------------------------------------------


def nps_of(pos, neg, n) -> np.ndarray:
    """NPS in points; NaN where n is 0."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, 100 * (np.asarray(pos, float) - np.asarray(neg, float)) / n, np.nan)


def nps_variance_unit(pos: float, neg: float, n: float) -> float:
    """Per-answer variance of the NPS score (+100/0/-100): V, so that SE^2 = V / n."""
    if n <= 0:
        return math.nan
    p, d = pos / n, neg / n
    return 100.0**2 * max(p + d - (p - d) ** 2, 0.0)


def two_sample_z(v1, se1, v0, se0) -> np.ndarray:
    """z of a difference of two independent estimates; NaN where it cannot be formed."""
    denom = np.sqrt(np.asarray(se1, float) ** 2 + np.asarray(se0, float) ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, (np.asarray(v1, float) - np.asarray(v0, float)) / denom, np.nan)


def change_z(now: tuple, before: tuple) -> np.ndarray:
    """z of an NPS change, (pos, neg, n) each side, per-answer variance of both sides pooled.

    Under "no change" both samples share one distribution, so its variance is estimated from
    both together: a 2-answer month of promoters no longer has a standard error of 0.
    """
    n1, n0 = np.asarray(now[2], float), np.asarray(before[2], float)
    pos, neg, n = (np.asarray(now[i], float) + np.asarray(before[i], float) for i in range(3))
    with np.errstate(divide="ignore", invalid="ignore"):
        p, d = pos / n, neg / n
        var = 100.0**2 * np.maximum(p + d - (p - d) ** 2, 0) * (1 / n1 + 1 / n0)
        diff = nps_of(*now) - nps_of(*before)
        both = (n1 > 0) & (n0 > 0)
        return np.where(both & (var > 0), diff / np.sqrt(var), np.where(both, 0.0, np.nan))


def fisher_ci(r: float, n: int) -> tuple[float, float] | None:
    """95% interval of a correlation by Fisher's z (assumes independent observations)."""
    if n <= 3 or math.isnan(r) or abs(r) >= 1:
        return None
    z, half = math.atanh(r), Z95 / math.sqrt(n - 3)
    return (math.tanh(z - half), math.tanh(z + half))


def percentile_ci(draws: np.ndarray) -> tuple[float, float] | None:
    draws = draws[np.isfinite(draws)]
    if draws.size < 20:
        return None
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return (float(lo), float(hi))


def resample_counts(rng: np.random.Generator, k: int, draws: int) -> np.ndarray:
    """(draws, k) multiplicities of a bootstrap over k clusters (each row sums to k)."""
    if k == 0:
        return np.zeros((draws, 0))
    return rng.multinomial(k, np.full(k, 1.0 / k), size=draws).astype(float)


# --- JSON ---------------------------------------------------------------------------------


def jsonable(value: Any, nd: int = 3) -> Any:
    """Plain JSON types: NaN -> None, dates -> ISO strings, floats rounded, tuples -> lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name), nd) for f in dataclasses.fields(value)
                if not f.name.startswith("_")}
    if isinstance(value, dict):
        return {str(k): jsonable(v, nd) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v, nd) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(value) else round(float(value), nd)
    if isinstance(value, date):
        return value.isoformat()
    return value


def opt(v: float) -> float | None:
    """A float or None for NaN, for result fields."""
    return None if v is None or not math.isfinite(float(v)) else float(v)


def signed(v: float, nd: int = 1) -> str:
    return f"{v:+.{nd}f}"
