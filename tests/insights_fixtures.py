"""Warehouses for the insight tests: the demo (planted effects) and a NULL twin with none.

The NULL warehouse keeps the demo's network, leadership, incentive and culture tables (so owners
arrive, listening hours jump and some locations are paid regardless, exactly as in the demo) and
its survey volumes, but every survey answer is drawn at one constant true NPS and retention and
referral are drawn at constant rates. Nothing in it links a cause to an outcome, so any effect an
analysis reports on it is chance.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateTable

from queries.sql.schema import META
from sample_data.generate import MONTHS, Demo, generate, score_probabilities
from sample_data.load import build_demo

NULL_NPS = 44.0  # every location, every month
NULL_RETENTION = 0.90
NULL_REFERRAL = 0.22


def demo_warehouse(path: Path, scale: float, seed: int) -> str:
    """The ordinary demo at `scale`, written with the project's own loader; returns its URL."""
    url = f"duckdb:///{path}"
    build_demo(url, scale=scale, seed=seed, progress=False)
    return url


def null_survey(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """One row per response at constant true NPS, same counts per location-month as the demo."""
    counts = demo.response_counts.to_numpy()
    probs = score_probabilities(np.array([NULL_NPS]))[0]
    loc = np.repeat(np.arange(counts.shape[0])[:, None], counts.shape[1], axis=1)
    mon = np.repeat(np.arange(counts.shape[1])[None, :], counts.shape[0], axis=0)
    loc, mon = np.repeat(loc.ravel(), counts.ravel()), np.repeat(mon.ravel(), counts.ravel())
    days = np.array([calendar.monthrange(m.year, m.month)[1] for m in MONTHS])
    starts = np.array(MONTHS, dtype="datetime64[D]")
    day = starts[mon] + (rng.random(loc.size) * days[mon]).astype("timedelta64[D]")
    score = rng.choice(11, size=loc.size, p=probs)
    sat = np.clip(np.rint(0.75 * score + 1.8 + rng.normal(0, 1.0, loc.size)), 1, 10).astype(int)
    ids = demo.dims["locations"]["location_id"].to_numpy(dtype=object)
    return pd.DataFrame({
        "response_id": np.arange(1, loc.size + 1, dtype=np.int64),
        "location_id": ids[loc], "responded_on": day, "nps_score": score,
        "sat_overall": sat, "sat_expectations": sat, "sat_ideal": sat,
    })


def null_loyalty(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """The demo's customer counts, but retained and referred drawn at constant rates."""
    df = demo.monthly["loyalty_monthly"].copy()
    df["customers_retained"] = rng.binomial(df["customers_start"].to_numpy(), NULL_RETENTION)
    df["referred_new_customers"] = rng.binomial(df["new_customers"].to_numpy(), NULL_REFERRAL)
    return df


def write_duckdb(path: Path, frames: dict[str, pd.DataFrame]) -> str:
    """Create the contract tables and insert the frames, cast to the contract's types."""
    dialect = make_url("duckdb://").get_dialect()()
    con = duckdb.connect(str(path))
    try:
        for t in META.sorted_tables:
            con.execute(str(CreateTable(t).compile(dialect=dialect)))
        for name, frame in frames.items():
            t = META.tables[name]
            # an optional column the frame does not carry (survey_responses.journey) is NULL
            source = {c.name: f'"{c.name}"' if c.name in frame.columns else "NULL"
                      for c in t.columns}
            casts = ", ".join(
                f"CAST({source[c.name]} AS {dialect.type_compiler_instance.process(c.type)})"
                for c in t.columns)
            con.register("_src", frame)
            con.execute(f"INSERT INTO {name} SELECT {casts} FROM _src")
            con.unregister("_src")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return f"duckdb:///{path}"


def null_warehouse(path: Path, scale: float, seed: int) -> str:
    """The NULL twin of the demo at `scale`; returns its URL."""
    demo = generate(scale, seed)
    rng = np.random.default_rng(seed + 1)
    frames = {**demo.dims, **demo.monthly}
    frames["loyalty_monthly"] = null_loyalty(demo, rng)
    frames["survey_responses"] = null_survey(demo, rng)
    return write_duckdb(path, frames)


# --- the hand-computed fixture (every number worked out in test_insights.py) ---------------

OCT, SEP = date(2026, 10, 1), date(2026, 9, 1)
HAND_LOCATIONS = {  # location: (region, promoters, passives, detractors) in October
    "A": ("N", 16, 2, 2), "B": ("N", 8, 8, 4), "C": ("N", 2, 6, 12), "D": ("N", 2, 0, 0),
    "E": ("S", 6, 2, 2), "F": ("S", 8, 8, 4), "G": ("S", 2, 4, 4), "H": ("S", 1, 1, 0),
}
HAND_SEPTEMBER = {"A": (4, 8, 8)}  # A in September: 4 promoters, 8 passives, 8 detractors


def _answers(start_id: int, location: str, day: date, counts: tuple[int, int, int]) -> list:
    """Survey rows scoring 10 (promoter), 8 (passive) and 3 (detractor)."""
    scores = [10] * counts[0] + [8] * counts[1] + [3] * counts[2]
    return [(start_id + k, location, day, s, 8, 8, 8) for k, s in enumerate(scores)]


def hand_rows() -> dict[str, list[tuple]]:
    """Two regions of four locations, one month (plus one September month for location A)."""
    survey: list[tuple] = []
    for loc, (_, *counts) in HAND_LOCATIONS.items():
        survey += _answers(len(survey) + 1, loc, OCT + timedelta(days=4), tuple(counts))
    for loc, counts in HAND_SEPTEMBER.items():
        survey += _answers(len(survey) + 1, loc, SEP + timedelta(days=9), counts)
    return {
        "regions": [("N", "North"), ("S", "South")],
        "locations": [(loc, f"Loc {loc}", reg, None, None)
                      for loc, (reg, *_) in HAND_LOCATIONS.items()],
        "survey_responses": survey,
        "leadership_monthly": [], "incentives_monthly": [], "culture_monthly": [],
        "loyalty_monthly": [],
    }
