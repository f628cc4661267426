"""Generate the demo warehouse: ~370 dealerships, 48 months, with planted cause and effect.

Everything is drawn from numpy generators keyed by (seed, stream), so the same seed and scale give
the same data, and the monthly tables do not change with `scale` (only survey volume and the
detractor follow-up counts derived from it do). Survey responses are produced one month at a time
(`Demo.iter_survey_chunks`) so ten million rows never have to sit in memory together.

Planted facts (kept in `Demo.truth`, never written to the warehouse):
1. ~40% of locations gain an executive owner between months 8 and 40; their leaders' listening
   hours double at once and their true NPS climbs ~10 points over the next 6 months.
2. ~15% of locations "pay regardless": CX-linked pay is paid in full whether or not the CX target
   is met, and their NPS drifts down ~0.3 points a month.
3. One region improves ~0.4 NPS points a month, one declines ~0.3; the rest are flat.
4. Retention and referral share in months m+1..m+3 rise with the location's NPS in month m.
5. 8 locations game their survey for 2 months in the last year (`truth["gamed"]`, location ->
   months): each answer below 10 becomes a 10 with probability 0.35 (customers coached to give
   10s) and response volume is 1.5x (surveys pushed to happy customers). True NPS is unchanged.
6. Comments (`truth["comments"]`, sample_data/comments.py): Midwest's detractors complain most
   about waiting, one location sells hard, price complaints rise in the last three months.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from queries.months import add_months
from sample_data import journeys as touchpoints

DEFAULT_SEED = 2026
N_MONTHS = 48
MONTHS: tuple[date, ...] = tuple(add_months(date(2022, 11, 1), m) for m in range(N_MONTHS))
NPS_TARGET = 45.0  # the company's CX target; cx_target_met compares the month's NPS with it
BASE_NPS = 44.0  # auto-dealer benchmark territory
ID_BASE = 3_000_000_001  # response ids start above 2**31, so BIGINT really is needed

# Volume by calendar month (Jan..Dec): busier spring and summer.
VOLUME_SEASON = np.array([0.85, 0.88, 1.02, 1.10, 1.15, 1.15, 1.10, 1.08, 0.98, 0.95, 0.90, 0.92])
# NPS points by calendar month: winter service visits (and December) score lower.
NPS_SEASON = np.array([-3.0, -1.0, 0.0, 1.0, 1.5, 1.5, 1.0, 0.5, 0.0, 0.0, -1.0, -4.0])

LATENT_SD = 2.1  # spread of a customer's 0-10 latent answer around the location-month mean
SKIP_RATE = 0.03  # each question is left blank this often
BAD_RATE = 1e-4  # share of responses with one out-of-range score
DUP_RATE = 1e-4  # share of responses delivered twice (exact duplicate rows)
GAMED_LOCATIONS, GAMED_MONTHS = 8, 2  # planted survey gaming: locations, consecutive months
GAMED_TENS, GAMED_VOLUME = 0.35, 1.5  # ... answers below 10 turned to 10; volume multiplier


@dataclass(frozen=True)
class _Region:
    region_id: str
    name: str
    n_locations: int
    anchors: tuple[tuple[float, float], ...]  # inland metro (lat, lon) to scatter dealers around


REGIONS: tuple[_Region, ...] = (
    _Region("NE", "Northeast", 60, (
        (42.26, -71.80), (42.10, -72.59), (43.05, -76.15), (40.60, -75.49), (40.27, -76.88),
        (42.99, -71.46), (41.03, -73.76), (41.41, -75.66), (42.65, -73.76), (40.44, -79.99))),
    _Region("SE", "Southeast", 65, (
        (33.75, -84.39), (35.23, -80.84), (35.78, -78.64), (28.54, -81.38), (36.16, -86.78),
        (34.00, -81.03), (37.54, -77.44), (33.52, -86.80), (28.04, -81.95))),
    _Region("GL", "Great Lakes", 55, (
        (41.75, -88.15), (42.61, -83.15), (39.96, -83.00), (39.77, -86.16), (39.10, -84.51),
        (42.96, -85.67), (43.01, -88.23), (41.08, -85.14), (41.08, -81.52))),
    _Region("MW", "Midwest", 40, (
        (44.98, -93.27), (39.10, -94.58), (38.63, -90.20), (41.26, -95.93), (41.59, -93.62),
        (37.69, -97.34), (43.55, -96.73), (43.07, -89.40), (46.88, -96.79))),
    _Region("SC", "South Central", 55, (
        (32.78, -96.80), (29.76, -95.37), (30.27, -97.74), (29.42, -98.49), (35.47, -97.52),
        (36.15, -95.99), (34.75, -92.29), (30.45, -91.19), (32.52, -93.75))),
    _Region("MT", "Mountain", 35, (
        (39.74, -104.99), (33.45, -112.07), (40.70, -111.89), (35.08, -106.65),
        (43.62, -116.20), (36.17, -115.14), (38.83, -104.82), (32.22, -110.97))),
    _Region("PA", "Pacific", 60, (
        (34.15, -118.14), (33.95, -117.40), (37.34, -121.89), (38.58, -121.49),
        (36.74, -119.79), (45.52, -122.68), (47.38, -122.23), (33.12, -117.09),
        (47.66, -117.43))),
)
N_LOCATIONS = sum(r.n_locations for r in REGIONS)  # 370

_TOWN_HEADS = ("Spring", "Oak", "Maple", "River", "Cedar", "Fair", "Green", "Lake", "Mill",
               "Pine", "Ash", "Clear", "Elm", "Glen", "Red", "Stone", "North", "West", "Brook",
               "Rock", "Silver", "Wood")
_TOWN_TAILS = ("field", "ville", "ton", "wood", "dale", "port", "view", "burg", "ford", "haven",
               "ridge", "side", "land", "mont", "brook", "crest")

SURVEY_COLUMNS = ("response_id", "location_id", "responded_on", "nps_score", "sat_overall",
                  "sat_expectations", "sat_ideal")


def _rng(seed: int, *key: int) -> np.random.Generator:
    """One independent stream per purpose, so changing one table's draws never shifts another's."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))


@lru_cache(maxsize=1)
def _score_grid() -> tuple[np.ndarray, np.ndarray]:
    """NPS of a rounded, clipped normal latent answer, tabulated over its mean (monotone)."""
    mu = np.arange(-2.0, 16.0, 0.005)
    edges = np.arange(0.5, 10.0, 1.0)
    erf = np.vectorize(math.erf)
    cdf = 0.5 * (1.0 + erf((edges[None, :] - mu[:, None]) / (LATENT_SD * math.sqrt(2.0))))
    ones = np.ones((mu.size, 1))
    probs = np.diff(np.hstack([0.0 * ones, cdf, ones]), axis=1)
    nps = 100.0 * (probs[:, 9:].sum(axis=1) - probs[:, :7].sum(axis=1))
    return nps, probs


def score_probabilities(true_nps: np.ndarray) -> np.ndarray:
    """P(nps_score = 0..10) whose expected NPS equals `true_nps` (shape (..., 11))."""
    nps, probs = _score_grid()
    idx = np.clip(np.searchsorted(nps, true_nps), 0, nps.size - 1)
    return probs[idx]


def _month_series(n_rows_per_month: int) -> np.ndarray:
    months = np.array(MONTHS, dtype="datetime64[D]").astype("datetime64[s]")
    return np.repeat(months[None, :], n_rows_per_month, axis=0).ravel()


@dataclass
class Demo:
    """The generated demo warehouse: small tables as frames, survey responses as month chunks."""

    scale: float
    seed: int
    dims: dict[str, pd.DataFrame]
    monthly: dict[str, pd.DataFrame]
    truth: dict[str, Any]
    response_counts: pd.DataFrame  # location x month, responses before duplicates
    survey_rows: int  # rows iter_survey_chunks yields in total (duplicates included)
    _hist: np.ndarray = field(repr=False)  # (location, month, nps score) counts
    _dups: np.ndarray = field(repr=False)  # duplicate rows per month
    _offsets: np.ndarray = field(repr=False)  # first response id offset per month

    @property
    def months(self) -> tuple[date, ...]:
        return MONTHS

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table except survey_responses, in load order."""
        return {**self.dims, **self.monthly}

    def iter_survey_chunks(self) -> Iterator[pd.DataFrame]:
        """Yield survey_responses one month at a time, in date order (deterministic)."""
        for m in range(N_MONTHS):
            yield self.survey_chunk(m)

    def survey_chunk(self, m: int) -> pd.DataFrame:
        """Responses of month index `m` (0 = 2022-11), including planted bad and duplicate rows."""
        rng = _rng(self.seed, 5, m)
        loc_ids = self.dims["locations"]["location_id"].to_numpy(dtype=object)
        counts = self._hist[:, m, :].ravel()
        loc = np.repeat(np.repeat(np.arange(loc_ids.size), 11), counts)
        score = np.repeat(np.tile(np.arange(11), loc_ids.size), counts)
        n = loc.size
        ndays = calendar.monthrange(MONTHS[m].year, MONTHS[m].month)[1]
        day = rng.integers(0, ndays, n)
        order = np.lexsort((rng.random(n), day))
        loc, score, day = loc[order], score[order], day[order]

        # Satisfaction items share the customer's latent answer, plus item noise.
        latent = score + rng.uniform(-0.5, 0.5, n)
        shared = 0.75 * latent + 1.8 + rng.normal(0.0, 0.9, n)
        values = np.empty((4, n), dtype=np.int16)
        values[0] = score
        for i, offset in enumerate((0.15, -0.05, -0.35), start=1):
            values[i] = np.clip(np.rint(shared + offset + rng.normal(0.0, 0.7, n)), 1, 10)
        skipped = rng.random((4, n)) < SKIP_RATE
        bad = np.flatnonzero(rng.random(n) < BAD_RATE)
        item = rng.integers(0, 4, bad.size)
        high = rng.random(bad.size) < 0.5
        values[item, bad] = np.where(high, 11, np.where(item == 0, -1, 0))
        skipped[item, bad] = False

        rows = np.arange(n)
        if self._dups[m]:
            rows = np.sort(np.concatenate([rows, rng.choice(n, self._dups[m], replace=False)]))
        month_start = np.datetime64(MONTHS[m], "D")
        responded = (month_start + day[rows].astype("timedelta64[D]")).astype("datetime64[s]")
        data: dict[str, Any] = {
            "response_id": ID_BASE + self._offsets[m] + rows.astype(np.int64),
            "location_id": pd.array(loc_ids[loc[rows]], dtype="str"),
            "responded_on": responded,
        }
        for i, name in enumerate(SURVEY_COLUMNS[3:]):
            data[name] = pd.arrays.IntegerArray(values[i, rows], skipped[i, rows])
        # Issue 28: the journey, from its own stream (no draw above moves).
        story = self.dims["locations"]["region_id"].to_numpy() == touchpoints.STORY_REGION
        journey = touchpoints.journeys(_rng(self.seed, 80, m), score, story[loc])
        data["journey"] = pd.array(journey[rows], dtype="str")
        return pd.DataFrame(data)

    def comment_chunk(self, m: int, survey: pd.DataFrame | None = None) -> pd.DataFrame:
        """survey_comments of month index `m` (sample_data/comments.py; own stream, key 7)."""
        from sample_data import comments

        if m < N_MONTHS - comments.COMMENT_MONTHS:
            return pd.DataFrame({"response_id": np.array([], dtype=np.int64),
                                 "comment": pd.array([], dtype="str")})
        loc = self.dims["locations"]
        region_of = dict(zip(loc["location_id"], loc["region_id"], strict=True))
        return comments.comments(
            _rng(self.seed, 7, m), self.survey_chunk(m) if survey is None else survey, region_of,
            self.truth["comments"]["pressure_location"],
            m >= N_MONTHS - comments.PRICE_MONTHS)
    def items_chunk(self, m: int, chunk: pd.DataFrame) -> pd.DataFrame:
        """survey_items for month index `m`'s survey chunk (its own stream, spawn key 81)."""
        loc = self.dims["locations"]
        region_of = dict(zip(loc["location_id"], loc["region_id"], strict=True))
        return touchpoints.survey_items_chunk(lambda k: _rng(self.seed, 81, k), m, chunk,
                                              region_of)


def generate(scale: float = 1.0, seed: int = DEFAULT_SEED) -> Demo:
    """Draw the whole demo (survey rows lazily). `scale` multiplies survey volume only."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    net = _network(seed)
    true_nps, truth = _plan(seed, net)
    hist, counts, dups = _responses(seed, scale, net, true_nps)
    truth["gamed"] = _game(seed, net, hist, counts)
    monthly = {
        "loyalty_monthly": _loyalty(seed, net, true_nps),
        "leadership_monthly": _leadership(seed, net, hist),
        "incentives_monthly": _incentives(seed, net, true_nps),
        "culture_monthly": _culture(seed, net, true_nps),
    }
    per_month = counts.sum(axis=0) + dups
    offsets = np.concatenate([[0], np.cumsum(counts.sum(axis=0))[:-1]]).astype(np.int64)
    truth["true_nps"] = pd.DataFrame(true_nps, index=net.ids, columns=list(MONTHS))
    truth["comments"] = _comment_truth(seed, net)
    truth["journeys"] = touchpoints.truth()
    return Demo(
        scale=scale,
        seed=seed,
        dims={"regions": net.regions, "locations": net.locations},
        monthly=monthly,
        truth=truth,
        response_counts=pd.DataFrame(counts, index=net.ids, columns=list(MONTHS)),
        survey_rows=int(per_month.sum()),
        _hist=hist,
        _dups=dups,
        _offsets=offsets,
    )


@dataclass(frozen=True)
class _Network:
    regions: pd.DataFrame
    locations: pd.DataFrame
    ids: list[str]
    region: np.ndarray  # region index per location
    size: np.ndarray  # mean monthly responses at scale 1
    employees: np.ndarray  # (location, month) headcount
    owner: np.ndarray  # (location, month) exec owner assigned
    ramp: np.ndarray  # (location, month) 0..1, how far the owner effect has built up
    owner_start: np.ndarray  # month index an owner arrives, -1 if never gained
    always_owner: np.ndarray  # bool per location
    pay_regardless: np.ndarray  # bool per location


def _network(seed: int) -> _Network:
    """Regions, locations, their sizes and the planted groups (owners, pay-regardless)."""
    rng = _rng(seed, 1)
    n = N_LOCATIONS
    region = rng.permutation(np.repeat(np.arange(len(REGIONS)), [r.n_locations for r in REGIONS]))
    ids = [f"D{i + 1:04d}" for i in range(n)]
    heads = rng.integers(0, len(_TOWN_HEADS), n)
    tails = rng.integers(0, len(_TOWN_TAILS), n)
    names = [f"Dealer {i + 1:04d} - {_TOWN_HEADS[h]}{_TOWN_TAILS[t]}"
             for i, (h, t) in enumerate(zip(heads, tails, strict=True))]
    anchor = np.array([REGIONS[r].anchors[rng.integers(0, len(REGIONS[r].anchors))]
                       for r in region])
    jitter = np.clip(rng.normal(0.0, 0.12, (n, 2)), -0.3, 0.3)
    latlon = np.round(anchor + jitter, 4)
    size = np.exp(rng.normal(math.log(60.0) - 0.5 * 0.55**2, 0.55, n))

    order = rng.permutation(n)
    n_gain, n_pay, n_always = round(0.40 * n), round(0.15 * n), 18
    gainer = np.zeros(n, bool)
    gainer[order[:n_gain]] = True
    pay_regardless = np.zeros(n, bool)
    pay_regardless[order[n_gain:n_gain + n_pay]] = True
    always = np.zeros(n, bool)
    always[order[n_gain + n_pay:n_gain + n_pay + n_always]] = True
    owner_start = np.where(gainer, rng.integers(8, 41, n), -1)
    m = np.arange(N_MONTHS)[None, :]
    gained = gainer[:, None] & (m >= owner_start[:, None])
    owner = gained | always[:, None]
    ramp = np.where(gained, np.clip((m - owner_start[:, None]) / 6.0, 0.0, 1.0), 0.0)

    base_emp = np.clip(np.rint(0.9 * size + rng.normal(0.0, 8.0, n)), 20, 150)
    employees = np.clip(base_emp[:, None] + np.rint(rng.normal(0.0, 1.5, (n, N_MONTHS))), 20, 150)

    regions = pd.DataFrame({
        "region_id": pd.array([r.region_id for r in REGIONS], dtype="str"),
        "region_name": pd.array([r.name for r in REGIONS], dtype="str"),
    })
    locations = pd.DataFrame({
        "location_id": pd.array(ids, dtype="str"),
        "location_name": pd.array(names, dtype="str"),
        "region_id": pd.array([REGIONS[r].region_id for r in region], dtype="str"),
        "latitude": latlon[:, 0],
        "longitude": latlon[:, 1],
    })
    return _Network(regions, locations, ids, region, size, employees.astype(np.int64), owner,
                    ramp, owner_start, always, pay_regardless)


def _plan(seed: int, net: _Network) -> tuple[np.ndarray, dict[str, Any]]:
    """Each location-month's true NPS level, built from the planted effects plus noise."""
    rng = _rng(seed, 2)
    n, m = N_LOCATIONS, np.arange(N_MONTHS)
    improving, declining = rng.choice(len(REGIONS), 2, replace=False)
    region_level = rng.normal(0.0, 3.0, len(REGIONS))
    slope = np.zeros(len(REGIONS))
    slope[improving], slope[declining] = 0.4, -0.3
    centred = m - (N_MONTHS - 1) / 2.0
    trend = region_level[net.region][:, None] + slope[net.region][:, None] * centred[None, :]
    location_level = rng.normal(0.0, 7.0, n)
    season = NPS_SEASON[np.array([d.month - 1 for d in MONTHS])]
    drift = np.where(net.pay_regardless[:, None], 3.0 - 0.3 * m[None, :], 0.0)
    noise = np.zeros((n, N_MONTHS))
    shocks = rng.normal(0.0, 2.0, (n, N_MONTHS))
    noise[:, 0] = shocks[:, 0] / math.sqrt(1 - 0.6**2)
    for k in range(1, N_MONTHS):
        noise[:, k] = 0.6 * noise[:, k - 1] + shocks[:, k]
    true_nps = (BASE_NPS + location_level[:, None] + trend + season[None, :] + 10.0 * net.ramp
                + drift + noise)
    true_nps = np.clip(true_nps, -60.0, 90.0)
    truth: dict[str, Any] = {
        "owner_start_month": {
            lid: (MONTHS[s] if s >= 0 else None)
            for lid, s in zip(net.ids, net.owner_start, strict=True)
        },
        "always_owner": frozenset(np.array(net.ids)[net.always_owner].tolist()),
        "pay_regardless": frozenset(np.array(net.ids)[net.pay_regardless].tolist()),
        "improving_region": REGIONS[improving].region_id,
        "declining_region": REGIONS[declining].region_id,
        "nps_target": NPS_TARGET,
    }
    return true_nps, truth


def _responses(
    seed: int, scale: float, net: _Network, true_nps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Responses per location-month and their NPS-score histograms (drawn up front, cheap)."""
    rng = _rng(seed, 3)
    n = N_LOCATIONS
    season = VOLUME_SEASON[np.array([d.month - 1 for d in MONTHS])]
    lam = scale * net.size[:, None] * season[None, :] * np.exp(rng.normal(0, 0.12, (n, N_MONTHS)))
    counts = rng.poisson(lam)
    tiny = rng.random((n, N_MONTHS)) < 0.018  # survey feed hiccups: a handful of answers
    counts[tiny] = rng.integers(1, 10, int(tiny.sum()))
    for loc in rng.choice(n, 6, replace=False):  # outages: no answers at all for 1-3 months
        start = int(rng.integers(0, N_MONTHS - 3))
        counts[loc, start:start + int(rng.integers(1, 4))] = 0
    probs = score_probabilities(true_nps).reshape(-1, 11)
    hist = rng.multinomial(counts.ravel(), probs).reshape(n, N_MONTHS, 11)
    dups = rng.binomial(counts.sum(axis=0), DUP_RATE)
    return hist, counts, dups


def _game(seed: int, net: _Network, hist: np.ndarray, counts: np.ndarray
          ) -> dict[str, tuple[date, ...]]:
    """Plant survey gaming in place (own stream: no other draw moves). Each gamed month keeps
    its honest answers, turns each answer below 10 into a 10 with probability GAMED_TENS and adds
    (GAMED_VOLUME - 1) x as many answers drawn from that coached mix."""
    rng = _rng(seed, 6)
    where = rng.choice(N_LOCATIONS, GAMED_LOCATIONS, replace=False)
    starts = rng.integers(N_MONTHS - 12, N_MONTHS - GAMED_MONTHS + 1, GAMED_LOCATIONS)
    out: dict[str, tuple[date, ...]] = {}
    for loc, start in zip(where, starts, strict=True):
        months = range(int(start), int(start) + GAMED_MONTHS)
        for m in months:
            h = hist[loc, m]
            coached = rng.binomial(h[:10], GAMED_TENS)
            h[:10] -= coached
            h[10] += coached.sum()
            extra = rng.poisson((GAMED_VOLUME - 1.0) * counts[loc, m])
            if extra and h.sum():
                hist[loc, m] += rng.multinomial(extra, h / h.sum())
            counts[loc, m] = hist[loc, m].sum()
        out[net.ids[loc]] = tuple(MONTHS[m] for m in months)
    return out


def _comment_truth(seed: int, net: _Network) -> dict[str, Any]:
    """What the demo's comments plant (sample_data/comments.py), for the tests to find."""
    from sample_data import comments

    region_ids = [REGIONS[r].region_id for r in net.region]
    return {"midwest_top_detractor_theme": "wait_time", "region": comments.MIDWEST,
            "pressure_location": comments.pressure_location(_rng(seed, 7, 999), net.ids,
                                                            region_ids, net.size),
            "price_rise_from": MONTHS[N_MONTHS - comments.PRICE_MONTHS]}


def _lagged_nps(true_nps: np.ndarray) -> np.ndarray:
    """Mean true NPS over the three previous months (the month itself for the first month)."""
    lag = np.empty_like(true_nps)
    lag[:, 0] = true_nps[:, 0]
    for k in range(1, N_MONTHS):
        lag[:, k] = true_nps[:, max(0, k - 3):k].mean(axis=1)
    return lag


def _frame(net: _Network, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A monthly table: one row per location and month, location-major."""
    data: dict[str, Any] = {
        "location_id": pd.array(np.repeat(net.ids, N_MONTHS), dtype="str"),
        "month": _month_series(N_LOCATIONS),
    }
    data |= {k: np.asarray(v).ravel() for k, v in columns.items()}
    return pd.DataFrame(data)


def _loyalty(seed: int, net: _Network, true_nps: np.ndarray) -> pd.DataFrame:
    """Customer base that keeps more, and wins more referrals, after good NPS months."""
    rng = _rng(seed, 4, 0)
    n = N_LOCATIONS
    lag = _lagged_nps(true_nps) - NPS_TARGET
    target = net.size * rng.uniform(18.0, 28.0, n)
    pool = target * rng.uniform(0.95, 1.05, n)
    loyal = rng.normal(0.0, 0.008, n)  # other reasons some locations keep customers better
    referring = rng.normal(0.0, 0.03, n)
    out = {k: np.zeros((n, N_MONTHS), np.int64)
           for k in ("customers_start", "customers_retained", "new_customers",
                     "referred_new_customers")}
    for k, d in enumerate(MONTHS):
        start = np.rint(pool).astype(np.int64)
        keep = np.clip(0.90 + loyal + 0.0012 * lag[:, k] + rng.normal(0.0, 0.006, n), 0.80, 0.97)
        retained = rng.binomial(start, keep)
        wins = target * 0.10 * VOLUME_SEASON[d.month - 1] * (1.0 + 0.004 * lag[:, k])
        new = rng.poisson(np.clip(wins, 1.0, None))
        share = 0.22 + referring + 0.004 * lag[:, k] + rng.normal(0.0, 0.025, n)
        referred = rng.binomial(new, np.clip(share, 0.05, 0.45))
        for key, val in zip(out, (start, retained, new, referred), strict=True):
            out[key][:, k] = val
        pool = retained + new
    return _frame(net, out)


def _leadership(seed: int, net: _Network, hist: np.ndarray) -> pd.DataFrame:
    """Owners double listening time and put more CX on the agenda; detractors get followed up."""
    rng = _rng(seed, 4, 1)
    n, shape = N_LOCATIONS, (N_LOCATIONS, N_MONTHS)
    base_leaders = np.clip(np.rint(2.0 + 2.2 * np.log(net.size / 10.0) + rng.integers(-1, 2, n)),
                           3, 12)
    change = np.where(rng.random(shape) < 0.03, rng.choice([-1, 1], shape), 0)
    leaders = np.clip(base_leaders[:, None] + change, 3, 12).astype(np.int64)
    per_leader = rng.uniform(0.4, 1.5, n)
    hours = leaders * per_leader[:, None] * np.where(net.owner, 2.0, 1.0)
    hours = hours * rng.gamma(8.0, 1.0 / 8.0, shape)
    hours = np.where(rng.random(shape) < 0.03, 0.0, np.round(np.clip(hours, 0.0, 40.0), 1))
    meeting = rng.uniform(750.0, 1250.0, n)[:, None] * rng.normal(1.0, 0.08, shape)
    meeting = np.round(np.clip(meeting, 600.0, 1500.0) / 5.0) * 5.0
    lift = np.where(net.always_owner[:, None], 1.0, net.ramp)
    agenda = rng.uniform(0.06, 0.20, n)[:, None] + 0.10 * lift + rng.normal(0.0, 0.025, shape)
    cx_minutes = np.round(meeting * np.clip(agenda, 0.05, 0.40) / 5.0) * 5.0
    closing = rng.uniform(0.45, 0.80, n)[:, None] + 0.10 * lift + rng.normal(0.0, 0.05, shape)
    follow = _rng(seed, 4, 5)  # separate stream: these two scale with survey volume
    flagged = follow.binomial(hist[:, :, :7].sum(axis=2), 0.95)
    closed = follow.binomial(flagged, np.clip(closing, 0.40, 0.95))
    return _frame(net, {
        "exec_owner_assigned": net.owner,
        "leader_listening_hours": hours,
        "leaders": leaders,
        "cx_agenda_minutes": cx_minutes,
        "meeting_minutes": meeting,
        "detractors_flagged": flagged,
        "detractors_closed_48h": closed,
    })


def _incentives(seed: int, net: _Network, true_nps: np.ndarray) -> pd.DataFrame:
    """CX-linked pay that tracks the CX target, except at the pay-regardless locations."""
    rng = _rng(seed, 4, 2)
    n, shape = N_LOCATIONS, (N_LOCATIONS, N_MONTHS)
    planned = net.employees * rng.uniform(450.0, 750.0, n)[:, None]
    planned = planned * np.exp(rng.normal(0.0, 0.08, shape))
    share = rng.uniform(0.05, 0.45, n)[:, None]
    met = true_nps + rng.normal(0.0, 3.0, shape) >= NPS_TARGET
    missed_pay = np.where(rng.random(shape) < 0.2, rng.uniform(0.2, 0.7, shape), 0.0)
    paid = np.where(met, rng.uniform(0.9, 1.1, shape), missed_pay)
    paid = np.where(net.pay_regardless[:, None], rng.uniform(0.95, 1.05, shape), paid)
    cx_pay = np.round(planned * share * paid, 2)
    variable = np.round(planned * (1.0 - share) + cx_pay, 2)
    return _frame(net, {"variable_pay": variable, "cx_linked_pay": cx_pay, "cx_target_met": met})


def _culture(seed: int, net: _Network, true_nps: np.ndarray) -> pd.DataFrame:
    """Employee pulse and recognition, a little better where an executive owns CX."""
    rng = _rng(seed, 4, 3)
    n, shape = N_LOCATIONS, (N_LOCATIONS, N_MONTHS)
    emp = net.employees
    rate = np.clip(rng.uniform(0.45, 0.85, n)[:, None] + rng.normal(0.0, 0.05, shape), 0.2, 1.0)
    pulse = rng.binomial(emp, rate)
    lift = np.where(net.always_owner[:, None], 1.0, net.ramp)
    enps = (rng.normal(15.0, 9.0, n)[:, None] + 0.3 * (true_nps - NPS_TARGET) + 10.0 * lift
            + rng.normal(0.0, 4.0, shape))
    p_promoter = np.clip((0.70 + enps / 100.0) / 2.0, 0.05, 0.68)
    p_detractor = np.clip(0.70 - p_promoter, 0.02, 0.65)
    promoters = rng.binomial(pulse, p_promoter)
    detractors = rng.binomial(pulse - promoters, p_detractor / (1.0 - p_promoter))
    recognitions = rng.poisson(emp * rng.uniform(0.15, 0.7, n)[:, None] * (1.0 + 0.4 * lift))
    return _frame(net, {
        "pulse_responses": pulse,
        "enps_promoters": promoters,
        "enps_detractors": detractors,
        "recognitions": recognitions,
        "employees": emp,
    })
