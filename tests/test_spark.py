"""The scorecard on Spark: same numbers as DuckDB.

Per commit (a local-mode Thrift server, scripts/spark-cluster start-local, proves the SQL): the
metrics JSON equal to DuckDB's field by field in every scope kind, the page (AppTest), table
discovery, dates, the read-only guard, the query time limit and clear errors. The long
`spark_cluster` run (the cluster of scripts/spark-cluster start) adds `build-demo` and `rollup`
on a Spark database, the board pack, and every shared metric test (test_metrics, test_cli,
test_access, test_faults, ...) on Spark through the `warehouse` fixture. Marked `spark`: skipped
with the reason without Java, pyspark or a server, failing under CI=true.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from cli import main as cli
from queries import scope as sc
from queries import scorecard, targets
from queries.sql import aggregate, rollup
from queries.sql.check import check
from queries.sql.engine import explain, make_engine
from queries.sql.schema import CONTRACT, REQUIRED_TABLES
from tests.conftest import SparkDatabases
from tests.page import APP, fixture_duckdb, heat_rows, tiles

pytestmark = pytest.mark.spark
OCT = date(2026, 10, 1)


@pytest.fixture(scope="module")
def spark_url(spark_databases: SparkDatabases, _shared_fixture_urls: dict[str, str]) -> str:
    """The fixture warehouse on Spark (shared with the `warehouse` fixture's Spark run)."""
    if "spark" not in _shared_fixture_urls:
        _shared_fixture_urls["spark"] = spark_databases.create()
    return _shared_fixture_urls["spark"]


@pytest.fixture(scope="module")
def duckdb_url(tmp_path_factory) -> str:
    return fixture_duckdb(tmp_path_factory.mktemp("duck"))


def cli_run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def differences(a, b, path: str = "") -> list[str]:
    """Every path where two JSON documents differ (an empty list when equal field by field)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only on one side" for k in a.keys() ^ b.keys()]
        for k in a.keys() & b.keys():
            out += differences(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


@pytest.mark.parametrize("scope_args", [(), ("--region", "N"), ("--location", "L1")])
def test_metrics_json_on_spark_equals_duckdb(capsys, spark_url, duckdb_url, scope_args):
    from benchmarks.roundtrips import counting
    from queries.sql import identity

    docs, sent = [], []
    for url in (duckdb_url, spark_url):
        identity.forget()  # cold, as a new process: no facts, no view cached
        rollup._checked.clear()
        with counting() as count:
            code, out, err = cli_run(capsys, "metrics", "--url", url, "--month", "2026-10",
                                     "--format", "json", *scope_args)
        assert code == 0, err
        docs.append(json.loads(out))
        sent.append(count)
    duck, spark = docs
    assert differences(duck, spark) == []
    # Few round trips on Spark too (issue 31; each statement is a scheduled job there): the same
    # statements as DuckDB's cold run, whose exact counts tests/test_roundtrips.py asserts (the
    # facts, then the view's windows, then the analyses), no table listing, no liveness ping.
    assert len(sent[1].statements) == len(sent[0].statements), sent[1].statements
    assert not [s for s in sent[1].statements if re.match(r"(SHOW|DESCRIBE)\b", s, re.I)]
    assert sent[1].pings == 0
    # and the document holds the hand-computed numbers (test_metrics): NPS 100 * (3 - 2) / 7
    if not scope_args:
        by = {m["metric"]: m for m in spark["metrics"]}
        assert by["nps"]["value"] == 14.29 and by["nps"]["n"] == 7
        assert spark["insights"] is not None


def test_check_finds_every_contract_table_with_its_types(spark_url):
    eng = make_engine(spark_url)
    try:
        names = set(sa.inspect(eng).get_table_names())
        assert {t.name for t in CONTRACT} <= names  # PyHive alone found none (read the namespace)
        rep = check(eng)
        cols = {c["name"]: c["type"] for c in sa.inspect(eng).get_columns("survey_responses")}
    finally:
        eng.dispose()
    assert rep.ok, rep.problems
    assert rep.row_counts["survey_responses"] == 14  # 13 ids, id 6 loaded twice
    assert isinstance(cols["responded_on"], sa.Date) and isinstance(cols["response_id"],
                                                                     sa.BigInteger)


def test_check_names_missing_tables_on_an_empty_spark_database(capsys, spark_databases):
    name = f"cx_empty_{id(capsys) % 100000}"
    with spark_databases.admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS {name}")
    spark_databases.names.append(name)
    url = spark_databases.admin.url.set(database=name).render_as_string(hide_password=False)
    code, out, _ = cli_run(capsys, "check", "--url", url)
    assert code == 1
    assert sorted(re.findall(r"PROBLEM  missing table (\w+)", out)) == sorted(REQUIRED_TABLES)
    code, _, err = cli_run(capsys, "metrics", "--url", url, "--no-insights")
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err


def test_dates_come_back_as_dates_not_text(spark_url):
    eng = make_engine(spark_url)
    try:
        lo, hi = aggregate.freshness(eng)
        comps = aggregate.fetch(eng, sc.Scope(), date(2026, 9, 1), date(2026, 11, 1))
    finally:
        eng.dispose()
    assert (lo, hi) == (date(2025, 10, 5), date(2026, 10, 31))
    assert {type(m) for m in comps["month"]} == {date}
    assert sorted(set(comps["month"])) == [date(2026, 9, 1), OCT]


def test_read_only_engine_refuses_writes(spark_url):
    eng = make_engine(spark_url)
    try:
        with eng.connect() as c, pytest.raises(sa.exc.DBAPIError, match="read-only"):
            c.execute(sa.text("DROP TABLE regions"))
        assert len(sc.load_dims(eng).regions) == 2  # nothing was lost
    finally:
        eng.dispose()


def test_server_errors_are_spark_words_not_java_traces(spark_url):
    eng = make_engine(spark_url)
    try:
        with eng.connect() as c, pytest.raises(sa.exc.ProgrammingError) as caught:
            c.execute(sa.text("SELECT nope FROM regions"))
        with eng.connect() as c, pytest.raises(sa.exc.DatabaseError) as runtime:
            c.execute(sa.text("SELECT 1 / 0"))
    finally:
        eng.dispose()
    said = explain(caught.value, spark_url)
    assert said.startswith(f"The warehouse at {spark_url} does not match the contract: Spark: ")
    assert "`nope` cannot be resolved" in said
    assert "org.apache" not in said and "TStatus" not in said and "\n" not in said
    assert "unreachable" not in explain(runtime.value, spark_url)
    assert "Division by zero" in explain(runtime.value, spark_url)


def test_slow_query_on_spark_is_cancelled_with_a_message(spark_url):
    # The shared timeout test (tests/test_faults.py) on Spark: the server cancels at the
    # session's limit and the connection answers again afterwards.
    from tests.test_faults import test_slow_query_times_out_with_a_message as times_out

    eng = make_engine(spark_url)
    try:
        times_out(eng)
    finally:
        eng.dispose()


def test_unreachable_spark_is_one_clear_line(capsys):
    from queries.sql import dialect
    from tests.conftest import skip_or_fail

    if dialect.spark_missing_reason():
        skip_or_fail(dialect.spark_missing_reason())
    code, _, err = cli_run(capsys, "check", "--url", "hive://127.0.0.1:1/default")
    assert code == 2
    assert err.startswith("error: The warehouse at hive://127.0.0.1:1/default is unreachable")
    assert "Traceback" not in err


@pytest.mark.spark_cluster  # minutes of Spark writes: the long run, beside the benchmark's build
def test_build_demo_and_rollup_on_spark(capsys, spark_databases):
    """`build-demo --url hive://...` writes parquet tables and the rollup; `rollup` rebuilds it;
    the page's numbers are the same through the rollup and from the raw responses."""
    name = f"cx_demo_{id(spark_databases) % 100000}"
    with spark_databases.admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS {name}")
    spark_databases.names.append(name)
    url = spark_databases.admin.url.set(database=name).render_as_string(hide_password=False)
    code, out, err = cli_run(capsys, "build-demo", "--url", url, "--scale", "0.01")
    assert code == 0, err
    assert "rollup_rows" in out
    code, out, err = cli_run(capsys, "rollup", "--url", url)
    assert code == 0, err
    assert re.search(r"Rollup cx_survey_monthly rebuilt: [\d,]+ location-months", out)
    eng = make_engine(url)
    try:
        with eng.connect() as c:
            assert rollup.available(c)
        month = scorecard.latest_complete_month(aggregate.freshness(eng)[1])
        start = scorecard.add_months(month, -2)
        stop = scorecard.add_months(month, 1)
        via_rollup = aggregate.fetch(eng, sc.Scope(), start, stop, use_rollup=True)
        raw = aggregate.fetch(eng, sc.Scope(), start, stop, use_rollup=False)
    finally:
        eng.dispose()
    assert len(raw) > 0
    assert via_rollup.equals(raw)


@pytest.fixture
def page_env(monkeypatch, tmp_path) -> Iterator[None]:
    monkeypatch.setenv("CX_DEMO_PATH", str(tmp_path / "no-demo.duckdb"))
    monkeypatch.setenv("CX_ACTIONS_URL", f"sqlite:///{tmp_path / 'actions.sqlite'}")
    monkeypatch.delenv("CX_ACCESS_POLICY", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def page_tiles(monkeypatch, url: str, **params: str) -> dict[str, str]:
    monkeypatch.setenv("CX_WAREHOUSE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=600)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error], [e.value for e in at.error]
    # Everything the page writes as text, less lines that name the warehouse itself: Markdown
    # and captions, the collapsed sections' labels (their counts), each KPI tile's words and
    # numbers (tags and sparkline drawing left out) and the heat table's rows.
    shown = [str(e.value) for e in (*at.metric, *at.markdown, *at.caption)]
    shown += [e.label for e in at.expander]
    shown += [" ".join(re.sub(r"<svg.*?</svg>|<[^>]+>", " ", t).split()) for t in tiles(at)]
    shown += [" | ".join(row) for row in heat_rows(at)]
    return {f"{i}": v for i, v in enumerate(x for x in shown if "://" not in x)}


def test_page_on_spark_shows_duckdbs_numbers(page_env, monkeypatch, spark_url, duckdb_url):
    for params in ({}, {"region": "N"}):
        spark = page_tiles(monkeypatch, spark_url, **params)
        duck = page_tiles(monkeypatch, duckdb_url, **params)
        assert len(spark) > 10 and spark == duck


def _pack_text(url: str) -> str:
    """The printed pack's HTML of the company (pack/document.py: what Chromium prints), its
    time stamp fixed (two builds differ only there)."""
    from dataclasses import replace
    from datetime import datetime

    from pack import document, printed

    eng = make_engine(url)
    try:
        dims = sc.load_dims(eng)
        p = printed._content(eng, dims, sc.Scope(), OCT, targets.load(), (), None, None,
                             printed.Timing(), True)
    finally:
        eng.dispose()
    _head, body, charts = document.parts(replace(p, generated=datetime(2026, 11, 1)))
    return body + "".join(data for _id, data in charts.figures)


@pytest.mark.spark_cluster  # the pack reads what the page reads (test_page_on_spark_...)
def test_pack_on_spark_equals_duckdbs(spark_url, duckdb_url):
    spark, duck = _pack_text(spark_url), _pack_text(duckdb_url)
    assert "North" in spark and "South" in spark
    same = spark == duck  # a bool: pytest's diff of two large strings can run for minutes
    assert same, next(i for i, (a, b) in enumerate(zip(spark, duck, strict=False)) if a != b)

