"""Leadership -> customers: did NPS rise where leaders took ownership, more than elsewhere?

A difference-in-differences on event time. Each treated location is aligned on its own event
month (an executive owner arrives, or listening hours per leader jump); its NPS in the 3 months
before is compared with months +1..+3 and +1..+6 after. The same calendar months of locations that
were never treated, pooled, give the change that would have happened anyway (season, company-wide
drift). The 95% interval comes from a bootstrap over locations, which respects that months of one
location are not independent answers.

The design assumes parallel trends (treated and comparison locations would have moved alike
without the event); the result carries its check, the same DiD over months -6..-4 vs -3..-1.
Listening hours are analysed net of the owner event (owner-event locations leave both groups):
a new owner doubles listening at once, so otherwise the same event would be counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
from sqlalchemy.engine import Engine

from queries.insights.history import History, NotAvailable, load_history
from queries.insights.intervals import SEED, percentile_ci, resample_counts
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


@dataclass(frozen=True)
class Events:
    """Event column per location (-1: none) and which locations may serve as controls."""

    column: np.ndarray
    control: np.ndarray


def owner_events(h: History) -> Events:
    """First month an executive owner is assigned after a month without one."""
    num, den = h.wide("exec_owner_share__num"), h.wide("exec_owner_share__den")
    with np.errstate(divide="ignore", invalid="ignore"):
        owner = np.where(den > 0, num / den >= 0.5, np.nan)
    gain = (owner[:, 1:] == 1) & (owner[:, :-1] == 0)
    has = gain.any(axis=1)
    column = np.where(has, gain.argmax(axis=1) + 1, -1)
    return Events(column, ~has & (den > 0).any(axis=1))


def listening_events(h: History) -> Events:
    """The month with the largest jump in listening hours per leader (6 months on vs 12 before)."""
    hours = h.wide("listening_hours_per_leader__num")
    ch, cl = _prefix_sums(hours), _prefix_sums(h.wide("listening_hours_per_leader__den"))
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
    effect: float | None  # NPS points, treated change minus control change
    low: float | None
    high: float | None
    se: float | None  # bootstrap standard deviation
    n_treated: int
    n_control: int
    treated_before: float | None
    treated_after: float | None
    control_before: float | None
    control_after: float | None

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

    def horizon(self, months: int) -> DidEstimate:
        return next(e for e in self.horizons if e.months_after == months)

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": f"leadership_{self.treatment}", **jsonable(self)}


def _prefix_sums(a: np.ndarray) -> np.ndarray:
    """Running sums along the months with a leading 0: a window's sum is two look-ups."""
    return np.concatenate([np.zeros((a.shape[0], 1)), a.cumsum(axis=1)], axis=1)


def _sums_per_window(parts: list[np.ndarray], rows: np.ndarray, starts: np.ndarray,
                     ends: np.ndarray) -> np.ndarray:
    """(3, len(rows), len(starts)) sums of pos/neg/n of `rows` over each [start, end] window."""
    return np.stack([c[rows][:, ends + 1] - c[rows][:, starts] for c in parts])


def _sums_own_window(parts: list[np.ndarray], rows: np.ndarray, starts: np.ndarray,
                     ends: np.ndarray) -> np.ndarray:
    """(3, len(rows)) sums of each row over its own [start, end] window."""
    return np.stack([c[rows, ends + 1] - c[rows, starts] for c in parts])


def did_estimate(h: History, ev: Events, after: int, draws: int = DRAWS,
                 placebo: bool = False) -> DidEstimate:
    """Pooled DiD of NPS, before = -3..-1 and after = +1..+after, bootstrap over locations.

    `placebo`: the pre-trend check instead, months -6..-4 against -3..-1 (both before the
    event): under parallel trends it is zero, whatever the event did afterwards.
    """
    parts = [_prefix_sums(a) for a in h.nps_parts()]
    last = len(h.months) - 1
    b0, b1, a0, a1 = (-2 * PRE, -PRE - 1, -PRE, -1) if placebo else (-PRE, -1, 1, after)
    treated = np.flatnonzero((ev.column + b0 >= 0) & (ev.column >= 0)
                             & (ev.column + a1 <= last))
    control = np.flatnonzero(ev.control)
    e = ev.column[treated]
    t_pre = _sums_own_window(parts, treated, e + b0, e + b1)
    t_post = _sums_own_window(parts, treated, e + a0, e + a1)
    c_pre = _sums_per_window(parts, control, e + b0, e + b1)  # (3, C, T)
    c_post = _sums_per_window(parts, control, e + a0, e + a1)
    ones_t, ones_c = np.ones((1, treated.size)), np.ones((1, control.size))
    point = _did(t_pre, t_post, c_pre, c_post, ones_t, ones_c)
    rng = np.random.default_rng(SEED)
    a, b = resample_counts(rng, treated.size, draws), resample_counts(rng, control.size, draws)
    boot = _did(t_pre, t_post, c_pre, c_post, a, b)["effect"]
    ci = percentile_ci(boot) if treated.size and control.size else None
    return DidEstimate(after, finite_or_none(point["effect"][0]), ci and ci[0], ci and ci[1],
                       finite_or_none(float(np.nanstd(boot))) if ci else None, int(treated.size),
                       int(control.size),
                       *(finite_or_none(point[k][0]) for k in ("tb", "ta", "cb", "ca")))


def _did(t_pre, t_post, c_pre, c_post, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """DiD for each row of treated weights `a` (draws, T) and control weights `b` (draws, C)."""
    def treated(cell):
        return nps_of(*(a @ cell[k] for k in range(3)))

    def ctrl(cell):
        return nps_of(*(((b @ cell[k]) * a).sum(axis=1) for k in range(3)))

    tb, ta, cb, ca = treated(t_pre), treated(t_post), ctrl(c_pre), ctrl(c_post)
    return {"effect": (ta - tb) - (ca - cb), "tb": tb, "ta": ta, "cb": cb, "ca": ca}


def event_study(h: History, ev: Events) -> tuple[EventPoint, ...]:
    """Pooled NPS at each month since the event, treated vs controls in the same calendar months."""
    pos, neg, n = h.nps_parts()
    treated, control = np.flatnonzero(ev.column >= 0), np.flatnonzero(ev.control)
    ctrl = [a[control].sum(axis=0) for a in (pos, neg, n)]  # per calendar month
    out = []
    for k in range(-EVENT_WINDOW, EVENT_WINDOW + 1):
        cols = ev.column[treated] + k
        ok = (cols >= 0) & (cols < len(h.months))
        rows, cols = treated[ok], cols[ok]
        t = [a[rows, cols].sum() for a in (pos, neg, n)]
        c = [x[cols].sum() for x in ctrl]
        out.append(EventPoint(k, finite_or_none(nps_of(*t)), finite_or_none(nps_of(*c)),
                              float(t[2]), float(c[2])))
    return tuple(out)


def net_of_owner(h: History, ev: Events) -> Events:
    """Listening events without the owner event: a new owner doubles listening hours at once
    (81% of listening events on the demo were owner events), so counting both would count one
    event twice. Locations that gained an owner leave both the treated and the comparison group."""
    owner = owner_events(h).column >= 0
    return Events(np.where(owner, -1, ev.column), ev.control & ~owner)


def effect_from(h: History, treatment: Treatment = "owner") -> LeadershipEffect:
    ev = owner_events(h) if treatment == "owner" else net_of_owner(h, listening_events(h))
    horizons = tuple(did_estimate(h, ev, k) for k in HORIZONS)
    pre = did_estimate(h, ev, PRE, placebo=True)
    return LeadershipEffect(treatment, LABELS[treatment], horizons, event_study(h, ev),
                            _sentence(treatment, horizons, pre), pre,
                            treatment == "listening")


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


def _sentence(treatment: str, horizons: tuple[DidEstimate, ...],
              pre: DidEstimate | None = None) -> str:
    long, short = horizons[-1], horizons[0]
    who = f"Locations that {LABELS[treatment]}"
    if long.effect is None or long.low is None:
        return (f"{who}: too few locations with a before and after ({long.n_treated} treated, "
                f"{long.n_control} comparison) to estimate a difference.")
    ci = f"95% interval {long.low:+.1f} to {long.high:+.1f}"
    short_txt = "" if short.effect is None or short.low is None else (
        f"; over three months {signed(short.effect)} ({short.low:+.1f} to {short.high:+.1f})")
    base = (f"{long.n_treated} locations vs {long.n_control} that did not, same calendar "
            f"months{short_txt}")
    if not long.significant:
        return (f"{who} show no clear NPS difference six months on: {signed(long.effect)} points "
                f"vs comparable locations ({ci}; {base})." + _pre_text(pre))
    verb = "gained" if long.effect > 0 else "lost"
    return (f"{who} {verb} {abs(long.effect):.1f} NPS points more than comparable locations over "
            f"the six months after ({ci}; {base})." + _pre_text(pre))


def leadership_effect(engine: Engine, dims: Dims, scope: Scope, month: date,
                      treatment: Treatment = "owner",
                      history: History | None = None) -> LeadershipEffect | NotAvailable:
    """Difference-in-differences of NPS around leadership events, vs never-treated locations."""
    if scope.level == "location":
        return NotAvailable(f"leadership_{treatment}", "One location cannot be compared with "
                            "itself: open its region or the company to see the effect.")
    return effect_from(history or load_history(engine, dims, scope, month, with_tens=False),
                       treatment)
