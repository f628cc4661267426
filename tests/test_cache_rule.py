"""The cache rule (docs/architecture.md): every store keyed by warehouse identity (the DuckDB
file's included), freshness token, rights and view, and bounded.

The page test replaces the DuckDB file under a running page (one AppTest session, its caches
warm) and reads the new rows in every part of the page: tiles, heat table, "furthest behind",
map points and movers. Before the rule, the ranking's key lacked the file identity, so the heat
table, "furthest behind" and the map kept the old file's regions for up to 5 minutes.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from dashboard import caches, data
from dashboard.panels import geo, movers
from queries import scope as sc
from queries import scorecard, targets
from queries.sql import aggregate, identity, rollup
from queries.sql.engine import make_engine
from sample_data.load import build_demo
from tests.page import APP, heat_rows, open_section, tiles
from tests.test_app import TILE

OCT = date(2026, 10, 1)

PREFIX = "Renamed "


def _page_parts(at: AppTest) -> dict[str, object]:
    """What the page shows that comes from the warehouse, part by part."""
    nps = next(html.unescape(m["value"]) for t in tiles(at) for m in TILE.finditer(t)
               if html.unescape(m["label"]).removesuffix(":") == "NPS")
    verdict = next(h.proto.body for h in at.get("html") if 'class="cx-verdict"' in h.proto.body)
    row = re.search(r'<span class="cx-v-k">Furthest behind[^<]*</span>(.*?)</div>', verdict)
    behind = [html.unescape(re.sub(r"<[^>]+>", "", item)) for item in re.findall(
        r'<span class="cx-v-item">(.*?)</span>', row.group(1))] if row else []
    maps = [json.loads(e.proto.spec) for e in at.get("plotly_chart")]
    (region_map,) = [m for m in maps if any(t.get("type") == "scattergeo" for t in m["data"])]
    moved = [str(e.value) for e in at.markdown if "▲" in str(e.value) or "▼" in str(e.value)]
    return {"nps": nps, "heat": [name for _key, name, _link in heat_rows(at)],
            "behind": [item.split(" (")[0] for item in behind],  # the names listed
            "map": list(region_map["data"][0]["text"]),
            "movers": [e.label for e in at.expander if e.label.startswith("What moved")],
            "moved": moved}


def _replacement(path: Path, region: str, month: date) -> Path:
    """A copy of the warehouse with every region renamed and `region`'s NPS answers of `month`
    all 0 (so its NPS falls to -100: a move beyond the noise, and furthest behind)."""
    new = path.with_name("replacement.duckdb")
    shutil.copy(path, new)
    writer = sa.create_engine(f"duckdb:///{new}")
    with writer.begin() as c:
        c.execute(sa.text("UPDATE regions SET region_name = :p || region_name"), {"p": PREFIX})
        c.execute(sa.text(
            "UPDATE survey_responses SET nps_score = 0 WHERE responded_on >= :m AND "
            "location_id IN (SELECT location_id FROM locations WHERE region_id = :r)"),
            {"m": month, "r": region})
    writer.dispose()
    return new


def test_a_replaced_file_is_read_in_every_part_of_a_running_page(tmp_path, page_env) -> None:
    path = tmp_path / "wh.duckdb"
    build_demo(f"duckdb:///{path}", scale=0.05, progress=False)
    url = f"duckdb:///{path}"
    page_env.setenv("CX_WAREHOUSE_URL", url)
    eng = make_engine(url)
    dims, (_first, latest) = sc.load_dims(eng), aggregate.freshness(eng)
    eng.dispose()
    month = date(latest.year, latest.month, 1)
    region = str(dims.regions.iloc[0]["region_id"])
    old_names = set(dims.regions["region_name"])

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["month"] = f"{month:%Y-%m}"
    at.run()
    open_section(open_section(at, geo.SECTION_KEY), movers.SECTION_KEY)
    before = _page_parts(at)
    assert set(before["heat"]) == old_names and set(before["map"]) <= old_names

    os.replace(_replacement(path, region, month), path)  # within the caches' lifetime
    at.run()  # the same session: every cache is warm with the old file's results
    assert not at.exception, [e.value for e in at.exception]
    after = _page_parts(at)

    new_eng = make_engine(url)
    card = scorecard.build(new_eng, sc.load_dims(new_eng), sc.Scope(), month, targets.load(),
                           latest)
    new_eng.dispose()
    from presentation import fmt
    from queries.registry import BY_NAME

    assert after["nps"] == fmt.value_text(BY_NAME["nps"], card.metrics["nps"].value)
    assert after["nps"] != before["nps"]  # tiles
    assert set(after["heat"]) == {PREFIX + n for n in old_names}  # heat table
    assert set(before["behind"]) <= old_names
    assert after["behind"] and all(n.startswith(PREFIX) for n in after["behind"])  # behind
    new_name = PREFIX + dims.region_name(region)
    assert after["map"] and all(n.startswith(PREFIX) for n in after["map"])  # map points
    assert after["movers"] != before["movers"]  # the section's label counts the new move
    assert any(new_name in line.replace("\\", "") for line in after["moved"])  # movers


def test_the_warehouse_key_follows_the_file(tmp_path) -> None:
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    for p in (a, b):
        eng = sa.create_engine(f"duckdb:///{p}")
        with eng.begin() as c:
            c.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        eng.dispose()
    url = f"duckdb:///{a}"
    eng = make_engine(url)
    first = identity.key(eng, url)
    assert identity.key(eng, url) == first  # nothing changed: the same key
    os.replace(b, a)
    second = identity.key(eng, url)
    assert second != first and second.url == first.url
    a.unlink()
    assert identity.key(eng, url) not in (first, second)  # a deleted file is a key of its own
    eng.dispose()


@pytest.mark.postgres
def test_a_server_key_moves_with_its_change_counters(make_warehouse, backend) -> None:
    if backend != "postgres":
        pytest.skip("a server database's token")
    from tests import fixture_warehouse as fw

    eng = make_warehouse(loader=fw.load, name="token")
    url = eng.url.render_as_string(hide_password=False)
    identity.forget()
    with eng.connect() as c:
        before = identity.key(eng, url, conn=c)
    assert before.file is None and before.token is not None
    writer = sa.create_engine(url)
    with writer.begin() as c:
        c.exec_driver_sql("DELETE FROM survey_responses WHERE response_id = 13")
    writer.dispose()
    import time

    for _ in range(100):  # the server reports its counters within about a second
        with eng.connect() as c:
            if identity.key(eng, url, conn=c) != before:
                break
        time.sleep(0.1)
    else:
        pytest.fail("the change counters never moved")


def test_stores_are_bounded() -> None:
    """Every store has a bound: Streamlit's by max_entries and ttl, the others by size."""
    for fn in (data._dims, data._freshness, data.build_card, data.build_ranked):  # noqa: SLF001
        assert fn._info.max_entries and fn._info.ttl  # noqa: SLF001
    from dashboard import insights_data, journeys_data, prefetch

    assert insights_data.build._info.max_entries  # noqa: SLF001
    from dashboard import worth_data

    assert worth_data.build._info.max_entries and worth_data.build._info.ttl  # noqa: SLF001
    from dashboard import comments_data

    for fn in (comments_data._status, comments_data.build, comments_data._drill):  # noqa: SLF001
        assert fn._info.max_entries and fn._info.ttl  # noqa: SLF001
    for fn in (journeys_data._recorded, journeys_data._touch):  # noqa: SLF001
        assert fn._info.max_entries and fn._info.ttl  # noqa: SLF001
    for store in (caches._derived, caches._findings, rollup._checked, identity._tokens,  # noqa: SLF001
                  prefetch._done):  # noqa: SLF001
        assert 0 < store.maxsize <= 4096


def test_findings_are_kept_per_rule_key(tmp_path) -> None:
    caches.clear()
    wkey = identity.WarehouseKey("duckdb:///x.duckdb", ((1, 2, 3), None), None)
    everyone = ((True,), (), ())
    key = caches.findings_key(wkey, "MW", OCT, everyone)
    caches.remember_findings(key, ["Led from the top: yes"])
    assert caches.known_findings(key) == ["Led from the top: yes"]
    moved = wkey._replace(file=((1, 2, 4), None))  # the file was written
    assert caches.known_findings(caches.findings_key(moved, "MW", OCT, everyone)) is None
    other = caches.findings_key(wkey, "MW", OCT, ((False,), ("MW",), ()))
    assert caches.known_findings(other) is None  # another viewer's rights
    caches.clear()


def test_an_unreachable_server_costs_one_connection_attempt_per_token_period() -> None:
    """The page asks for its keys several times a run; a server that is down must not be
    tried (up to its connect timeout) each time."""
    attempts: list[int] = []

    class Down:
        def connect(self):
            attempts.append(1)
            raise sa.exc.OperationalError("connect", {}, Exception("connection refused"))

    identity.forget()
    url = "postgresql+psycopg://u@127.0.0.1:1/x"
    keys = {identity.key(Down(), url) for _ in range(5)}
    assert keys == {identity.WarehouseKey(url, None, None)} and len(attempts) == 1
    identity.forget()


def test_an_edited_targets_file_is_read_again_and_moves_the_page_key(tmp_path, monkeypatch
                                                                      ) -> None:
    """Every status is judged against the targets file: an edit (same path) is read on the
    next load, and the page's key changes with it, so no view keeps the old statuses."""
    from queries import targets

    text = targets.DEFAULT_FILE.read_text(encoding="utf-8")
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CX_TARGETS_FILE", str(path))
    db = tmp_path / "w.duckdb"
    writer = sa.create_engine(f"duckdb:///{db}")
    with writer.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    writer.dispose()
    eng = make_engine(f"duckdb:///{db}")
    before_key = caches.warehouse(eng, f"duckdb:///{db}")
    assert targets.load().for_metric("nps").value == 45
    edited = path.with_name("edited.toml")
    edited.write_text(text.replace("nps = { target = 45 }", "nps = { target = 50 }"),
                      encoding="utf-8")
    os.replace(edited, path)
    assert targets.load().for_metric("nps").value == 50
    after_key = caches.warehouse(eng, f"duckdb:///{db}")
    assert after_key != before_key and after_key.file == before_key.file  # only the targets
    eng.dispose()
