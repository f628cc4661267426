"""Simulated component frames for the statistics tests: a scope whose children do not change.

Each child gets 13 months of every component the query layer would fetch, drawn from
distributions that are the same in every month (a true null), optionally with one planted change.
Census metrics (retention, referral) get extra-binomial month-to-month noise, as real customer
bases do: a binomial test calls far too many changes on them.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from queries.sql.compile import component_names
from queries.sql.schema import MONTHLY_TABLES

MONTH = date(2026, 10, 1)
MONTHS = tuple(date(2025 + (9 + k) // 12, (9 + k) % 12 + 1, 1) for k in range(13))
assert MONTHS[-1] == MONTH
NPS_P = (0.50, 0.30, 0.20)  # promoters, passives, detractors
ENPS_P = (0.40, 0.35, 0.25)
ITEMS_MEAN = (7.6, 7.3, 6.9)


def _acsi(rng: np.random.Generator, n: np.ndarray) -> dict[str, np.ndarray]:
    """ACSI components per unit from n simulated responses each (correlated items, 3% skipped)."""
    unit = np.repeat(np.arange(n.size), n)
    total = unit.size
    shared = rng.normal(0.0, 1.6, total)
    items = {}
    for key, mu in zip("oei", ITEMS_MEAN, strict=True):
        x = np.clip(np.rint(mu + shared + rng.normal(0.0, 0.9, total)), 1, 10)
        items[key] = np.where(rng.random(total) < 0.03, np.nan, x)

    def per_unit(values: np.ndarray) -> np.ndarray:
        return np.bincount(unit, np.nan_to_num(values), minlength=n.size)

    out = {}
    for k, x in items.items():
        ok = ~np.isnan(x)
        out |= {f"acsi__{k}_n": per_unit(ok), f"acsi__{k}_sum": per_unit(x),
                f"acsi__{k}_sq": per_unit(x**2), f"acsi__{k}_null": per_unit(~ok)}
    out["acsi__incomplete"] = per_unit(np.isnan(items["o"]) | np.isnan(items["e"])
                                       | np.isnan(items["i"]))
    for a, b in ("oe", "oi", "ei"):
        both = ~np.isnan(items[a]) & ~np.isnan(items[b])
        xa, xb = np.where(both, items[a], 0.0), np.where(both, items[b], 0.0)
        out |= {f"acsi__p_{a}{b}_n": per_unit(both), f"acsi__p_{a}{b}_a": per_unit(xa),
                f"acsi__p_{a}{b}_b": per_unit(xb), f"acsi__p_{a}{b}_ab": per_unit(xa * xb)}
    return out


def child_components(seed: int, children: int = 55, planted: str | None = None,
                     planted_shift: float = 0.20) -> pd.DataFrame:
    """(children x 13 months) component rows; nothing changes unless `planted` names a child
    whose promoter share rises by `planted_shift` (taken from detractors) in the last month."""
    rng = np.random.default_rng(seed)
    keys = [f"C{i:02d}" for i in range(children)]

    def keys_index(k: str) -> int:
        return keys.index(k)

    names = ["responses__n"] + component_names("survey_responses")
    for t in MONTHLY_TABLES:
        names += component_names(t)
    start = rng.integers(800, 2000, children)
    new = rng.integers(100, 200, children)
    size = rng.integers(40, 120, children)
    if planted is not None:
        size[keys_index(planted)] = 300  # a real change needs enough answers to be seen
    frames = []
    for k, month in enumerate(MONTHS):
        cols = dict.fromkeys(names, np.zeros(children))
        keep = np.clip(0.90 + rng.normal(0.0, 0.006, children), 0, 1)
        share = np.clip(0.22 + rng.normal(0.0, 0.025, children), 0, 1)
        cols |= {"retention_rate__num": rng.binomial(start, keep),
                 "retention_rate__den": start, "retention_rate__rows": np.ones(children),
                 "referral_rate__num": rng.binomial(new, share),
                 "referral_rate__den": new, "referral_rate__rows": np.ones(children)}
        if k >= len(MONTHS) - 2:  # surveys only matter in the two months compared
            n = rng.poisson(size)
            p = np.tile(np.array(NPS_P), (children, 1))
            if planted is not None and k == len(MONTHS) - 1:
                p[keys.index(planted)] += np.array([planted_shift, 0.0, -planted_shift])
            nps = np.array([rng.multinomial(x, q) for x, q in zip(n, p, strict=True)])
            pulse = rng.poisson(40, children)
            enps = np.array([rng.multinomial(x, ENPS_P) for x in pulse])
            cols |= {"responses__n": n, "nps__n": n, "nps__pos": nps[:, 0],
                     "nps__neg": nps[:, 2], "enps__n": pulse, "enps__pos": enps[:, 0],
                     "enps__neg": enps[:, 2]} | _acsi(rng, n)
        frames.append(pd.DataFrame({"key": keys, "month": [month] * children}
                                   | {c: np.asarray(v, float) for c, v in cols.items()}))
    return pd.concat(frames, ignore_index=True)


def children_long(comps: pd.DataFrame) -> pd.DataFrame:
    """What scorecard.build gives the movers: evaluated, census noise applied, with names."""
    from queries import census
    from queries.evaluate import evaluate

    long = census.apply(evaluate(comps, (1 / 3, 1 / 3, 1 / 3), keys=["key", "month"]), MONTH)
    return long.assign(name=long["key"])
