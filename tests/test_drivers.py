"""Key drivers (issue 28) against an independent reference: an all-subsets Shapley decomposition
of R^2 computed here with numpy from the raw simulated answers (ordinary least squares with an
intercept on every subset of items), while the product sees only the sums its SQL aggregates.

Simulated data: planted weights, items that move together (a shared factor, correlations about
0.5), answers on the survey's 0-10 scale.
"""

from __future__ import annotations

import itertools
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from queries.insights import drivers
from queries.scope import Scope
from queries.sql.engine import make_engine
from queries.sql.schema import META
from tests import fixture_warehouse as fw

ITEMS = ("advisor", "quality_of_work", "pick_up", "booking", "facility")
WEIGHTS = np.array([1.0, 0.7, 0.4, 0.2, 0.05])  # planted: strongest first
START, STOP = date(2026, 10, 1), date(2026, 11, 1)


def simulate(n: int, seed: int, skip: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(y, X): NPS answers and item answers (NaN = skipped), all on 0-10."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=n)
    latent = 0.7 * common[:, None] + 0.7 * rng.normal(size=(n, len(ITEMS)))
    y = np.clip(np.rint(7 + 1.2 * latent @ WEIGHTS + rng.normal(0, 1.3, n)), 0, 10)
    x = np.clip(np.rint(7.5 + 1.5 * latent), 0, 10)
    x[rng.random(x.shape) < skip] = np.nan
    return y, x


def reference_shapley(y: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Shapley values of R^2 over all subsets, by OLS on the complete rows (independent of the
    product's correlation-matrix route)."""
    ok = ~np.isnan(x).any(axis=1)
    y, x = y[ok], x[ok]
    p = x.shape[1]
    tss = ((y - y.mean()) ** 2).sum()

    def r2(cols: tuple[int, ...]) -> float:
        if not cols:
            return 0.0
        a = np.column_stack([np.ones(len(y)), x[:, cols]])
        resid = y - a @ np.linalg.lstsq(a, y, rcond=None)[0]
        return 1 - (resid ** 2).sum() / tss

    phi = np.zeros(p)
    for i in range(p):
        others = [j for j in range(p) if j != i]
        for k in range(p):
            w = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for s in itertools.combinations(others, k):
                phi[i] += w * (r2(tuple(sorted((*s, i)))) - r2(s))
    return r2(tuple(range(p))), phi


def warehouse(tmp_path, y: np.ndarray, x: np.ndarray, journey: str | None = "service"):
    """A DuckDB warehouse holding the simulated answers (location L1, October 2026)."""
    url = f"duckdb:///{tmp_path / 'drivers.duckdb'}"
    writer = sa.create_engine(url)
    fw.load(writer, {"regions": fw.REGIONS, "locations": fw.LOCATIONS, "survey_items": []})
    n = len(y)
    ids = np.arange(1, n + 1, dtype=np.int64)
    survey = pd.DataFrame({
        "response_id": ids, "location_id": "L1",
        "responded_on": pd.Timestamp(START) + pd.to_timedelta(ids % 28, unit="D"),
        "nps_score": y.astype(int), "sat_overall": 8, "sat_expectations": 8, "sat_ideal": 8,
        "journey": journey})
    long = pd.DataFrame({"response_id": np.repeat(ids, len(ITEMS)),
                         "item": np.tile(ITEMS, n), "score": x.ravel()}).dropna()
    long["score"] = long["score"].astype(int)
    with writer.begin() as conn:
        raw = conn.connection.driver_connection
        for name, frame in (("survey_responses", survey), ("survey_items", long)):
            raw.register("src", frame)
            cols = ", ".join(c.name for c in META.tables[name].columns)
            raw.execute(f"INSERT INTO {name} SELECT {cols} FROM src")
            raw.unregister("src")
    writer.dispose()
    return make_engine(url)


@pytest.mark.parametrize("skip", [0.0, 0.03])
def test_importances_match_an_all_subsets_shapley_reference(tmp_path, skip):
    y, x = simulate(3000, seed=28, skip=skip)
    eng = warehouse(tmp_path, y, x)
    try:
        (got,) = drivers.fetch(eng, Scope(), START, STOP, ("service",))
    finally:
        eng.dispose()
    r2, phi = reference_shapley(y, x)
    by = {d.item: d for d in got.items}
    assert got.r2 == pytest.approx(r2, abs=0.02)
    for item, ref in zip(ITEMS, phi, strict=True):
        assert by[item].importance == pytest.approx(ref, abs=0.02), item
    # Shares sum to R^2 exactly, and the planted order holds for the strongest items.
    assert sum(d.importance for d in got.items) == pytest.approx(got.r2, abs=1e-9)
    assert [d.item for d in got.items][:3] == list(ITEMS[:3])
    if skip == 0.0:  # complete answers: pairwise sums are the complete-case ones, to rounding
        assert got.r2 == pytest.approx(r2, abs=1e-9)
        assert max(abs(by[i].importance - p) for i, p in zip(ITEMS, phi, strict=True)) < 1e-9
    # mean_score and n are the items' own
    assert by["advisor"].n == int((~np.isnan(x[:, 0])).sum())
    assert by["advisor"].mean_score == pytest.approx(np.nanmean(x[:, 0]))


def test_too_few_answers_show_no_drivers_and_say_why(tmp_path):
    y, x = simulate(drivers.MIN_ANSWERS - 10, seed=3)
    eng = warehouse(tmp_path, y, x)
    try:
        (got,) = drivers.fetch(eng, Scope(region="N", location="L1"), START, STOP, ("service",))
    finally:
        eng.dispose()
    assert not got.shown and got.r2 is None and got.items == ()
    assert got.n == drivers.MIN_ANSWERS - 10
    assert f"at least {drivers.MIN_ANSWERS}" in got.reason
    assert "Too few answers" in got.reason


def test_the_shapley_shares_are_the_population_ones_on_a_known_matrix():
    """Two uncorrelated items: each share is its squared correlation with y."""
    r2, shares = drivers.shapley(np.eye(2), np.array([0.6, 0.3]))
    assert r2 == pytest.approx(0.45)
    assert shares == pytest.approx([0.36, 0.09])
