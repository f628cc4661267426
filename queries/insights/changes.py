"""Who really improved: a change is called only when a two-sample z-test says so after
Benjamini-Hochberg control over every child compared, and it is at least one NPS point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from queries.insights.children import NPS, NPS_MIN_N, child_nps, needs_children
from queries.insights.history import History, NotAvailable, load_history
from queries.results import finite_or_none, jsonable, signed
from queries.scope import Dims, Scope
from queries.stats import benjamini_hochberg, material, normal_two_sided_p, nps_change_z


@dataclass(frozen=True)
class ChangeRow:
    key: str | None
    name: str
    nps: float
    n: float
    before: float
    n_before: float
    change: float
    z: float
    direction: str  # rise, fall, steady (within the noise) or n/a
    small_sample_warning: bool  # either n below the NPS minimum: beware regression to the mean
    q: float | None = None  # Benjamini-Hochberg adjusted p over every child in the comparison


@dataclass(frozen=True)
class Changes:
    label: str
    window: int  # months pooled on each side
    lag: int  # months between the two windows' ends
    rows: tuple[ChangeRow, ...]  # biggest rise first
    sentence: str

    @property
    def improved(self) -> tuple[ChangeRow, ...]:
        return tuple(r for r in self.rows if r.direction == "rise")

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "nps_changes", **jsonable(self)}


def changes_from(h: History, dims: Dims, lag: int, window: int = 1,
                 label: str | None = None) -> Changes:
    c = h.col(h.month)
    now = child_nps(h, dims, c - window + 1, c, keep_empty=True)
    then = child_nps(h, dims, c - lag - window + 1, c - lag, keep_empty=True)
    v1, v0 = now.nps, then.nps
    z = nps_change_z((now.pos, now.neg, now.n), (then.pos, then.neg, then.n))
    keep = [i for i in range(len(now.keys)) if now.n[i] > 0 or then.n[i] > 0]
    # Every child compared is one test: false discoveries controlled over all of them (BH).
    p = np.array([normal_two_sided_p(float(z[i])) for i in keep])
    reject, q = benjamini_hochberg(p)
    rows = []
    for j, i in enumerate(keep):
        delta = float(v1[i] - v0[i])
        if np.isnan(z[i]):
            d = "n/a"
        elif reject[j] and material(delta, NPS.decimals, NPS.min_change):
            d = "rise" if delta > 0 else "fall"
        else:
            d = "steady"
        rows.append(ChangeRow(now.keys[i], now.names[i], float(v1[i]), float(now.n[i]),
                              float(v0[i]), float(then.n[i]), delta, float(z[i]),
                              d, bool(min(now.n[i], then.n[i]) < NPS_MIN_N), finite_or_none(q[j])))
    rows.sort(key=lambda r: -r.change if np.isfinite(r.change) else np.inf)
    label = label or f"vs {lag} month{'s' if lag > 1 else ''} earlier"
    return Changes(label, window, lag, tuple(rows), _change_sentence(rows, label))


def _change_sentence(rows: list[ChangeRow], label: str) -> str:
    rises = [r for r in rows if r.direction == "rise"]
    falls = [r for r in rows if r.direction == "fall"]
    noise = sum(r.direction == "steady" and r.change > 0 for r in rows)
    if not any(r.direction != "n/a" for r in rows):
        return f"No NPS answers on both sides to compare {label}."
    if not rises:
        text = (f"NPS {label}: no rise beyond the noise (all {len(rows)} compared at once, "
                "at most 1 in 20 of the calls made by chance).")
    else:
        top = rises[0]
        warn = " (small sample: may fall back)" if top.small_sample_warning else ""
        text = (f"Most improved NPS {label}: {top.name}, {signed(top.change, 0)} points to "
                f"{top.nps:.0f} (n = {top.n:,.0f}){warn}; {len(rises)} rise"
                f"{'s' if len(rises) != 1 else ''} beyond the noise in all (all {len(rows)} "
                "compared at once, at most 1 in 20 of the calls made by chance).")
    return text + f" {len(falls)} fall{'s' if len(falls) != 1 else ''} beyond the noise; " \
                  f"{noise} other increase{'s' if noise != 1 else ''} within the noise."


@dataclass(frozen=True)
class MostImproved:
    vs_previous: Changes
    vs_3_months: Changes
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "most_improved", "sentence": self.sentence,
                "vs_previous": self.vs_previous.as_dict(),
                "vs_3_months": self.vs_3_months.as_dict()}


LOCATION_MONTHS = 3  # months pooled on each side of a location's change (issue 32 item 3)


def most_improved_from(h: History, dims: Dims) -> MostImproved:
    """Regions: this month against the previous month and against 3 months earlier. Locations:
    rolling 3 months against the 3 months before, answers pooled (one comparison, in both
    fields): a location's single month (~50 answers, NPS +/-19) cannot carry a call."""
    if h.scope.child_level == "location":
        w = LOCATION_MONTHS
        pooled = changes_from(h, dims, w, w, f"over rolling {w} months vs the {w} months before")
        return MostImproved(pooled, pooled, pooled.sentence)
    prev = changes_from(h, dims, 1, 1, "vs the previous month")
    three = changes_from(h, dims, 3, 1, "vs 3 months earlier")
    return MostImproved(prev, three, f"{prev.sentence} {three.sentence}")


def nps_changes(engine: Engine, dims: Dims, scope: Scope, month: date, lag: int,
                window: int = 1, history: History | None = None) -> Changes | NotAvailable:
    """Children's NPS over the last `window` months vs the `window` months `lag` months earlier."""
    missing = needs_children(scope, "nps_changes")
    if missing:
        return missing
    h = history or load_history(engine, dims, scope, month, lag + window, False)
    return changes_from(h, dims, lag, window)


def most_improved(engine: Engine, dims: Dims, scope: Scope, month: date,
                  history: History | None = None) -> MostImproved | NotAvailable:
    """Most improved children vs last month and vs 3 months earlier, significance-aware."""
    missing = needs_children(scope, "most_improved")
    if missing:
        return missing
    months = 2 * LOCATION_MONTHS if scope.child_level == "location" else 4
    return most_improved_from(history or load_history(engine, dims, scope, month, months, False),
                              dims)
