"""The demo's journeys and touchpoint answers (issue 28), drawn from their own streams.

Every draw here comes from `_rng(seed, 80, m)` (journeys) and `_rng(seed, 81, m)` (touchpoint
answers), spawn keys no other table uses, so adding journeys moved no existing draw: every other
column of every table is byte-identical to the demo before journeys.

Planted facts (also in `Demo.truth["journeys"]`):
1. About 60% of responses are about service, 40% about sales; a response's journey never
   changes its NPS answer, so "All" shows exactly the figures it showed before.
2. In the story region (Great Lakes) unhappy customers are more often service customers, so its
   service NPS trails its sales NPS by about 12 points (rolling 12 months), and its service
   advisors score about 1.2 points below the network's (the touchpoint that drags it).
3. Touchpoint answers move with the NPS answer, each with its own planted weight, and with one
   another (a shared "halo" per customer): the salesperson and the advisor matter most, the
   facility least. Answers start with the survey's touchpoint questions in month index
   `ITEMS_FROM` (the last 25 months); earlier responses have a journey but no touchpoint answers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

SERVICE_SHARE = 0.6
STORY_REGION = "GL"  # its service advisors drag its service NPS
STORY_SLOPE = 0.12  # logit of "service" rises this much per NPS point below 7, story region only
ADVISOR_SHIFT = -1.2  # the story region's advisor answers, points, at the same NPS answer
ITEMS_FROM = 23  # month index of the first touchpoint answers (2024-10)
ITEM_SKIP = 0.04  # each touchpoint question is left blank this often
HALO_SD, NOISE_SD = 0.9, 1.3
# Planted weights: how strongly each touchpoint answer moves with the NPS answer.
ITEMS: dict[str, dict[str, float]] = {
    "sales": {"salesperson": 1.0, "delivery": 0.6, "paperwork": 0.35, "facility": 0.2},
    "service": {"advisor": 1.0, "quality_of_work": 0.75, "pick_up": 0.4, "booking": 0.3,
                "facility": 0.2},
}
ITEM_BASE = {"salesperson": 8.1, "delivery": 8.3, "paperwork": 7.2, "facility": 8.0,
             "advisor": 7.9, "quality_of_work": 8.2, "pick_up": 7.8, "booking": 7.6}


def truth() -> dict:
    return {"service_share": SERVICE_SHARE, "story_region": STORY_REGION, "items": ITEMS,
            "advisor_shift": ADVISOR_SHIFT, "items_from_month_index": ITEMS_FROM}


def journeys(rng: np.random.Generator, score: np.ndarray, story: np.ndarray) -> np.ndarray:
    """One journey per response (before duplicate rows are added), from its NPS answer and
    whether its location is in the story region."""
    y = np.clip(score, 0, 10).astype(float)
    logit = np.log(SERVICE_SHARE / (1 - SERVICE_SHARE)) + np.where(
        story, STORY_SLOPE * (7.0 - y), 0.0)
    service = rng.random(y.size) < 1.0 / (1.0 + np.exp(-logit))
    return np.where(service, "service", "sales").astype(object)


def items(rng: np.random.Generator, response_id: np.ndarray, score: np.ndarray,
          journey: np.ndarray, story: np.ndarray) -> pd.DataFrame:
    """survey_items rows (response_id, item, score) for unique responses: each answer is the
    item's base level, its weight times the customer's standardised NPS answer, a halo shared by
    the customer's answers, and noise, rounded and clipped to 0-10."""
    y = (np.clip(score, 0, 10).astype(float) - 7.5) / 2.3
    halo = rng.normal(0.0, HALO_SD, y.size)
    ids, names, values = [], [], []
    for j, weights in ITEMS.items():
        rows = np.flatnonzero(journey == j)
        for name, w in weights.items():
            v = (ITEM_BASE[name] + 1.9 * w * y[rows] + halo[rows]
                 + rng.normal(0.0, NOISE_SD, rows.size))
            if name == "advisor":
                v = v + np.where(story[rows], ADVISOR_SHIFT, 0.0)
            keep = rng.random(rows.size) >= ITEM_SKIP
            ids.append(response_id[rows][keep])
            names.append(np.full(int(keep.sum()), name, dtype=object))
            values.append(np.clip(np.rint(v[keep]), 0, 10).astype(np.int16))
    out = pd.DataFrame({
        "response_id": np.concatenate(ids).astype(np.int64),
        "item": pd.array(np.concatenate(names), dtype="str"),
        "score": np.concatenate(values),
    })
    return out.sort_values(["response_id", "item"], ignore_index=True)


def survey_items_chunk(rng_of: Callable[[int], np.random.Generator], m: int,
                       chunk: pd.DataFrame, region_of: dict[str, str]) -> pd.DataFrame:
    """The touchpoint answers of one month's survey chunk (none before ITEMS_FROM)."""
    if m < ITEMS_FROM or chunk.empty:
        return pd.DataFrame({"response_id": pd.Series([], dtype=np.int64),
                             "item": pd.Series([], dtype="str"),
                             "score": pd.Series([], dtype=np.int16)})
    first = chunk.drop_duplicates("response_id")
    story = first["location_id"].map(region_of).to_numpy() == STORY_REGION
    score = first["nps_score"].astype("float64").fillna(7.5).to_numpy()
    return items(rng_of(m), first["response_id"].to_numpy(), score,
                 first["journey"].to_numpy(dtype=object), story)
