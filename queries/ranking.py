"""Worst first: the one ranking of a scope's children that the page, the pack and the CSV share.

A child is further behind when more of its headline metrics are off target, then when more are
near target, then when its NPS is lower - its empirical-Bayes shrunken NPS (queries/shrink.py),
so a small sample's unlucky draw does not name it worst. Children whose NPS rests on too
few answers to judge go last (a location with three answers is not "worst"), then by name. The
page's heat table, the board pack's league table and the league CSV all call `worst_first`, so
their order can never disagree.
"""

from __future__ import annotations

import pandas as pd

from queries.registry import BY_NAME, METRICS
from queries.shrink import shrunk

HEADLINES: tuple[str, ...] = tuple(m.name for m in METRICS if m.headline)
JUDGED = ("green", "amber", "red", "unsure", "no_target")


def worst_first(children: pd.DataFrame, metrics: tuple[str, ...] = HEADLINES) -> pd.DataFrame:
    """One row per child, worst first: key, name, responses, then per metric its value,
    95% margin (half-width of its one interval), the interval's low and high ends and
    status, and `off` / `near` (how many of `metrics` are red / amber).

    `children` is `Scorecard.children` (long: key, name, metric, value, moe, lo, hi, status). Equal
    counts are ordered by NPS, lowest first.
    """
    cols = ["key", "name", "responses"]
    for n in metrics:
        cols += [n, f"{n}_moe", f"{n}_low", f"{n}_high", f"{n}_status"]
    cols += ["off", "near"]
    if children is None or children.empty:
        return pd.DataFrame(columns=cols)
    kids = children.drop_duplicates(["key", "metric"])
    lead = "nps" if "nps" in metrics else metrics[0]
    base = kids[["key", "name"]].drop_duplicates("key").set_index("key")
    resp = kids[kids.metric == "responses"].set_index("key")["value"]
    base["responses"] = resp.reindex(base.index)
    for n in metrics:
        part = kids[kids.metric == n].set_index("key")
        base[n] = part["value"].reindex(base.index).astype(float).round(2)
        base[f"{n}_moe"] = part["moe"].reindex(base.index).astype(float).round(2)
        for end, col in (("low", "lo"), ("high", "hi")):  # lopsided intervals keep both ends
            ends = part[col] if col in part else pd.Series(float("nan"), index=part.index)
            base[f"{n}_{end}"] = ends.reindex(base.index).astype(float).round(2)
        base[f"{n}_status"] = part["status"].reindex(base.index)
    statuses = base[[f"{n}_status" for n in metrics]]
    base["off"] = (statuses == "red").sum(axis=1).astype(int)
    base["near"] = (statuses == "amber").sum(axis=1).astype(int)
    lead_rows = kids[kids.metric == lead].set_index("key")
    se = (lead_rows["se"] if "se" in lead_rows else pd.Series(float("nan"), index=lead_rows.index))
    raw = lead_rows["value"].reindex(base.index).astype(float)
    base["_shrunk"] = shrunk(raw.to_numpy(), se.reindex(base.index).astype(float).to_numpy())
    out = base.reset_index()
    direction = BY_NAME[lead].direction
    out["_gap"] = (out["_shrunk"] * direction).fillna(float("inf"))
    out["_unsure"] = ~out[f"{lead}_status"].isin(JUDGED)
    out = out.sort_values(["_unsure", "off", "near", "_gap", "name"],
                          ascending=[True, False, False, True, True], ignore_index=True)
    return out[cols]
