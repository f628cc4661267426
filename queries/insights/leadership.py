"""Leadership -> customers: did NPS rise where leaders took ownership, more than elsewhere?

A staggered-adoption difference-in-differences (queries/insights/staggered.py, Callaway and
Sant'Anna style). Each location that gains an owner is aligned on its own event month; its NPS in
the 3 months before is compared with months +1..+3 and +1..+6 after, against the same calendar
months of the locations that have not yet gained an owner by then (they were chosen for an owner
too, only later; locations that never gain one are not used: on the demo they include a group
whose NPS drifts down). The interval comes from a bootstrap over the units treatment is assigned
to (locations, or regions when roll-outs are region-wide).

It is an estimate of an association under an assumption, not proof of cause: parallel trends
(adopters and not-yet adopters would have moved alike without the event). The result carries its
check, the same DiD over months -6..-4 vs -3..-1. Listening hours are analysed net of the owner
event (owner-event locations leave both groups), against locations that never raised them: a new
owner doubles listening at once, so otherwise the same event would be counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
from sqlalchemy.engine import Engine

from queries.insights.history import History, NotAvailable, load_history
from queries.insights.staggered import (
    MIN_CLUSTERS,
    MIN_TREATED,
    Events,
    clusters,
    did,
    eligible,
    prefix_sums,
)
from queries.results import finite_or_none, jsonable, signed
from queries.scope import Dims, Scope
from queries.stats import nps_of

Treatment = Literal["owner", "listening"]
PRE = 3  # months before the event compared
HORIZONS = (3, 6)  # months after the event compared (the event month itself is left out)
EVENT_WINDOW = 6  # event-study chart: months -6..+6
LISTEN_BEFORE, LISTEN_AFTER = 12, 6  # listening per leader: 6 months from the event vs 12 before
LISTEN_RATIO = 1.8  # ... at least 1.8x (nearly doubled: monthly hours vary ~35% by chance)
LISTEN_MIN_RISE = 0.25  # ... and at least this many more hours per leader
DRAWS = 1000
LABELS = {"owner": "gained an executive owner",
          "listening": "markedly raised leaders' listening hours without gaining an owner"}
CONTROLS = {"not yet treated": "locations not yet treated (an owner came later)",
            "not yet or never treated": "locations not yet or never treated (too few gained an "
                                        "owner later)",
            "never treated": "locations that never did"}

__all__ = ["Events", "LeadershipEffect", "effect_from", "leadership_effect", "owner_events"]


def owner_events(h: History) -> Events:
    """First month an executive owner is assigned after a month without one. Comparisons: the
    locations not yet treated; never-owner locations join them only when those are too few
    (fewer than MIN_CLUSTERS clusters). Locations with an owner from the start never compare:
    they were treated before the history began."""
    num, den = h.wide("exec_owner_share__num"), h.wide("exec_owner_share__den")
    with np.errstate(divide="ignore", invalid="ignore"):
        owner = np.where(den > 0, num / den >= 0.5, np.nan)
    gain = (owner[:, 1:] == 1) & (owner[:, :-1] == 0)
    has = gain.any(axis=1)
    column = np.where(has, gain.argmax(axis=1) + 1, -1)
    never = ~(owner == 1).any(axis=1) & (den > 0).any(axis=1)
    return Events(column, np.zeros(column.size, bool), not_yet=True, fallback=never)


def listening_events(h: History) -> Events:
    """The month with the largest jump in listening hours per leader (6 months on vs 12 before)."""
    hours = h.wide("listening_hours_per_leader__num")
    ch, cl = prefix_sums(hours), prefix_sums(h.wide("listening_hours_per_leader__den"))
    m = np.arange(LISTEN_BEFORE, hours.shape[1] - LISTEN_AFTER + 1)
    if m.size == 0:
        return Events(np.full(hours.shape[0], -1), np.zeros(hours.shape[0], bool))
    b, a = LISTEN_BEFORE, LISTEN_AFTER
    with np.errstate(divide="ignore", invalid="ignore"):
        pre = (ch[:, m] - ch[:, m - b]) / (cl[:, m] - cl[:, m - b])
        post = (ch[:, m + a] - ch[:, m]) / (cl[:, m + a] - cl[:, m])
        ratio = np.where((post - pre >= LISTEN_MIN_RISE) & (pre > 0), post / pre, np.nan)
    best = np.nanmax(np.where(np.isfinite(ratio), ratio, -np.inf), axis=1)
    has = best >= LISTEN_RATIO
    column = np.where(has, m[np.argmax(np.nan_to_num(ratio, nan=-1.0), axis=1)], -1)
    known = np.isfinite(pre).any(axis=1)
    return Events(column, ~has & known)


@dataclass(frozen=True)
class DidEstimate:
    months_after: int
    effect: float | None  # NPS points, treated change minus comparison change
    low: float | None  # 95% interval: effect +- t(clusters - 1) bootstrap SDs
    high: float | None
    se: float | None  # bootstrap standard deviation (over clusters)
    n_treated: int
    n_control: int
    treated_before: float | None
    treated_after: float | None
    control_before: float | None
    control_after: float | None
    n_clusters: int = 0  # clusters the bootstrap resampled
    cluster_level: str = "location"  # where treatment is assigned: location or region
    controls: str = ""  # "not yet treated", "not yet or never treated" or "never treated"

    @property
    def significant(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


@dataclass(frozen=True)
class EventPoint:
    month: int  # months since the event
    treated_nps: float | None
    control_nps: float | None
    treated_n: float
    control_n: float


@dataclass(frozen=True)
class LeadershipEffect:
    treatment: str
    label: str
    horizons: tuple[DidEstimate, ...]
    event_study: tuple[EventPoint, ...]
    sentence: str
    # Parallel-trends check: the same DiD over months -6..-4 vs -3..-1, before any event.
    pre_trend: DidEstimate | None = None
    net_of_owner: bool = False  # listening: owner-event locations left out of both groups
    controls: str = ""  # who the adopters are compared with, in words

    def horizon(self, months: int) -> DidEstimate:
        return next(e for e in self.horizons if e.months_after == months)

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": f"leadership_{self.treatment}", **jsonable(self)}


def did_estimate(h: History, ev: Events, after: int, draws: int = DRAWS,
                 placebo: bool = False) -> DidEstimate:
    """DiD of NPS, before = -3..-1 and after = +1..+after, bootstrap over assignment clusters.

    `placebo`: the pre-trend check instead, months -6..-4 against -3..-1 (both before the
    event): under parallel trends it is zero, whatever the event did afterwards.
    """
    window = (-2 * PRE, -PRE - 1, -PRE, -1) if placebo else (-PRE, -1, 1, after)
    cl, level = clusters(h, ev)
    est = did(h, ev, window, draws, cl)
    if est is None:
        return DidEstimate(after, None, None, None, None, 0, int(ev.control.sum()),
                           None, None, None, None, 0, level, "")
    return DidEstimate(after, finite_or_none(est.effect), est.low, est.high, est.se,
                       est.n_treated, est.n_control, *(finite_or_none(x) for x in est.cells),
                       est.n_clusters, level, est.controls)


def event_study(h: History, ev: Events) -> tuple[EventPoint, ...]:
    """Pooled NPS at each month since the event: adopters, and the same calendar months of the
    locations that may compare with them (not yet treated through month +6, or never)."""
    pos, neg, n = h.nps_parts()
    treated = np.flatnonzero(ev.column >= 0)
    e = ev.column[treated]
    ok = eligible(ev, e + EVENT_WINDOW)
    out = []
    for k in range(-EVENT_WINDOW, EVENT_WINDOW + 1):
        cols = e + k
        keep = (cols >= 0) & (cols < len(h.months))
        rows, cols, mask = treated[keep], cols[keep], ok[:, keep]
        t = [a[rows, cols].sum() for a in (pos, neg, n)]
        c = [(a[:, cols] * mask).sum() for a in (pos, neg, n)]
        out.append(EventPoint(k, finite_or_none(nps_of(*t)), finite_or_none(nps_of(*c)),
                              float(t[2]), float(c[2])))
    return tuple(out)


def net_of_owner(h: History, ev: Events) -> Events:
    """Listening events without the owner event: a new owner doubles listening hours at once
    (81% of listening events on the demo were owner events), so counting both would count one
    event twice. Locations that gained an owner leave both the treated and the comparison group."""
    owner = owner_events(h).column >= 0
    return Events(np.where(owner, -1, ev.column), ev.control & ~owner)


def effect_from(h: History, treatment: Treatment = "owner",
                draws: int = DRAWS) -> LeadershipEffect:
    ev = owner_events(h) if treatment == "owner" else net_of_owner(h, listening_events(h))
    horizons = tuple(did_estimate(h, ev, k, draws) for k in HORIZONS)
    pre = did_estimate(h, ev, PRE, draws, placebo=True)
    return LeadershipEffect(treatment, LABELS[treatment], horizons, event_study(h, ev),
                            _sentence(treatment, horizons, pre), pre,
                            treatment == "listening", CONTROLS.get(horizons[-1].controls, ""))


def _pre_text(pre: DidEstimate | None) -> str:
    """The parallel-trends assumption in words, with its check."""
    head = (" This assumes parallel trends: without the event, both groups would have moved "
            "alike")
    if pre is None or pre.effect is None or pre.low is None or pre.high is None:
        return head + " (too few months before the events to check)."
    ci = f"{pre.low:+.1f} to {pre.high:+.1f}"
    if pre.significant:
        return (head + f"; before the events they did not (pre-trend {signed(pre.effect)} "
                f"points, 95% interval {ci}), so read the difference with caution.")
    return head + (f"; the check before the events finds no clear difference (pre-trend "
                   f"{signed(pre.effect)} points, 95% interval {ci}).")


def _units(e: DidEstimate) -> str:
    return "regions" if e.cluster_level == "region" else "locations"


def _sentence(treatment: str, horizons: tuple[DidEstimate, ...],
              pre: DidEstimate | None = None) -> str:
    long, short = horizons[-1], horizons[0]
    who = f"Locations that {LABELS[treatment]}"
    if long.effect is None or long.low is None:
        return (f"{who}: too few to estimate a difference ({long.n_treated} with a before and "
                f"after, {long.n_control} to compare with; at least {MIN_TREATED} adopting "
                f"locations and {MIN_CLUSTERS} {_units(long)} on each side are needed).")
    ci = f"95% interval {long.low:+.1f} to {long.high:+.1f}"
    short_txt = "" if short.effect is None or short.low is None else (
        f"; over three months {signed(short.effect)} ({short.low:+.1f} to {short.high:+.1f})")
    base = (f"{long.n_treated} locations vs {long.n_control} {CONTROLS[long.controls]}, same "
            f"calendar months, interval over {long.n_clusters} {_units(long)}{short_txt}")
    if not long.significant:
        return (f"{who} show no clear NPS difference six months on: {signed(long.effect)} points "
                f"vs comparable locations ({ci}; {base})." + _pre_text(pre))
    verb = "rose" if long.effect > 0 else "fell"
    return (f"Estimated: NPS {verb} {abs(long.effect):.1f} points more at locations that "
            f"{LABELS[treatment]} than at comparable locations over the six months after ({ci}; "
            f"{base}). An association under an assumption, not proof of cause."
            + _pre_text(pre))


def leadership_effect(engine: Engine, dims: Dims, scope: Scope, month: date,
                      treatment: Treatment = "owner",
                      history: History | None = None) -> LeadershipEffect | NotAvailable:
    """Staggered difference-in-differences of NPS around leadership events (module docstring)."""
    if scope.level == "location":
        return NotAvailable(f"leadership_{treatment}", "One location cannot be compared with "
                            "itself: open its region or the company to see the effect.")
    return effect_from(history or load_history(engine, dims, scope, month, with_tens=False),
                       treatment)
