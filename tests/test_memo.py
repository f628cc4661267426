"""What the page derives from a scorecard is built once per scorecard build (dashboard/caches.py):
a rerun of a seen view reuses it, a new build (another month, new data) never sees an old one."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from cachetools import LRUCache

from dashboard import caches
from dashboard.panels import geo, league
from queries import scorecard, targets
from queries.scope import Scope, load_dims
from tests import fixture_warehouse
from tests.page import fixture_duckdb, heat_rows, run_page

OCT = date(2026, 10, 1)


def test_derived_builds_once_per_key_and_forgets_the_oldest(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setattr(caches, "_derived", LRUCache(maxsize=2))
    calls: list[str] = []

    def build(name: str):
        return lambda: calls.append(name) or f"value of {name}"

    assert caches.derived(("a",), build("a")) == "value of a"
    assert caches.derived(("a",), build("a")) == "value of a"  # remembered: not built again
    assert calls == ["a"]
    caches.derived(("b",), build("b"))
    caches.derived(("a",), build("a"))  # a is now the most recently used
    caches.derived(("c",), build("c"))  # over the limit: b, the least recently used, goes
    caches.derived(("a",), build("a"))
    caches.derived(("b",), build("b"))
    assert calls == ["a", "b", "c", "b"]


def test_a_copy_keeps_its_build_id_and_a_new_build_gets_a_new_one() -> None:
    engine = sa.create_engine("duckdb:///:memory:")
    fixture_warehouse.load(engine)
    dims = load_dims(engine)

    def build():
        return scorecard.build(engine, dims, Scope(), OCT, targets.load(), OCT)

    card = build()
    copy = pickle.loads(pickle.dumps(card))  # what st.cache_data hands each rerun
    assert copy is not card and copy.build_id == card.build_id
    assert build().build_id != card.build_id


def test_a_rerun_reuses_the_table_and_map_label_and_a_new_month_builds_its_own(
        tmp_path: Path, page_env: pytest.MonkeyPatch) -> None:
    page_env.setenv("CX_WAREHOUSE_URL", fixture_duckdb(tmp_path))
    built: list[tuple] = []
    block, label = league.block_html, geo.label

    def counting_block(base, month, current, ranked=None):
        built.append(("table", month))
        return block(base, month, current, ranked)

    def counting_label(card, parent, pts):
        built.append(("map", card.month))
        return label(card, parent, pts)

    page_env.setattr(league, "block_html", counting_block)
    page_env.setattr(geo, "label", counting_label)
    at = run_page()
    first = heat_rows(at)
    at.run()
    assert not at.exception
    assert heat_rows(at) == first  # the same table, not rebuilt
    assert built == [("table", OCT), ("map", OCT)]
    at.query_params["month"] = "2026-09"
    at.run()
    assert not at.exception
    sep = date(2026, 9, 1)
    assert built[2:] == [("table", sep), ("map", sep)]
    assert all("month=2026-09" in link for _, _, link in heat_rows(at))
