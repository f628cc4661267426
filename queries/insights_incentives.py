"""Incentives -> outcomes: is CX-linked pay paid for CX, does it buy improvement, is it gamed?

Three views: payout alignment month by month; CX-linked pay per employee against each location's
NPS change (last 6 months vs the 6 before), flagging locations paid most for CX that did not
improve or that are paid regardless of results; and location-months where the score rose
alongside a pattern that suggests gaming (a jump in 10s, in response volume, or a fall in response
rate), each against the location's own previous 6 months (volume and rate also against its peers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from queries.insights_common import (
    Z998,
    History,
    NotAvailable,
    change_z,
    fisher_ci,
    jsonable,
    load_history,
    location_names,
    nps_of,
    opt,
)
from queries.scope import Dims, Scope
from queries.stats import Z95
from queries.targets import Targets

ALIGN_MONTHS = 24  # payout alignment series length
CHANGE_WINDOW = 6  # NPS change: last 6 months vs the 6 before; pay over those 12 months
BASELINE = 6  # gaming: each month against the location's previous 6
GAMING_MONTHS = 12  # gaming: months flagged
VOLUME_RATIO = 1.5  # volume jump: at least 1.5x the baseline median, beyond the peers' change
RATE_RATIO = 2 / 3  # rate fall: at most 2/3 of the baseline rate, beyond the peers' change
MIN_PEERS = 10  # volume and rate are judged against peers: at least 10 locations needed
REGARDLESS_MONTHS = 24  # "paid regardless": months looked at
REGARDLESS_SHARE = 0.8  # ... CX-linked pay in at least 80% of the months the target was missed
REGARDLESS_MIN_MISSED = 3  # ... judged only with at least 3 missed months


# --- payout alignment over time -----------------------------------------------------------


@dataclass(frozen=True)
class AlignmentPoint:
    month: date
    payout_alignment: float | None  # % of CX-linked pay paid where the CX target was met
    cx_linked_pay_share: float | None  # % of variable pay tied to CX
    locations: int


@dataclass(frozen=True)
class PayoutAlignment:
    scope_name: str
    target: float | None
    series: tuple[AlignmentPoint, ...]
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "payout_alignment", **jsonable(self)}


def alignment_from(h: History, dims: Dims, targets: Targets) -> PayoutAlignment:
    met, paid = h.wide("payout_alignment__num").sum(0), h.wide("payout_alignment__den").sum(0)
    cx, var = h.wide("cx_linked_pay_share__num").sum(0), h.wide("cx_linked_pay_share__den").sum(0)
    rows = (h.wide("payout_alignment__rows") > 0).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        align, share = 100 * met / paid, 100 * cx / var
    first = max(0, len(h.months) - ALIGN_MONTHS)
    series = tuple(AlignmentPoint(h.months[k], opt(align[k]), opt(share[k]), int(rows[k]))
                   for k in range(first, len(h.months)))
    tgt = targets.for_metric("payout_alignment", h.scope.region, h.scope.location,
                             h.month.year).value
    return PayoutAlignment(dims.name(h.scope), tgt, series, _align_sentence(series, tgt))


def _align_sentence(series: tuple[AlignmentPoint, ...], target: float | None) -> str:
    now = series[-1]
    if now.payout_alignment is None:
        return f"No CX-linked pay was reported for {now.month:%B %Y}."
    text = (f"In {now.month:%B %Y}, {now.payout_alignment:.0f}% of CX-linked pay went where the "
            f"CX target was met, so {100 - now.payout_alignment:.0f}% was paid regardless")
    text += "." if target is None else f" (target {target:.0f}%)."
    year = series[-13] if len(series) >= 13 else None
    if year is not None and year.payout_alignment is not None:
        text += f" A year earlier: {year.payout_alignment:.0f}%."
    return text


def payout_alignment(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
                     history: History | None = None) -> PayoutAlignment:
    """Monthly payout alignment and CX-linked pay share for the scope (any level)."""
    h = history or load_history(engine, dims, scope, month, ALIGN_MONTHS, False)
    return alignment_from(h, dims, targets)


# --- pay vs improvement -------------------------------------------------------------------


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


@dataclass(frozen=True)
class GroupCompare:
    """Share not improved in a group vs the other locations, with a two-proportion z."""

    group: str
    size: int
    not_improved: int
    rate: float | None
    others: int
    rate_others: float | None
    z: float | None


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
    z = change_z(after, before)
    share = 100 * _ratio(h, "cx_linked_pay_share__num", "cx_linked_pay_share__den", b, c)
    align = 100 * _ratio(h, "payout_alignment__num", "payout_alignment__den", b, c)
    per_emp = _ratio(h, "cx_linked_pay_share__num", "recognitions_per_employee__den", b, c)
    regardless = paid_regardless(h)
    ok = np.isfinite(share) & np.isfinite(v1 - v0)
    median = float(np.median(share[ok])) if ok.any() else np.nan
    names = location_names(dims)
    out = []
    for i in np.flatnonzero(ok):
        paid, flat = bool(share[i] > median), bool(v1[i] - v0[i] <= 0)
        out.append(PayPoint(h.locations[i], names.get(h.locations[i], h.locations[i]),
                            opt(per_emp[i]),
                            opt(share[i]), opt(align[i]), opt(v0[i]), opt(v1[i]),
                            opt(v1[i] - v0[i]), opt(z[i]), paid, bool(regardless[i]), flat,
                            bool(z[i] < -Z95), paid and flat, bool(regardless[i]) and flat))
    return out


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
    inside = [p for p in points if getattr(p, group)]
    rest = [p for p in points if not getattr(p, group)]
    k1, k0 = sum(p.not_improved for p in inside), sum(p.not_improved for p in rest)
    return GroupCompare(group, len(inside), k1, k1 / len(inside) if inside else None,
                        len(rest), k0 / len(rest) if rest else None,
                        _two_prop_z(k1, len(inside), k0, len(rest)))


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
            f"months ({100 * g.rate:.0f}%, vs {100 * g.rate_others:.0f}% of the others; {real}).")


def _pay_sentence(paid: GroupCompare, regardless: GroupCompare, floor: float, r, ci) -> str:
    parts = [_group_text(paid, "paid most for CX (CX-linked share above the median)"),
             _group_text(regardless, "paid CX bonuses regardless of results (CX-linked pay in "
                                     "at least 80% of the months the CX target was missed)")]
    text = " ".join(p for p in parts if p)
    if not text:
        return "Too few locations with pay and NPS in both half-years to compare."
    if r is not None and ci is not None:
        text += (f" CX-linked pay per employee and NPS change: r = {r:.2f} "
                 f"(95% CI {ci[0]:.2f} to {ci[1]:.2f}).")
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


# --- gaming patterns ----------------------------------------------------------------------


@dataclass(frozen=True)
class GamingFlag:
    key: str
    name: str
    month: date
    signals: tuple[str, ...]  # tens_jump, volume_jump, rate_fall
    nps: float | None
    nps_baseline: float | None
    tens_share: float | None
    tens_share_baseline: float | None
    responses: float
    responses_baseline: float  # median of the previous 6 months
    response_rate: float | None  # responses per 100 customers served
    response_rate_baseline: float | None


@dataclass(frozen=True)
class Gaming:
    scope_name: str
    months: tuple[date, ...]
    location_months: int  # tested (with a baseline)
    signal_counts: dict[str, int]  # each signal, with or without a rising score
    flags: tuple[GamingFlag, ...]  # rising score with at least one signal
    sentence: str

    @property
    def rate(self) -> float:
        return len(self.flags) / self.location_months if self.location_months else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "gaming", "rate": round(self.rate, 5), **jsonable(self)}


def _base(a: np.ndarray, c: int) -> np.ndarray:
    return a[:, c - BASELINE:c].sum(axis=1)


def _prop_z(k1, n1, k0, n0) -> np.ndarray:
    """Pooled two-proportion z, NaN where either sample is empty."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pool = (k1 + k0) / (n1 + n0)
        se = np.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n0))
        return np.where((n1 > 0) & (n0 > 0) & (se > 0), (k1 / n1 - k0 / n0) / se, np.nan)


def peer_z(log_change: np.ndarray) -> tuple[np.ndarray, float]:
    """Robust z of each location's log change against its peers' the same month.

    Median and MAD (x 1.4826) of the peers, so the season, company-wide swings and the ordinary
    month-to-month spread of volumes set the yardstick; a few gamed locations cannot move it.
    """
    ok = np.isfinite(log_change)
    if ok.sum() < MIN_PEERS:
        return np.full(log_change.shape, np.nan), float("nan")
    med = float(np.median(log_change[ok]))
    mad = 1.4826 * float(np.median(np.abs(log_change[ok] - med)))
    if not mad > 0:
        return np.full(log_change.shape, np.nan), med
    with np.errstate(invalid="ignore"):
        return (log_change - med) / mad, med


def _nps_rise_z(h: History, c: int) -> np.ndarray:
    """NPS this month vs the previous 6 (pooled-variance z, as for every change here)."""
    pos, neg, n = h.nps_parts()
    return change_z((pos[:, c], neg[:, c], n[:, c]), tuple(_base(a, c) for a in (pos, neg, n)))


def _log_changes(h: History, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Log of volume vs its baseline median, and of response rate vs the baseline rate."""
    vol = h.wide("responses__n")
    cust = h.wide("retention_rate__den") + h.wide("referral_rate__den")
    med = np.median(vol[:, c - BASELINE:c], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lv = np.where(med > 0, np.log(vol[:, c] / med), np.nan)
        rate0 = _base(vol, c) / _base(cust, c)
        lr = np.where((rate0 > 0) & (cust[:, c] > 0), np.log(vol[:, c] / cust[:, c] / rate0),
                      np.nan)
    return lv, lr


def month_signals(h: History, c: int) -> dict[str, np.ndarray]:
    """Per location for month column c: the rising score and the three gaming signals."""
    tens, valid = h.wide("tens", "tens"), h.wide("valid", "tens")
    lv, lr = _log_changes(h, c)
    z_vol, m_vol = peer_z(lv)
    z_rate, m_rate = peer_z(lr)
    z_nps = _nps_rise_z(h, c)
    with np.errstate(invalid="ignore"):
        return {
            "tested": np.isfinite(z_nps),
            "rising": z_nps > Z95,
            "tens_jump": _prop_z(tens[:, c], valid[:, c], _base(tens, c), _base(valid, c)) > Z998,
            "volume_jump": (z_vol > Z998) & (lv - m_vol >= np.log(VOLUME_RATIO)),
            "rate_fall": (z_rate < -Z998) & (lr - m_rate <= np.log(RATE_RATIO)),
        }


SIGNALS = ("tens_jump", "volume_jump", "rate_fall")


def _flag(h: History, dims: Dims, i: int, c: int, sig: dict[str, np.ndarray]) -> GamingFlag:
    pos, neg, n = h.nps_parts()
    tens, valid = h.wide("tens", "tens"), h.wide("valid", "tens")
    vol = h.wide("responses__n")
    cust = h.wide("retention_rate__den") + h.wide("referral_rate__den")
    s = slice(c - BASELINE, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        return GamingFlag(
            h.locations[i], dims.location_name(h.locations[i]), h.months[c],
            tuple(k for k in SIGNALS if sig[k][i]),
            opt(nps_of(pos[i, c], neg[i, c], n[i, c])),
            opt(nps_of(pos[i, s].sum(), neg[i, s].sum(), n[i, s].sum())),
            opt(100 * tens[i, c] / valid[i, c]), opt(100 * tens[i, s].sum() / valid[i, s].sum()),
            float(vol[i, c]), float(np.median(vol[i, s])),
            opt(100 * vol[i, c] / cust[i, c]), opt(100 * vol[i, s].sum() / cust[i, s].sum()),
        )


def gaming_from(h: History, dims: Dims) -> Gaming:
    last = h.col(h.month)
    cols = [c for c in range(last - GAMING_MONTHS + 1, last + 1) if c >= BASELINE]
    counts, flags, tested = dict.fromkeys(SIGNALS, 0), [], 0
    for c in cols:
        sig = month_signals(h, c)
        tested += int(sig["tested"].sum())
        for k in SIGNALS:
            counts[k] += int(sig[k].sum())
        hit = sig["rising"] & (sig["tens_jump"] | sig["volume_jump"] | sig["rate_fall"])
        flags += [_flag(h, dims, int(i), c, sig) for i in np.flatnonzero(hit)]
    flags.sort(key=lambda f: (f.month, f.key), reverse=True)
    months = tuple(h.months[c] for c in cols)
    return Gaming(dims.name(h.scope), months, tested, counts, tuple(flags),
                  _gaming_sentence(tested, counts, flags, len(months)))


def _n(k: int, word: str, plural: str | None = None) -> str:
    return f"{k:,} {word if k == 1 else plural or word + 's'}"


def _gaming_sentence(tested: int, counts: dict[str, int], flags: list[GamingFlag],
                     months: int) -> str:
    if not tested:
        return "Not enough history to test for gaming patterns (6 months of baseline needed)."
    sig = (f"{_n(counts['tens_jump'], 'jump')} in 10s, {_n(counts['volume_jump'], 'jump')} in "
           f"response volume, {_n(counts['rate_fall'], 'fall')} in response rate among "
           f"{_n(tested, 'location-month')} tested")
    if not flags:
        return (f"No location-month in the last {months} months shows a rising score alongside a "
                f"gaming pattern ({sig}).")
    names = "; ".join(f"{f.name} ({f.month:%b %Y}: {', '.join(f.signals)})" for f in flags[:3])
    verb = "shows" if len(flags) == 1 else "show"
    return (f"{_n(len(flags), 'location-month')} in the last {months} months {verb} a rising "
            f"score alongside a pattern worth a look ({sig}): {names}.")


def gaming(engine: Engine, dims: Dims, scope: Scope, month: date,
           history: History | None = None) -> Gaming:
    """Location-months where NPS rose along with a jump in 10s, in volume, or a fall in rate."""
    h = history or load_history(engine, dims, scope, month, GAMING_MONTHS + BASELINE)
    return gaming_from(h, dims)
