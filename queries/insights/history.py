"""Shared ground for the insight analyses: one history fetch, as location x month arrays.

Every analysis works on SQL aggregates only: `aggregate.fetch(by="location")` over the history
window (one grouped query per contract table) plus one grouped count of 10s per location-month.
No survey response row ever reaches Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from queries.months import add_months, month_index
from queries.scope import Dims, Scope
from queries.sql import aggregate

HISTORY_MONTHS = 48  # the owner events of a four-year history all need their own before/after
TENS_MONTHS = 18  # gaming flags: 12 months flagged, each against its previous 6


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


def months_ahead(a: np.ndarray, ahead: int) -> np.ndarray:
    """Sum of months m+1..m+ahead for each location-month m (NaN where the window runs past
    the data): the outcome window the loyalty and culture links both look forward over."""
    c = np.concatenate([np.zeros((a.shape[0], 1)), a.cumsum(axis=1)], axis=1)
    out = np.full(a.shape, np.nan)
    m = a.shape[1]
    if m > ahead:
        out[:, :m - ahead] = c[:, ahead + 1:] - c[:, 1:m - ahead + 1]
    return out
