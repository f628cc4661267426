"""The app's SQL compiled for the cloud warehouses the tests cannot run, and parsed by sqlglot.

Snowflake, BigQuery, Databricks and Trino are COMPILE-CHECKED only (docs/scale-out.md): every
statement of `queries.sql.statements.catalog()` is compiled with the warehouse's own SQLAlchemy
dialect (from its registry package, the `cloud` extra), parsed by sqlglot in that dialect, and
compared with the snapshot in tests/snapshots/cloud_sql/ (rewrite them with
CX_UPDATE_SNAPSHOTS=1 after a deliberate change, and read the diff). A DuckDB run proves the
catalog holds every statement a page, the insights, a check and a rollup build really send.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib.util
import os
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from queries import insights, scorecard, targets
from queries import scope as sc
from queries.sql import rollup
from queries.sql.check import check
from queries.sql.engine import make_engine
from queries.sql.statements import catalog
from tests.conftest import skip_or_fail
from tests.page import fixture_duckdb

SNAPSHOTS = Path(__file__).parent / "snapshots" / "cloud_sql"
# engine -> (SQLAlchemy URL scheme, the package that provides the dialect, sqlglot dialect)
CLOUD = {
    "snowflake": ("snowflake://acct/db", "snowflake.sqlalchemy", "snowflake"),
    "bigquery": ("bigquery://project/dataset", "sqlalchemy_bigquery", "bigquery"),
    "databricks": ("databricks://token:x@host?http_path=p&catalog=c&schema=s",
                   "databricks.sqlalchemy", "databricks"),
    "trino": ("trino://user@host:8080/catalog", "trino.sqlalchemy", "trino"),
}
OCT = date(2026, 10, 1)


def _need(module: str) -> None:
    if importlib.util.find_spec(module.split(".")[0]) is None or (
            importlib.util.find_spec(module) is None):
        skip_or_fail(f"{module} is not installed (pip install -e '.[cloud]')")


def compiled(engine: str) -> dict[str, str]:
    _need(CLOUD[engine][1])
    return dict(_compiled(engine))


@functools.cache
def _catalog() -> dict:
    return catalog()


@functools.cache
def _compiled(engine: str) -> dict[str, str]:
    """Once per engine and process: the catalog is ~2 MB of SQL per engine (four tests read it)."""
    url = CLOUD[engine][0]
    dialect = make_url(url).get_dialect()()
    out = {}
    for name, stmt in _catalog().items():
        sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        out[name] = "\n".join(line.rstrip() for line in sql.strip().splitlines())
    return out


def snapshot_text(sqls: dict[str, str]) -> str:
    return "".join(f"-- {name}\n{sql};\n\n" for name, sql in sqls.items())


def _parsed_before(engine: str) -> Path:
    return SNAPSHOTS / "parsed" / f"{engine}.txt"


QUOTED = re.compile(r"'(?:[^']|'')*'")


def _parse_key(engine: str, sql: str) -> str:
    """What a successful parse below depends on: sqlglot's version, the dialect, the statement's
    text with its quoted literals emptied, and the contract's table names. A literal's content
    does not change what parses, and the future-date guard binds today's date: with the literals
    kept, every key went stale at midnight and CI parsed the whole catalog again (~90 s)."""
    import sqlglot

    tables = ",".join(sorted(_table_names()))
    shape = QUOTED.sub("''", sql)
    return hashlib.sha256(f"{sqlglot.__version__}|{engine}|{tables}|{shape}".encode()).hexdigest()


def parse_all(markexpr: str, env) -> bool:
    """Parse every statement, known or not: CX_PARSE_ALL=1, or a run that selects `slow` (the
    per commit run's "not slow and not spark_cluster" names it too, and must not)."""
    return env.get("CX_PARSE_ALL") == "1" or ("slow" in markexpr and "not slow" not in markexpr)


def test_known_statements_are_not_parsed_again_per_commit() -> None:
    """The memo works per commit: its keys outlive the day (the future-date guard binds today's
    date), and the per commit mark expression does not ask for a full parse."""
    sql = "SELECT 1 FROM survey_responses WHERE responded_on <= '{}' AND x = 'it''s'"
    assert _parse_key("trino", sql.format("2026-12-07")) == _parse_key("trino",
                                                                       sql.format("2027-01-31"))
    assert _parse_key("trino", sql.format("d")) != _parse_key("trino", sql.format("d") + " AND 1")
    assert not parse_all("not slow and not spark_cluster", {})
    assert parse_all("slow", {}) and parse_all("", {"CX_PARSE_ALL": "1"})


@pytest.mark.parametrize("engine", sorted(CLOUD))
def test_every_statement_compiles_and_parses(engine: str, request) -> None:
    """Every statement is compiled per commit. Parsing the ~2 MB per engine took most of CI's
    cloud minutes, so a statement whose exact text this sqlglot version has already parsed and
    checked (its key in tests/snapshots/cloud_sql/parsed/, written with the snapshots) is not
    parsed again per commit; any change of text, version or contract parses it. The `slow` run
    (and CX_PARSE_ALL=1) parses every statement."""
    import sqlglot
    from sqlglot import exp

    sqls = compiled(engine)
    read = CLOUD[engine][2]
    memo = _parsed_before(engine)
    every = parse_all(request.config.option.markexpr or "", os.environ)
    known = set() if every or not memo.exists() else set(memo.read_text().split())
    passed = set()
    for name, sql in sqls.items():
        outside_literals = re.sub(r"'[^']*'", "''", sql)
        assert not re.search(r"%\(\w+\)s|\?|(?<!:):\w+\b|@\w+", outside_literals), (
            name, "a parameter was left unbound")
        key = _parse_key(engine, sql)
        passed.add(key)
        if key in known:
            continue
        tree = sqlglot.parse_one(sql, read=read)  # raises ParseError on anything it cannot read
        kinds = (exp.Select, exp.Insert, exp.Create, exp.Drop, exp.Union)
        assert isinstance(tree, kinds), (name, type(tree).__name__)
        # The contract tables it reads are the tables sqlglot finds (nothing lost in parsing).
        assert {t.name for t in tree.find_all(exp.Table)} <= _table_names(), name
    if os.environ.get("CX_UPDATE_SNAPSHOTS") == "1":
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text("".join(f"{k}\n" for k in sorted(passed)), encoding="utf-8")


def _table_names() -> set[str]:
    from queries.sql.schema import CONTRACT
    from queries.text import store

    return {t.name for t in CONTRACT} | {rollup.ROLLUP, rollup.META, rollup.FINGERPRINT,
                                         store.TAGS, store.TAGS_META}


@pytest.mark.parametrize("engine", sorted(CLOUD))
def test_compiled_sql_matches_snapshot(engine: str) -> None:
    text = snapshot_text(compiled(engine))
    path = SNAPSHOTS / f"{engine}.sql"
    if os.environ.get("CX_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}: run with CX_UPDATE_SNAPSHOTS=1 and review it"
    old = path.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                        "snapshot", "now", n=1))
    assert old == text, f"compiled {engine} SQL changed:\n{diff[:4000]}"


def test_month_is_spelled_per_engine() -> None:
    """BigQuery truncates with DATE_TRUNC(date, MONTH); the others with date_trunc('month', x)."""
    for engine in ("bigquery", "snowflake", "trino", "databricks"):
        _need(CLOUD[engine][1])
    bigquery = compiled("bigquery")
    assert "DATE_TRUNC(`r`.`responded_on`, MONTH)" in bigquery["rollup.build"]
    # BigQuery groups by select aliases: an anonymous name there (month_start_1) would not run.
    for name, sql in bigquery.items():
        assert not re.search(r"GROUP BY .*`\w+_\d+`", sql), name
    for engine in ("snowflake", "trino", "databricks"):
        assert "date_trunc('month', " in compiled(engine)["rollup.build"], engine


def test_catalog_holds_every_statement_the_app_sends(tmp_path: Path) -> None:
    """Record the SQL DuckDB receives for a rollup build, the page at every level (with the
    map), the insights and a check; each statement must be in the catalog. The dialect's own
    reflection queries (duckdb_tables() and the like) are the dialect's business, not ours."""
    url = fixture_duckdb(tmp_path)
    eng = make_engine(url, read_only=False)
    seen: list[str] = []
    sa.event.listen(eng, "before_cursor_execute",
                    lambda _c, _cur, statement, *_a: seen.append(statement))
    try:
        rollup.build(eng)
        dims = sc.load_dims(eng)
        for scope in (sc.Scope(), sc.Scope(region="N"), sc.Scope(region="N", location="L1")):
            for use in (True, False):
                rollup._checked.clear()
                if not use:
                    with eng.begin() as c:
                        c.exec_driver_sql(f"DELETE FROM {rollup.META}")
                scorecard.build(eng, dims, scope, OCT, targets.load())
                insights.analyses(eng, dims, scope, OCT, targets.load())
            rollup.build(eng)
        check(eng)
        dialect = eng.dialect
    finally:
        eng.dispose()

    def norm(sql: str) -> str:
        # A many-row INSERT (the rollup's per-month fingerprint) is sent as one VALUES list
        # (SQLAlchemy's insertmanyvalues): its first row is the catalogued statement.
        sql = " ".join(sql.split())
        return re.sub(r"VALUES (\([^()]*\))(?:, \([^()]*\))+", r"VALUES \1", sql)

    mine = {n: norm(str(s.compile(dialect=dialect))) for n, s in _catalog().items()}
    known = set(mine.values())
    reflection = re.compile(r"duckdb_(tables|columns|views|constraints|indexes)\(\)|"
                            r"current_database\(\)|information_schema|pg_catalog")
    sent = {norm(s) for s in seen if not reflection.search(s) and not s.startswith("DELETE")}
    assert len(sent) > 20
    missing = sorted(sent - known)
    assert not missing, ("statements sent but not in queries.sql.statements.catalog():\n"
                         + "\n".join(m[:300] for m in missing))
    used = {n for n, sql in mine.items() if sql in sent}
    # The catalog is what the app sends, not a guess: at least half of what this run can send
    # (the fixture warehouse has no journey column, survey_items or survey_comments table, so the
    # statements of those optional tables are catalogued but not sent here).
    optional = re.compile(r"^(view\.journey|survey\.journey|items\.|journeys\.|comments\.|"
                          r"check\.survey_items)")
    reachable = {n for n in mine if not optional.match(n)}
    assert len(used & reachable) >= 0.5 * len(reachable), (len(used), len(reachable))


def test_snapshot_files_are_diffable() -> None:
    """Every snapshot names each statement once, in catalog order (a reviewer reads the diff)."""
    names = list(_catalog())
    for engine in CLOUD:
        path = SNAPSHOTS / f"{engine}.sql"
        if not path.exists():
            continue
        found = re.findall(r"^-- (\S+)$", path.read_text(encoding="utf-8"), re.M)
        assert found == names, engine
