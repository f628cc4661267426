"""`cx-scorecard views`: the mapping as CREATE VIEW statements. Executed on DuckDB and PostgreSQL
over the sample exports loaded as raw tables, the scorecard read through the views equals the
scorecard of `load`; Snowflake and BigQuery output parses in its own dialect."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa
import sqlglot
from sqlglot import exp

from cli import main as cli
from queries.loading import loader
from queries.loading.mapping import MappingError, load_mapping
from queries.loading.views import view_statements
from queries.sql.check import check
from queries.sql.engine import make_engine
from queries.sql.schema import CONTRACT

EXPORTS = Path(__file__).resolve().parents[1] / "sample_data" / "exports"


def table_mapping(tmp_path: Path) -> Path:
    """The sample mapping pointed at tables raw.<file stem> instead of the files."""
    text = (EXPORTS / "mapping.toml").read_text(encoding="utf-8")
    text = re.sub(r'source = "(\w+)\.(csv|xlsx)"', r'source = "raw.\1"', text)
    text = re.sub(r'^sheet = .*\n', "", text, flags=re.M)
    path = tmp_path / "tables.toml"
    path.write_text(text, encoding="utf-8")
    return path


def raw_frames() -> dict[str, pd.DataFrame]:
    """The export files as a warehouse would hold them after a plain import: text columns
    (blank = NULL), and the workbook's typed cells."""
    out = {p.stem: pd.read_csv(p, dtype=str) for p in EXPORTS.glob("*.csv")}
    out["culture"] = pd.read_excel(EXPORTS / "culture.xlsx")
    return out


def build_raw(backend: str, url: str) -> None:
    frames = raw_frames()
    if backend == "duckdb":
        con = duckdb.connect(url.removeprefix("duckdb:///"))
        con.execute("CREATE SCHEMA raw")
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"CREATE TABLE raw.{name} AS SELECT * FROM frame")  # test-owned names
            con.unregister("frame")
        con.close()
        return
    eng = sa.create_engine(url)
    with eng.begin() as c:
        c.execute(sa.schema.CreateSchema("raw"))
    for name, frame in frames.items():
        frame.to_sql(name, eng, schema="raw", index=False, method=_copy_rows)
    eng.dispose()


def _copy_rows(table, conn, keys, rows) -> None:
    """pandas' to_sql insert method through COPY (row inserts take minutes for 22k rows)."""
    q = conn.dialect.identifier_preparer.quote
    cols = ", ".join(q(k) for k in keys)
    with conn.connection.cursor() as cur, cur.copy(
            f"COPY {q(table.schema)}.{q(table.name)} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([None if pd.isna(v) else v for v in row])


def run_views(url: str, statements: list[str]) -> None:
    eng = sa.create_engine(url)
    with eng.begin() as c:
        for stmt in statements:
            c.exec_driver_sql(stmt)
    eng.dispose()


def scorecard(capsys, url: str, *extra: str) -> dict:
    capsys.readouterr()
    assert cli.main(["metrics", "--url", url, "--month", "2026-10", "--format", "json",
                     "--no-insights", *extra]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_views_present_raw_tables_and_the_scorecard_reads_through_them(
        backend, request, tmp_path, capsys):
    def new_url(name: str) -> str:
        if backend == "duckdb":
            return f"duckdb:///{tmp_path / (name + '.duckdb')}"
        return request.getfixturevalue("pg_databases").create()

    views_url, loaded_url = new_url("views"), new_url("loaded")
    build_raw(backend, views_url)
    dialect = "duckdb" if backend == "duckdb" else "postgresql"
    capsys.readouterr()
    assert cli.main(["views", "--mapping", str(table_mapping(tmp_path)),
                     "--dialect", dialect]) == 0
    printed = capsys.readouterr().out
    statements = view_statements(load_mapping(table_mapping(tmp_path), mode="tables"), dialect)
    assert printed.strip() == "\n\n".join(statements)
    run_views(views_url, statements)

    loader.load(EXPORTS / "mapping.toml", loaded_url, progress=False)
    eng = make_engine(views_url)
    try:
        rep = check(eng)  # the views meet the contract: names and types
        assert rep.ok, rep.problems
        assert rep.row_counts["survey_responses"] == 22_556
    finally:
        eng.dispose()
    for scope in ((), ("--region", "NE"), ("--location", "D0001")):
        assert scorecard(capsys, views_url, *scope) == scorecard(capsys, loaded_url, *scope)


@pytest.mark.parametrize("dialect", ["snowflake", "bigquery"])
def test_snowflake_and_bigquery_views_parse_in_their_dialect(tmp_path, dialect):
    mapping = load_mapping(table_mapping(tmp_path), mode="tables")
    statements = view_statements(mapping, dialect)
    parsed = [sqlglot.parse_one(s, read=dialect) for s in statements]
    # Every mapped table, in contract order (an optional table the mapping leaves out has none).
    mapped = [t for t in CONTRACT if t.name in mapping.tables]
    assert [t.name for t in CONTRACT if not t.optional] == [t.name for t in mapped
                                                            if not t.optional]
    assert [p.this.name for p in parsed] == [t.name for t in mapped]
    for tree, spec in zip(parsed, mapped, strict=True):
        assert isinstance(tree, exp.Create) and tree.kind == "VIEW"
        assert tree.expression.named_selects == [c.name for c in spec.columns]
    survey = statements[2]
    if dialect == "bigquery":
        assert "PARSE_DATE('%d/%m/%Y'" in survey and "FROM `raw`.`responses`" in survey
    else:
        assert "'DD/mm/yyyy'" in survey.replace("DD/MM/YYYY", "DD/mm/yyyy")
        assert 'FROM "raw"."responses"' in survey


HOSTILE_COLUMN = 'Q"LTR\'); DROP TABLE regions; --'


@pytest.mark.parametrize("dialect", ["postgresql", "duckdb", "snowflake", "bigquery"])
def test_user_text_stays_identifiers_and_literals(tmp_path, dialect):
    """A hostile column name and map value are quoted, never spliced into the SQL."""
    text = (EXPORTS / "mapping.toml").read_text(encoding="utf-8")
    text = re.sub(r'source = "(\w+)\.(csv|xlsx)"', r'source = "raw.\1"', text)
    text = re.sub(r'^sheet = .*\n', "", text, flags=re.M)
    text = text.replace('nps_score = "Q_LTR"', f"nps_score = {json.dumps(HOSTILE_COLUMN)}")
    text = text.replace('"Yes" = true', '"Y\'es; DROP" = true')
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    statements = view_statements(load_mapping(path, mode="tables"), dialect)
    read = {"postgresql": "postgres"}.get(dialect, dialect)
    for sql in statements:
        assert len(sqlglot.parse(sql, read=read)) == 1  # one statement each, nothing smuggled
    survey = sqlglot.parse_one(statements[2], read=read)
    assert HOSTILE_COLUMN in {c.name for c in survey.find_all(exp.Column)}
    lead = sqlglot.parse_one(statements[4], read=read)
    assert "Y'es; DROP" in {lit.this for lit in lead.find_all(exp.Literal) if lit.is_string}


def test_hostile_names_execute_on_duckdb(tmp_path):
    con = duckdb.connect(str(tmp_path / "h.duckdb"))
    con.execute("CREATE SCHEMA raw")
    frames = raw_frames()
    frames["responses"] = frames["responses"].rename(columns={"Q_LTR": HOSTILE_COLUMN})
    for name, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"CREATE TABLE raw.{name} AS SELECT * FROM frame")
        con.unregister("frame")
    text = table_mapping(tmp_path).read_text(encoding="utf-8").replace(
        'nps_score = "Q_LTR"', f"nps_score = {json.dumps(HOSTILE_COLUMN)}")
    path = tmp_path / "h.toml"
    path.write_text(text, encoding="utf-8")
    for stmt in view_statements(load_mapping(path, mode="tables"), "duckdb"):
        con.execute(stmt)
    assert con.execute("SELECT count(*) FROM regions").fetchone()[0] == 7
    top = con.execute("SELECT max(nps_score), count(nps_score) FROM survey_responses").fetchone()
    assert top[0] == 11 and top[1] > 20_000  # the demo's planted out-of-range 11 comes through
    owners = con.execute("SELECT exec_owner_assigned, count(*) FROM leadership_monthly "
                         "GROUP BY 1 ORDER BY 1").fetchall()
    assert [o for o, _ in owners] == [False, True] and sum(n for _, n in owners) == 17_760
    con.execute("CREATE SCHEMA cx")  # --schema: the views elsewhere, same sources
    for stmt in view_statements(load_mapping(path, mode="tables"), "duckdb", schema="cx"):
        con.execute(stmt)
    assert con.execute("SELECT count(*) FROM cx.survey_responses").fetchone()[0] == 22_556
    con.close()


def test_views_refuse_file_sources_and_bad_dialects(tmp_path, capsys):
    with pytest.raises(MappingError, match=r"views need a table \(schema.table\)"):
        load_mapping(EXPORTS / "mapping.toml", mode="tables")
    code = cli.main(["views", "--mapping", str(EXPORTS / "mapping.toml"), "--dialect", "duckdb"])
    assert code == 2 and "views need a table" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["views", "--mapping", "x.toml", "--dialect", "oracle"])
