"""DuckDB's columnar fetch gives exactly the frame the portable row-by-row fetch gives.

The page reads DuckDB results with the driver's `fetch_df` (10x faster for a company history);
every other engine reads rows. Both must hand the metrics the same keys, months and sums.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from queries import scope as sc
from queries.sql import aggregate, dialect
from tests.fixture_warehouse import load_with_rollup

SCOPES = (sc.Scope(), sc.Scope(region="N"), sc.Scope(region="N", location="L1"))


def _both(eng, monkeypatch, *args, **kwargs) -> tuple[pd.DataFrame, pd.DataFrame]:
    columnar = aggregate.fetch(eng, *args, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(dialect.DuckDB, "native_frame", lambda self, result: None)
        rows = aggregate.fetch(eng, *args, **kwargs)
    return columnar, rows


@pytest.mark.parametrize("use_rollup", [False, True])
@pytest.mark.parametrize("by", ["child", "location", "none"])
def test_columnar_fetch_equals_row_fetch(make_warehouse, monkeypatch, by, use_rollup):
    eng = make_warehouse(loader=load_with_rollup, name="paths")
    for scope in SCOPES:
        columnar, rows = _both(eng, monkeypatch, scope, date(2025, 10, 1), date(2026, 11, 1),
                               by=by, use_rollup=use_rollup)
        assert len(columnar) > 0
        pd.testing.assert_frame_equal(columnar, rows, check_dtype=False)
        assert all(type(m) is date for m in columnar["month"])  # not Timestamps
        assert all(k is None or type(k) is str for k in columnar["key"])


def test_columnar_fetch_of_an_empty_window_still_compares_with_dates(make_warehouse,
                                                                      monkeypatch):
    eng = make_warehouse()
    columnar, rows = _both(eng, monkeypatch, sc.Scope(), date(2001, 1, 1), date(2001, 3, 1),
                           by="location")
    assert len(columnar) == len(rows) == 0
    assert list(columnar.columns) == list(rows.columns)
    # The analyses filter months with `date`s: a datetime64 column would raise here.
    assert columnar[columnar["month"] >= date(2001, 2, 1)].empty


def test_duckdb_uses_the_columnar_fetch(make_warehouse, monkeypatch):
    eng = make_warehouse()
    calls = []
    real = dialect.DuckDB.native_frame

    def spy(self, result):
        out = real(self, result)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(dialect.DuckDB, "native_frame", spy)
    aggregate.fetch(eng, sc.Scope(), date(2026, 9, 1), date(2026, 11, 1))
    if dialect.of(eng).name == "duckdb":
        assert calls and all(calls)
    else:
        assert calls == []
