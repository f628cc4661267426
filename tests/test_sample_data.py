"""The demo-warehouse generator: deterministic, contract-shaped, and its planted effects visible."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from queries.sql.schema import CONTRACT, MONTHLY_TABLES, TABLES
from sample_data import MONTHS, Demo, build_demo, generate

SCORES = ("nps_score", "sat_overall", "sat_expectations", "sat_ideal")


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).to_numpy()).hexdigest()


def _demo_digest(demo: Demo) -> list[str]:
    return [_digest(f) for f in demo.frames().values()] + [
        _digest(c) for c in demo.iter_survey_chunks()
    ]


@dataclass
class NpsCounts:
    """Measured NPS counts per location x month, after dropping duplicates and bad scores."""

    promoters: np.ndarray
    detractors: np.ndarray
    answers: np.ndarray

    def nps(self, rows: np.ndarray | list[int], cols: np.ndarray | list[int]) -> float:
        ix = np.ix_(np.asarray(rows), np.asarray(cols))
        diff = self.promoters[ix].sum() - self.detractors[ix].sum()
        return 100.0 * diff / self.answers[ix].sum()


@pytest.fixture(scope="module")
def demo_s1() -> Demo:
    """Scale 1 without drawing survey rows: the shape checks only need the counts."""
    return generate()


@pytest.fixture(scope="module")
def demo() -> Demo:
    return generate(scale=0.1)


@pytest.fixture(scope="module")
def chunks(demo: Demo) -> list[pd.DataFrame]:
    return list(demo.iter_survey_chunks())


@pytest.fixture(scope="module")
def measured(demo: Demo, chunks: list[pd.DataFrame]) -> NpsCounts:
    ids = demo.dims["locations"]["location_id"].tolist()
    shape = (len(ids), len(MONTHS))
    out = NpsCounts(np.zeros(shape), np.zeros(shape), np.zeros(shape))
    for m, chunk in enumerate(chunks):
        chunk = chunk.drop_duplicates("response_id")
        score = chunk["nps_score"].to_numpy(dtype=float, na_value=np.nan)
        ok = (score >= 0) & (score <= 10)
        frame = pd.DataFrame({
            "loc": chunk["location_id"].to_numpy(), "n": ok, "p": ok & (score >= 9),
            "d": ok & (score <= 6),
        }).groupby("loc").sum().reindex(ids, fill_value=0)
        out.answers[:, m], out.promoters[:, m], out.detractors[:, m] = (
            frame["n"], frame["p"], frame["d"]
        )
    return out


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_same_data_and_other_seed_differs() -> None:
    a, b, c = generate(0.05), generate(0.05), generate(0.05, seed=7)
    assert _demo_digest(a) == _demo_digest(b)
    assert a.truth["owner_start_month"] == b.truth["owner_start_month"]
    da, dc = _demo_digest(a), _demo_digest(c)
    assert all(x != y for x, y in zip(da[1:], dc[1:], strict=True))  # regions may match
    assert a.truth["pay_regardless"] != c.truth["pay_regardless"]


def test_scale_changes_survey_volume_only() -> None:
    small, big = generate(0.05), generate(0.2)
    assert _digest(small.dims["locations"]) == _digest(big.dims["locations"])
    for name in ("loyalty_monthly", "incentives_monthly", "culture_monthly"):
        pd.testing.assert_frame_equal(small.monthly[name], big.monthly[name])
    lead_s, lead_b = small.monthly["leadership_monthly"], big.monthly["leadership_monthly"]
    for col in ("exec_owner_assigned", "leader_listening_hours", "cx_agenda_minutes"):
        pd.testing.assert_series_equal(lead_s[col], lead_b[col])
    assert 3.0 < big.survey_rows / small.survey_rows < 5.0
    with pytest.raises(ValueError):
        generate(0)


# --- shape and ranges -------------------------------------------------------------------------


def test_network_and_calendar(demo_s1: Demo) -> None:
    regions, locations = demo_s1.dims["regions"], demo_s1.dims["locations"]
    assert 6 <= len(regions) <= 8
    assert len(locations) == 370 and locations["location_id"].is_unique
    assert set(locations["region_id"]) == set(regions["region_id"])
    assert locations["location_name"].str.match(r"^Dealer \d{4} - [A-Z][a-z]+$").all()
    assert locations["latitude"].between(24.5, 49.5).all()
    assert locations["longitude"].between(-125.0, -66.9).all()
    assert MONTHS[0] == date(2022, 11, 1) and MONTHS[-1] == date(2026, 10, 1)
    assert len(MONTHS) == 48
    full = pd.MultiIndex.from_product(
        [locations["location_id"], pd.to_datetime(list(MONTHS))], names=["location_id", "month"]
    )
    for name in MONTHLY_TABLES:
        frame = demo_s1.monthly[name]
        assert list(frame.columns) == [c.name for c in TABLES[name].columns]
        keys = pd.MultiIndex.from_frame(frame[["location_id", "month"]])
        assert keys.is_unique and keys.sort_values().equals(full.sort_values())


def test_response_volumes(demo_s1: Demo) -> None:
    counts = demo_s1.response_counts.to_numpy()
    assert 1_000_000 <= demo_s1.survey_rows <= 1_100_000
    assert ((counts >= 10) & (counts <= 500)).mean() > 0.95
    assert 0.01 <= ((counts >= 1) & (counts < 10)).mean() <= 0.04
    assert 1 <= (counts == 0).sum() <= 40
    assert counts.max() <= 1000


def test_survey_values_within_contract_except_planted(demo: Demo, chunks: list) -> None:
    survey = pd.concat(chunks, ignore_index=True)
    assert len(survey) == demo.survey_rows
    assert survey["response_id"].is_monotonic_increasing
    dup_rows = survey.duplicated(keep="first").sum()
    assert survey.duplicated("response_id").sum() == dup_rows  # duplicates are exact copies
    assert 0 < dup_rows <= 0.0005 * len(survey)
    on = survey["responded_on"]
    assert on.min() == pd.Timestamp("2022-11-01") and on.max() == pd.Timestamp("2026-10-31")
    bad = np.zeros(len(survey), bool)
    for col in SCORES:
        spec = TABLES["survey_responses"].column(col)
        values = survey[col].to_numpy(dtype=float, na_value=np.nan)
        assert 0.02 < np.isnan(values).mean() < 0.04
        bad |= (values < spec.low) | (values > spec.high)
    assert 0 < bad.sum() <= 0.0005 * len(survey)


def test_monthly_values_within_contract(demo_s1: Demo) -> None:
    for name, frame in demo_s1.monthly.items():
        assert not frame.isna().any().any(), name
        for spec in TABLES[name].columns:
            if spec.low is not None:
                assert (frame[spec.name] >= spec.low).all(), (name, spec.name)
    loy, lead = demo_s1.monthly["loyalty_monthly"], demo_s1.monthly["leadership_monthly"]
    inc, cul = demo_s1.monthly["incentives_monthly"], demo_s1.monthly["culture_monthly"]
    assert (loy["customers_retained"] <= loy["customers_start"]).all()
    assert (loy["referred_new_customers"] <= loy["new_customers"]).all()
    retention = loy["customers_retained"].sum() / loy["customers_start"].sum()
    referral = loy["referred_new_customers"].sum() / loy["new_customers"].sum()
    assert 0.85 <= retention <= 0.95 and 0.10 <= referral <= 0.35
    assert lead["leaders"].between(3, 12).all()
    assert lead["leader_listening_hours"].between(0, 40).all()
    assert (lead["cx_agenda_minutes"] <= lead["meeting_minutes"]).all()
    assert (lead["detractors_closed_48h"] <= lead["detractors_flagged"]).all()
    assert (inc["cx_linked_pay"] <= inc["variable_pay"]).all()
    assert 10_000 <= inc["variable_pay"].mean() <= 100_000
    assert cul["employees"].between(20, 150).all()
    assert (cul["pulse_responses"] <= cul["employees"]).all()
    assert (cul["enps_promoters"] + cul["enps_detractors"] <= cul["pulse_responses"]).all()


def test_company_nps_and_acsi_levels(demo: Demo, chunks: list, measured: NpsCounts) -> None:
    everyone = np.arange(measured.answers.shape[0])
    assert 38 <= measured.nps(everyone, np.arange(48)) <= 52
    survey = pd.concat(chunks[:12], ignore_index=True)
    means = []
    for col in SCORES[1:]:
        values = survey[col].to_numpy(dtype=float, na_value=np.nan)
        means.append(np.nanmean(np.where((values >= 1) & (values <= 10), values, np.nan)))
    acsi = (np.mean(means) - 1) / 9 * 100
    assert 74 <= acsi <= 81


# --- planted effects --------------------------------------------------------------------------


def test_executive_owner_lifts_nps(demo: Demo, measured: NpsCounts) -> None:
    truth = demo.truth
    ids = demo.dims["locations"]["location_id"].tolist()
    start = {k: MONTHS.index(v) for k, v in truth["owner_start_month"].items() if v is not None}
    assert 0.35 <= len(start) / len(ids) <= 0.45
    assert all(8 <= s <= 40 for s in start.values())
    others = set(truth["always_owner"]) | set(truth["pay_regardless"]) | set(start)
    control = [i for i, lid in enumerate(ids) if lid not in others]
    lead = demo.monthly["leadership_monthly"]
    lifts, hours_ratio = [], []
    for lid, s in start.items():
        i = ids.index(lid)
        before, after = list(range(s - 6, s)), [m for m in range(s + 6, s + 12) if m < 48]
        if after:
            lifts.append(measured.nps([i], after) - measured.nps([i], before)
                         - (measured.nps(control, after) - measured.nps(control, before)))
        rows = lead[lead["location_id"] == lid]
        assert not rows["exec_owner_assigned"].iloc[:s].any()
        assert rows["exec_owner_assigned"].iloc[s:].all()
        hours = rows["leader_listening_hours"].to_numpy()
        hours_ratio.append(hours[s:].mean() / max(hours[:s].mean(), 0.1))
    assert np.mean(lifts) > 4.0
    assert 1.6 < np.median(hours_ratio) < 2.5
    owned = lead.groupby("location_id")["exec_owner_assigned"].all()
    assert set(owned[owned].index) == set(truth["always_owner"])


def test_pay_regardless_has_low_payout_alignment(demo: Demo, measured: NpsCounts) -> None:
    inc = demo.monthly["incentives_monthly"]
    aligned = inc["cx_linked_pay"].where(inc["cx_target_met"], 0.0)
    by_loc = pd.DataFrame({"loc": inc["location_id"], "aligned": aligned,
                           "cx": inc["cx_linked_pay"]}).groupby("loc").sum()
    alignment = by_loc["aligned"] / by_loc["cx"]
    pay = alignment.index.isin(list(demo.truth["pay_regardless"]))
    assert 0.12 <= pay.mean() <= 0.18
    assert alignment[pay].mean() < 0.4 < 0.7 < alignment[~pay].mean()
    share = by_loc["cx"] / inc.groupby("location_id")["variable_pay"].sum()
    assert 0.1 < share[pay].mean() < 0.4 and 0.1 < share[~pay].mean() < 0.4
    ids = demo.dims["locations"]["location_id"].tolist()
    rows = [ids.index(lid) for lid in demo.truth["pay_regardless"]]
    assert measured.nps(rows, range(36, 48)) < measured.nps(rows, range(0, 12)) - 6


def test_improving_and_declining_regions(demo: Demo, measured: NpsCounts) -> None:
    region = demo.dims["locations"]["region_id"].to_numpy()
    slopes = {}
    for rid in np.unique(region):
        rows = np.flatnonzero(region == rid)
        series = [measured.nps(rows, [m]) for m in range(48)]
        slopes[rid] = np.polyfit(np.arange(48), series, 1)[0]
    up, down = demo.truth["improving_region"], demo.truth["declining_region"]
    assert slopes[up] == max(slopes.values()) and slopes[up] > 0.25
    assert slopes[down] == min(slopes.values()) and slopes[down] < -0.1


def test_nps_predicts_next_months_retention_and_referral(
    demo: Demo, measured: NpsCounts
) -> None:
    loy = demo.monthly["loyalty_monthly"]

    def wide(col: str) -> np.ndarray:
        return loy[col].to_numpy(dtype=float).reshape(-1, 48)  # frames are location-major

    retention = wide("customers_retained") / wide("customers_start")
    referral = wide("referred_new_customers") / wide("new_customers")
    with np.errstate(invalid="ignore", divide="ignore"):
        nps = 100 * (measured.promoters - measured.detractors) / measured.answers
    x, r, f = [], [], []
    for m in range(44):
        x.append(nps[:, m])
        r.append(retention[:, m + 1:m + 4].mean(axis=1))
        f.append(referral[:, m + 1:m + 4].mean(axis=1))
    x, r, f = np.concatenate(x), np.concatenate(r), np.concatenate(f)
    ok = np.isfinite(x)
    assert np.corrcoef(x[ok], r[ok])[0, 1] > 0.1
    assert np.corrcoef(x[ok], f[ok])[0, 1] > 0.1
    by_location = np.corrcoef(np.nanmean(nps, axis=1), retention.mean(axis=1))[0, 1]
    assert by_location > 0.4


# --- loaders ----------------------------------------------------------------------------------

CHECKSUM = (
    "SELECT count(*), count(DISTINCT response_id), sum(mod(response_id, 1000003)), sum(nps_score), "
    "sum(sat_overall), sum(sat_expectations), sum(sat_ideal), count(sat_ideal), "
    "sum(extract(day FROM responded_on)), max(responded_on) FROM survey_responses"
)
MONTHLY_CHECKSUM = (
    "SELECT (SELECT sum(customers_retained) FROM loyalty_monthly), "
    "(SELECT round(sum(cx_linked_pay)) FROM incentives_monthly), "
    "(SELECT count(*) FROM incentives_monthly WHERE cx_target_met), "
    "(SELECT count(*) FROM leadership_monthly WHERE exec_owner_assigned), "
    "(SELECT sum(enps_promoters) FROM culture_monthly), "
    "(SELECT round(sum(latitude) * 1000) FROM locations)"
)
DUCK_TYPES = {
    "response_id": "BIGINT", "responded_on": "DATE", "month": "DATE", "nps_score": "INTEGER",
    "location_id": "VARCHAR", "exec_owner_assigned": "BOOLEAN", "cx_target_met": "BOOLEAN",
    "latitude": "DOUBLE", "variable_pay": "DOUBLE", "leaders": "INTEGER",
}
PG_TYPES = {
    "response_id": "bigint", "responded_on": "date", "month": "date", "nps_score": "integer",
    "location_id": "character varying", "exec_owner_assigned": "boolean",
    "cx_target_met": "boolean", "latitude": "double precision", "variable_pay": "double precision",
    "leaders": "integer",
}


def _expected_counts(demo: Demo) -> dict[str, int]:
    counts = {name: len(frame) for name, frame in demo.frames().items()}
    comments = sum(len(demo.comment_chunk(m)) for m in range(len(demo.months)))
    items = sum(len(demo.items_chunk(m, chunk))
                for m, chunk in enumerate(demo.iter_survey_chunks()))
    return counts | {"survey_responses": demo.survey_rows, "survey_comments": comments,
                     "survey_items": items}


def _norm(rows: list[tuple]) -> list[tuple]:
    """Numbers as floats, so PostgreSQL's numeric and DuckDB's integers compare equal."""
    return [tuple(v if isinstance(v, date) else float(v) for v in row) for row in rows]


def _duck(path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_duckdb_round_trip(tmp_path) -> None:
    path = tmp_path / "nested" / "demo.duckdb"
    counts = build_demo(f"duckdb:///{path}", scale=0.02, progress=False)
    assert counts == _expected_counts(generate(0.02))
    assert set(counts) == {t.name for t in CONTRACT}
    with duckdb.connect(str(path), read_only=True) as con:
        for spec in CONTRACT:
            described = {r[0]: r[1] for r in con.execute(f"DESCRIBE {spec.name}").fetchall()}
            assert list(described) == [c.name for c in spec.columns]
            for col, typ in DUCK_TYPES.items():
                if col in described:
                    assert described[col] == typ, (spec.name, col)
        indexed = {r[0] for r in con.execute("SELECT table_name FROM duckdb_indexes()").fetchall()}
        assert indexed == set(MONTHLY_TABLES)
    first = _duck(path, CHECKSUM) + _duck(path, MONTHLY_CHECKSUM)
    build_demo(f"duckdb:///{path}", scale=0.02, progress=False)
    assert _duck(path, CHECKSUM) + _duck(path, MONTHLY_CHECKSUM) == first
    assert sorted(p.name for p in path.parent.iterdir()) == ["demo.duckdb"]
    with pytest.raises(FileExistsError):
        build_demo(f"duckdb:///{path}", scale=0.02, progress=False, replace=False)


def test_duckdb_failed_build_keeps_old_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "demo.duckdb"
    build_demo(f"duckdb:///{path}", scale=0.02, progress=False)
    before = path.read_bytes()
    real = Demo.survey_chunk

    def broken(self: Demo, m: int) -> pd.DataFrame:
        if m == 3:
            raise RuntimeError("generator crashed")
        return real(self, m)

    monkeypatch.setattr(Demo, "survey_chunk", broken)
    with pytest.raises(RuntimeError, match="generator crashed"):
        build_demo(f"duckdb:///{path}", scale=0.03, progress=False)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["demo.duckdb"]


@pytest.mark.parametrize("url", ["sqlite:///x.db", "mysql://u@h/db", "duckdb:///:memory:"])
def test_unsupported_url(url: str) -> None:
    with pytest.raises(ValueError):
        build_demo(url, scale=0.01, progress=False)


@pytest.fixture(scope="module")
def pg_url(pg_databases) -> str:
    """A fresh database on the local server for this module, dropped at the end of the session."""
    return pg_databases.create()


@pytest.mark.postgres
def test_postgres_round_trip(pg_url: str, tmp_path) -> None:
    counts = build_demo(pg_url, scale=0.02, progress=False)
    assert counts == _expected_counts(generate(0.02))
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            types = {(r[0], r[1]): r[2] for r in conn.exec_driver_sql(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public'"
            )}
            for spec in CONTRACT:
                for col in spec.columns:
                    assert (spec.name, col.name) in types
                    if col.name in PG_TYPES:
                        assert types[spec.name, col.name] == PG_TYPES[col.name]
            indexes = {r[0] for r in conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
            assert "ix_survey_responses_location_day" in indexes
            pg_sums = [tuple(conn.exec_driver_sql(q).one()) for q in (CHECKSUM, MONTHLY_CHECKSUM)]
        # Same seed and scale: PostgreSQL holds exactly what DuckDB holds.
        path = tmp_path / "same.duckdb"
        build_demo(f"duckdb:///{path}", scale=0.02, progress=False)
        duck_sums = _duck(path, CHECKSUM) + _duck(path, MONTHLY_CHECKSUM)
        assert _norm(pg_sums) == _norm(duck_sums)
        with pytest.raises(FileExistsError):
            build_demo(pg_url, scale=0.02, progress=False, replace=False)
        again = build_demo(pg_url, scale=0.02, progress=False)
        assert again == counts
    finally:
        engine.dispose()
