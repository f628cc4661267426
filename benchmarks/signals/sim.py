"""Simulated warehouses with known truth for every signal the executive sees (issue 32).

Two shapes, both component frames exactly as `aggregate.fetch` returns them, so the real rules
(`evaluate`, `census.apply`, `scorecard._results`, `targets.status`, `ranking.worst_first`)
judge them:

- `scope_components`: the company and its regions month by month. Every metric's truth is flat
  (a null) unless asked: `ar` makes the non-sample metrics' wobble persistent (AR(1)),
  `season` drops NPS and the non-sample metrics every December, `plant` doubles one unit's
  listening hours in the last month (a real change that must still be called).
- `location_components`: locations with a fixed true NPS each (region effect sd 3, location
  effect sd 7, as the demo draws them) and about 50 answers a month: whose colour flips, and who
  is named furthest behind.

Seeded: the same seed gives the same frame on every machine.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from queries.months import add_months
from queries.sql.compile import component_names
from queries.sql.schema import MONTHLY_TABLES

LAST = date(2026, 10, 1)
N_MONTHS = 27  # judged months need 13 before them (a year back and one more)
MONTHS = tuple(add_months(LAST, k - N_MONTHS + 1) for k in range(N_MONTHS))
NPS_P = np.array([0.50, 0.30, 0.20])  # promoters, passives, detractors: NPS 30
ENPS_P = np.array([0.40, 0.35, 0.25])
# (numerator column, denominator, truth): a non-sample metric's true value, its denominator
HISTORY_TRUTH = {
    "listening_hours_per_leader": (40.0, 3.0),
    "cx_agenda_share": (20000.0, 0.15),
    "cx_linked_pay_share": (1e6, 0.20),
    "payout_alignment": (2e5, 0.70),
    "recognitions_per_employee": (800.0, 0.80),
}
WOBBLE = 0.04  # the non-sample metrics' month-to-month coefficient of variation
UNITS = ("company", "R1", "R2", "R3", "R4", "R5")
SURVEY_SIZE = {"company": 3000.0, "R1": 900.0, "R2": 700.0, "R3": 600.0, "R4": 500.0,
               "R5": 300.0}


def _ar(rng: np.random.Generator, n: int, rho: float) -> np.ndarray:
    """A stationary AR(1) series with unit variance."""
    e = rng.normal(size=n)
    x = np.empty(n)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = rho * x[t - 1] + np.sqrt(1 - rho * rho) * e[t]
    return x


def _all_names() -> list[str]:
    names = ["responses__n", *component_names("survey_responses")]
    for t in MONTHLY_TABLES:
        names += component_names(t)
    return list(dict.fromkeys(names))


def _survey(rng: np.random.Generator, n: int, p: np.ndarray) -> dict[str, float]:
    """NPS and ACSI-style components of n answers (ACSI items correlated, none skipped)."""
    counts = rng.multinomial(n, p)
    shared = rng.normal(0.0, 1.6, n)
    items = {k: np.clip(np.rint(mu + shared + rng.normal(0.0, 0.9, n)), 1, 10)
             for k, mu in zip("oei", (7.6, 7.3, 6.9), strict=True)}
    out = {"responses__n": n, "nps__n": n, "nps__pos": counts[0], "nps__neg": counts[2]}
    for k, x in items.items():
        out |= {f"acsi__{k}_n": n, f"acsi__{k}_sum": x.sum(), f"acsi__{k}_sq": (x * x).sum()}
    for a, b in ("oe", "oi", "ei"):
        out |= {f"acsi__p_{a}{b}_n": n, f"acsi__p_{a}{b}_a": items[a].sum(),
                f"acsi__p_{a}{b}_b": items[b].sum(),
                f"acsi__p_{a}{b}_ab": (items[a] * items[b]).sum()}
    return out


LAST_DECEMBER = date(2025, 12, 1)


def scope_components(seed: int, ar: float = 0.0, season: float = 0.0,
                     plant: str | None = None, survey_scale: float = 1.0,
                     extra_dip: float = 0.0, units: tuple[str, ...] = UNITS,
                     nps_shift: float = 0.0) -> pd.DataFrame:
    """One row per (unit, month) of `units` x MONTHS: key is the unit, month its month.
    `extra_dip` deepens NPS's December dip in LAST_DECEMBER only (a real change in season);
    `nps_shift` moves that share of answers from detractor to promoter in the last month."""
    rng = np.random.default_rng(seed)
    names = _all_names()
    rows = []
    for unit in units:
        wobble = {m: _ar(rng, N_MONTHS, ar) for m in
                  [*HISTORY_TRUTH, "exec_owner_share", "retention_rate", "referral_rate"]}
        for t, month in enumerate(MONTHS):
            dip = season if month.month == 12 else 0.0
            row = dict.fromkeys(names, 0.0) | {"key": unit, "month": month}
            deeper = dip + (extra_dip if month == LAST_DECEMBER else 0.0)
            deeper -= nps_shift if t == N_MONTHS - 1 else 0.0
            p = NPS_P + np.array([-deeper, 0.0, deeper])
            row |= _survey(rng, int(rng.poisson(SURVEY_SIZE[unit] * survey_scale)), p)
            for name, (den, truth) in HISTORY_TRUTH.items():
                v = truth * (1 + WOBBLE * wobble[name][t]) * (1 - 2 * dip)
                if name == "listening_hours_per_leader" and plant == unit and t == N_MONTHS - 1:
                    v *= 2
                row |= {f"{name}__num": den * v, f"{name}__den": den, f"{name}__rows": 11.0}
            owners = np.clip(np.rint(22 * (0.5 + 0.04 * wobble["exec_owner_share"][t])), 0, 22)
            row |= {"exec_owner_share__num": owners, "exec_owner_share__den": 22.0,
                    "exec_owner_share__rows": 22.0}
            flagged = int(rng.poisson(0.2 * SURVEY_SIZE[unit] * survey_scale))
            row |= {"detractor_followup_48h__num": rng.binomial(flagged, 0.7),
                    "detractor_followup_48h__den": flagged,
                    "detractor_followup_48h__rows": 11.0}
            start, new = 15000, 2000
            keep = 0.90 + 0.006 * wobble["retention_rate"][t]
            share = 0.22 + 0.025 * wobble["referral_rate"][t]
            row |= {"retention_rate__num": rng.binomial(start, keep), "retention_rate__den": start,
                    "retention_rate__rows": 11.0, "referral_rate__num": rng.binomial(new, share),
                    "referral_rate__den": new, "referral_rate__rows": 11.0}
            pulse = int(rng.poisson(400))
            e = rng.multinomial(pulse, ENPS_P)
            row |= {"enps__n": pulse, "enps__pos": e[0], "enps__neg": e[2]}
            rows.append(row)
    out = pd.DataFrame(rows)
    comp = [c for c in out.columns if "__" in c]
    out[comp] = out[comp].astype("float64")
    return out


def location_truth(seed: int, regions: int = 5, per_region: int = 11,
                   centre: float = 47.0) -> pd.DataFrame:
    """True NPS and typical monthly answers of every location: region effect sd 3, location
    effect sd 7 around `centre` (the demo's target), answers log-normal around 50."""
    rng = np.random.default_rng(seed)
    region = np.repeat(np.arange(regions), per_region)
    nps = centre + rng.normal(0, 3, regions)[region] + rng.normal(0, 7, region.size)
    size = np.exp(rng.normal(np.log(50.0) - 0.5 * 0.45**2, 0.45, region.size))
    return pd.DataFrame({"key": [f"L{i:02d}" for i in range(region.size)],
                         "region": [f"R{r}" for r in region], "nps": nps, "size": size})


def location_components(truth: pd.DataFrame, seed: int, months: int = 24) -> pd.DataFrame:
    """(location x month) NPS components drawn from each location's fixed truth."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(months):
        month = add_months(LAST, t - months + 1)
        n = rng.poisson(truth["size"].to_numpy())
        for i, r in enumerate(truth.itertuples(index=False)):
            # promoters - detractors; passives fixed at 30% (so |NPS| <= 70 is drawable)
            net = min(max(r.nps / 100, -0.7), 0.7)
            p = np.array([(0.7 + net) / 2, 0.3, (0.7 - net) / 2])
            c = rng.multinomial(int(n[i]), p)
            rows.append({"key": r.key, "region": r.region, "month": month, "nps__n": n[i],
                         "nps__pos": c[0], "nps__neg": c[2]})
    return pd.DataFrame(rows)
