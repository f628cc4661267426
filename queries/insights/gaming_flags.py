"""Location-months where the score rose alongside a pattern that suggests gaming: a jump in 10s,
in response volume or a fall in response rate, each against the location's own previous 6 months
(volume and rate also against its peers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from queries.insights.history import History, load_history
from queries.results import finite_or_none, jsonable
from queries.scope import Dims, Scope
from queries.stats import Z95, Z998, nps_change_z, nps_of

BASELINE = 6  # gaming: each month against the location's previous 6
GAMING_MONTHS = 12  # gaming: months flagged
VOLUME_RATIO = 1.5  # volume jump: at least 1.5x the baseline median, beyond the peers' change
RATE_RATIO = 2 / 3  # rate fall: at most 2/3 of the baseline rate, beyond the peers' change
MIN_PEERS = 10  # volume and rate are judged against peers: at least 10 locations needed
MIN_ANSWERS = 10  # a month with fewer answers cannot carry a flag: its NPS is +-40 points of noise


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


def _baseline_sum(a: np.ndarray, c: int) -> np.ndarray:
    """Each location's sum over the BASELINE months before month column c."""
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
    before = tuple(_baseline_sum(a, c) for a in (pos, neg, n))
    return nps_change_z((pos[:, c], neg[:, c], n[:, c]), before)


def _log_changes(h: History, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Log of volume vs its baseline median, and of response rate vs the baseline rate."""
    vol = h.wide("responses__n")
    cust = h.wide("retention_rate__den") + h.wide("referral_rate__den")
    med = np.median(vol[:, c - BASELINE:c], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lv = np.where(med > 0, np.log(vol[:, c] / med), np.nan)
        rate0 = _baseline_sum(vol, c) / _baseline_sum(cust, c)
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
            "rising": (z_nps > Z95) & (h.wide("nps__n")[:, c] >= MIN_ANSWERS),
            "tens_jump": _prop_z(tens[:, c], valid[:, c], _baseline_sum(tens, c),
                                 _baseline_sum(valid, c)) > Z998,
            "volume_jump": (z_vol > Z998) & (lv - m_vol >= np.log(VOLUME_RATIO)),
            "rate_fall": (z_rate < -Z998) & (lr - m_rate <= np.log(RATE_RATIO)),
        }


SIGNALS = ("tens_jump", "volume_jump", "rate_fall")
# Each signal in the words a reader sees (the codes above are for code and JSON only).
SIGNAL_WORDS = {"tens_jump": "more 10s", "volume_jump": "more answers",
                "rate_fall": "response rate fell"}


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
            finite_or_none(nps_of(pos[i, c], neg[i, c], n[i, c])),
            finite_or_none(nps_of(pos[i, s].sum(), neg[i, s].sum(), n[i, s].sum())),
            finite_or_none(100 * tens[i, c] / valid[i, c]),
            finite_or_none(100 * tens[i, s].sum() / valid[i, s].sum()),
            float(vol[i, c]), float(np.median(vol[i, s])),
            finite_or_none(100 * vol[i, c] / cust[i, c]),
            finite_or_none(100 * vol[i, s].sum() / cust[i, s].sum()),
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


def _count_of(k: int, word: str, plural: str | None = None) -> str:
    """'1 jump', '3 jumps': a count with its noun."""
    return f"{k:,} {word if k == 1 else plural or word + 's'}"


def _gaming_sentence(tested: int, counts: dict[str, int], flags: list[GamingFlag],
                     months: int) -> str:
    if not tested:
        return "Not enough history to test for gaming patterns (6 months of baseline needed)."
    sig = (f"{_count_of(counts['tens_jump'], 'jump')} in 10s, "
           f"{_count_of(counts['volume_jump'], 'jump')} in response volume, "
           f"{_count_of(counts['rate_fall'], 'fall')} in response rate among "
           f"{_count_of(tested, 'location-month')} tested")
    if not flags:
        return (f"No location-month in the last {months} months shows a rising score alongside a "
                f"gaming pattern ({sig}).")
    names = "; ".join(f"{f.name} ({f.month:%b %Y}: "
                      f"{', '.join(SIGNAL_WORDS.get(s, s) for s in f.signals)})"
                      for f in flags[:3])
    verb = "shows" if len(flags) == 1 else "show"
    return (f"{_count_of(len(flags), 'location-month')} in the last {months} months {verb} a "
            f"rising score alongside a pattern worth a look ({sig}): {names}.")


def gaming(engine: Engine, dims: Dims, scope: Scope, month: date,
           history: History | None = None) -> Gaming:
    """Location-months where NPS rose along with a jump in 10s, in volume, or a fall in rate."""
    h = history or load_history(engine, dims, scope, month, GAMING_MONTHS + BASELINE)
    return gaming_from(h, dims)
