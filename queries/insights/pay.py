"""CX-linked pay against each location's NPS change: does the pay buy improvement, or is it
paid regardless of results? (last 6 months vs the 6 before).

One comparison, stated: each pay group against the other locations *that gained no executive
owner in the last 24 months*. A new owner lifts NPS (on the demo by ~10 points), so comparing with
every other location would count the owner's lift as the pay's failure (on the demo that made
"paid regardless" look beyond the noise, z 2.47, where the like-for-like comparison gives 1.71).
Locations that gained an owner leave both sides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from queries.insights.history import History, NotAvailable, load_history, location_names
from queries.insights.intervals import fisher_ci, strength_words
from queries.results import finite_or_none, jsonable
from queries.scope import Dims, Scope
from queries.stats import Z95, nps_change_z, nps_of
from queries.targets import Targets

CHANGE_WINDOW = 6  # NPS change: last 6 months vs the 6 before; pay over those 12 months
REGARDLESS_MONTHS = 24  # "paid regardless": months looked at
REGARDLESS_SHARE = 0.8  # ... CX-linked pay in at least 80% of the months the target was missed
REGARDLESS_MIN_MISSED = 3  # ... judged only with at least 3 missed months


@dataclass(frozen=True)
class PayPoint:
    key: str
    name: str
    pay_per_employee: float | None  # CX-linked pay per employee per month, last 12 months
    pay_share: float | None  # % of variable pay tied to CX, last 12 months
    payout_alignment: float | None  # % of that CX-linked pay paid in months the target was met
    nps_before: float | None  # the 6 months before the last 6
    nps_after: float | None  # the last 6 months
    change: float | None
    z: float | None
    paid_for_cx: bool  # pay share above the scope's median
    paid_regardless: bool  # CX pay in >= 80% of >= 3 missed-target months (last 24 months)
    not_improved: bool  # NPS change <= 0
    significant_decline: bool  # two-sample z < -1.96
    flagged: bool  # paid for CX and not improved
    flagged_regardless: bool  # paid regardless of results and not improved
    new_owner: bool = False  # gained an executive owner in the last 24 months: not compared


@dataclass(frozen=True)
class GroupCompare:
    """Share not improved in a group vs the other locations without a new executive owner
    (pooled two-proportion z); `left_out` locations gained an owner and are on neither side."""

    group: str
    size: int
    not_improved: int
    rate: float | None
    others: int
    rate_others: float | None
    z: float | None
    left_out: int = 0


@dataclass(frozen=True)
class PayVsImprovement:
    scope_name: str
    median_share: float | None
    alignment_floor: float
    points: tuple[PayPoint, ...]
    paid_for_cx: GroupCompare
    paid_regardless: GroupCompare
    r: float | None  # pay per employee vs NPS change, across locations
    r_ci: tuple[float, float] | None  # Fisher z (one point per location: independent)
    sentence: str

    @property
    def flagged(self) -> tuple[PayPoint, ...]:
        return tuple(p for p in self.points if p.flagged or p.flagged_regardless)

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "pay_vs_improvement", **jsonable(self)}


def _window(h: History, column: str, first: int, last: int) -> np.ndarray:
    return h.wide(column)[:, max(first, 0):last + 1].sum(axis=1)


def _ratio(h: History, num: str, den: str, first: int, last: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return _window(h, num, first, last) / _window(h, den, first, last)


def pay_points(h: History, dims: Dims, floor: float) -> list[PayPoint]:
    c = h.col(h.month)
    a, b = c - CHANGE_WINDOW + 1, c - 2 * CHANGE_WINDOW + 1
    after = [_window(h, f"nps__{k}", a, c) for k in ("pos", "neg", "n")]
    before = [_window(h, f"nps__{k}", b, a - 1) for k in ("pos", "neg", "n")]
    v1, v0 = nps_of(*after), nps_of(*before)
    z = nps_change_z(after, before)
    share = 100 * _ratio(h, "cx_linked_pay_share__num", "cx_linked_pay_share__den", b, c)
    align = 100 * _ratio(h, "payout_alignment__num", "payout_alignment__den", b, c)
    per_emp = _ratio(h, "cx_linked_pay_share__num", "recognitions_per_employee__den", b, c)
    regardless, owner = paid_regardless(h), new_owner(h)
    ok = np.isfinite(share) & np.isfinite(v1 - v0)
    median = float(np.median(share[ok])) if ok.any() else np.nan
    names = location_names(dims)
    out = []
    for i in np.flatnonzero(ok):
        paid, flat = bool(share[i] > median), bool(v1[i] - v0[i] <= 0)
        out.append(PayPoint(h.locations[i], names.get(h.locations[i], h.locations[i]),
                            finite_or_none(per_emp[i]),
                            finite_or_none(share[i]), finite_or_none(align[i]),
                            finite_or_none(v0[i]), finite_or_none(v1[i]),
                            finite_or_none(v1[i] - v0[i]), finite_or_none(z[i]), paid,
                            bool(regardless[i]), flat,
                            bool(z[i] < -Z95), paid and flat, bool(regardless[i]) and flat,
                            bool(owner[i])))
    return out


def new_owner(h: History) -> np.ndarray:
    """Per location: an executive owner arrived (a month with one after a month without) in the
    last REGARDLESS_MONTHS months. Such locations' NPS rose for another reason: not compared."""
    c = h.col(h.month)
    cols = slice(max(0, c - REGARDLESS_MONTHS + 1), c + 1)
    num, den = h.wide("exec_owner_share__num")[:, cols], h.wide("exec_owner_share__den")[:, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        owner = np.where(den > 0, num / den >= 0.5, np.nan)
    return ((owner[:, 1:] == 1) & (owner[:, :-1] == 0)).any(axis=1)


def paid_regardless(h: History) -> np.ndarray:
    """Per location: CX-linked pay was paid in at least 80% of the months its CX target was
    missed, over the last 24 months, with at least 3 missed months to judge by.

    Why not "payout alignment below 80%": alignment also falls when a location simply misses
    its target often and is paid, as intended, in the months it meets it (76 of 130 flags on the
    demo were such). What distinguishes pay "regardless" is pay that keeps coming when the
    target is missed. A month counts as missed when none of its CX pay is recorded against a met
    target; it was paid regardless when CX-linked pay was still paid in it.
    """
    c = h.col(h.month)
    cols = slice(max(0, c - REGARDLESS_MONTHS + 1), c + 1)
    met_pay = h.wide("payout_alignment__num")[:, cols]
    all_pay = h.wide("payout_alignment__den")[:, cols]
    reported = h.wide("payout_alignment__rows")[:, cols] > 0
    missed = reported & (met_pay == 0)
    paid_anyway = missed & (all_pay > 0)
    k = missed.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(k > 0, paid_anyway.sum(axis=1) / k, 0.0)
    return (k >= REGARDLESS_MIN_MISSED) & (share >= REGARDLESS_SHARE)


def compare_groups(points: list[PayPoint], group: str) -> GroupCompare:
    like = [p for p in points if not p.new_owner]
    inside = [p for p in like if getattr(p, group)]
    rest = [p for p in like if not getattr(p, group)]
    k1, k0 = sum(p.not_improved for p in inside), sum(p.not_improved for p in rest)
    return GroupCompare(group, len(inside), k1, k1 / len(inside) if inside else None,
                        len(rest), k0 / len(rest) if rest else None,
                        _two_prop_z(k1, len(inside), k0, len(rest)), len(points) - len(like))


def alignment_floor(targets: Targets, scope: Scope, year: int) -> float:
    """Below the payout-alignment target by more than its amber band: the metric's red zone."""
    tgt = targets.for_metric("payout_alignment", scope.region, scope.location, year)
    return float(tgt.value - tgt.amber) if tgt.value is not None else 80.0


def pay_from(h: History, dims: Dims, targets: Targets) -> PayVsImprovement:
    floor = alignment_floor(targets, h.scope, h.month.year)
    pts = pay_points(h, dims, floor)
    x = np.array([p.pay_per_employee for p in pts if p.pay_per_employee is not None], float)
    y = np.array([p.change for p in pts if p.pay_per_employee is not None], float)
    r = float(np.corrcoef(x, y)[0, 1]) if x.size > 2 and x.std() > 0 and y.std() > 0 else None
    ci = fisher_ci(r, x.size) if r is not None else None
    med = float(np.median([p.pay_share for p in pts])) if pts else None
    paid, regardless = compare_groups(pts, "paid_for_cx"), compare_groups(pts, "paid_regardless")
    return PayVsImprovement(dims.name(h.scope), med, floor, tuple(pts), paid, regardless, r, ci,
                            _pay_sentence(paid, regardless, floor, r, ci))


def _two_prop_z(k1: int, n1: int, k0: int, n0: int) -> float | None:
    if not n1 or not n0:
        return None
    pool = (k1 + k0) / (n1 + n0)
    se = np.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n0))
    return float((k1 / n1 - k0 / n0) / se) if se > 0 else None


def _group_text(g: GroupCompare, who: str) -> str:
    if not g.size or g.rate is None or g.rate_others is None:
        return ""
    real = ("a difference beyond the noise" if g.z is not None and abs(g.z) > Z95
            else "within the noise")
    return (f"{g.not_improved} of {g.size} locations {who} did not improve NPS over the last six "
            f"months ({100 * g.rate:.0f}%, vs {100 * g.rate_others:.0f}% of the {g.others} "
            f"others; {'' if g.z is None else f'z = {g.z:.2f}, '}{real}).")


def _pay_sentence(paid: GroupCompare, regardless: GroupCompare, floor: float, r, ci) -> str:
    parts = [_group_text(paid, "paid most for CX (CX-linked share above the median)"),
             _group_text(regardless, "paid CX bonuses regardless of results (CX-linked pay in "
                                     "at least 80% of the months the CX target was missed)")]
    text = " ".join(p for p in parts if p)
    if not text:
        return "Too few locations with pay and NPS in both half-years to compare."
    if regardless.left_out or paid.left_out:
        text += (f" Compared only among locations without a new executive owner in the last "
                 f"{REGARDLESS_MONTHS} months ({regardless.left_out} left out: a new owner lifts "
                 "NPS for another reason).")
    if r is not None and ci is not None:
        text += (f" CX-linked pay per employee and NPS change: {strength_words(r)}, 95% "
                 f"interval {ci[0]:.2f} to {ci[1]:.2f}.")
    return text


def pay_vs_improvement(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
                       history: History | None = None) -> PayVsImprovement | NotAvailable:
    """CX-linked pay vs NPS change per location; flags pay that did not buy improvement."""
    if scope.level == "location":
        return NotAvailable("pay_vs_improvement", "Pay against improvement needs several "
                            "locations; open the location's region to compare.")
    h = history or load_history(engine, dims, scope, month,
                                max(2 * CHANGE_WINDOW, REGARDLESS_MONTHS), False)
    return pay_from(h, dims, targets)


