"""NPS parts of a scope's children (regions or locations), shared by the comparisons of children."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from queries.insights.history import History, NotAvailable, location_names
from queries.registry import BY_NAME
from queries.scope import Dims, Scope
from queries.stats import nps_of

NPS = BY_NAME["nps"]
NPS_MIN_N = NPS.min_n
PLURAL = {"region": "regions", "location": "locations"}


@dataclass(frozen=True)
class ChildNps:
    """Summed NPS parts per child over some months (children with no answers left out)."""

    keys: tuple[str | None, ...]
    names: tuple[str, ...]
    pos: np.ndarray
    neg: np.ndarray
    n: np.ndarray

    @property
    def nps(self) -> np.ndarray:
        return nps_of(self.pos, self.neg, self.n)

    @property
    def parent(self) -> tuple[float, float, float]:
        return float(self.pos.sum()), float(self.neg.sum()), float(self.n.sum())


def child_nps(h: History, dims: Dims, first: int, last: int, keep_empty: bool = False) -> ChildNps:
    """NPS parts of each child of the scope over month columns first..last (inclusive)."""
    covered = 0 <= first <= last < len(h.months)  # a window outside the history has no data
    parts = [a[:, first:last + 1].sum(axis=1) if covered else np.zeros(len(h.locations))
             for a in h.nps_parts()]
    child = h.regions if h.scope.level == "company" else h.locations
    df = pd.DataFrame({"key": list(child), "pos": parts[0], "neg": parts[1], "n": parts[2]})
    df = df.groupby("key", dropna=False, sort=True, as_index=False).sum()
    if not keep_empty:
        df = df[df.n > 0]
    keys = tuple(None if pd.isna(k) else str(k) for k in df.key)
    if h.scope.level == "company":
        names = tuple(dims.child_name(h.scope, k) for k in keys)
    else:
        lookup = location_names(dims)
        names = tuple(lookup.get(str(k), str(k)) for k in keys)
    return ChildNps(keys, names, df.pos.to_numpy(float), df.neg.to_numpy(float),
                    df.n.to_numpy(float))


def needs_children(scope: Scope, analysis: str) -> NotAvailable | None:
    if scope.child_level is None:
        return NotAvailable(analysis, "A single location has no children to compare; "
                            "open its region to see where it stands.")
    return None


