"""What customers say on Spark: the batch tagging step writes its table there and a view's theme
figures (shares, changes, sentiment, examples) are DuckDB's, field by field (tests/test_spark.py's
pattern; marked `spark`: skipped with the reason without Java, pyspark or a server, failing under
CI=true)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from cli import main as cli
from queries.sql.engine import make_engine
from queries.text import store
from tests.conftest import SparkDatabases
from tests.test_comments_warehouse import load_and_tag, rows_with_comments
from tests.test_spark import differences

pytestmark = pytest.mark.spark
TODAY = date(2026, 11, 15)


@pytest.fixture(scope="module")
def spark_said(spark_databases: SparkDatabases) -> str:
    url = spark_databases.create(rows_with_comments())
    writer = make_engine(url, read_only=False, timeout_s=600)
    try:
        store.build(writer, today=TODAY)
    finally:
        writer.dispose()
    return url


@pytest.fixture(scope="module")
def duck_said(tmp_path_factory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('said') / 'said.duckdb'}"
    writer = sa.create_engine(url)
    load_and_tag(writer, rows_with_comments())
    writer.dispose()
    return url


@pytest.mark.parametrize("scope_args", [(), ("--region", "N"), ("--location", "L2")])
def test_theme_figures_on_spark_equal_duckdbs(capsys, spark_said, duck_said, scope_args):
    docs = []
    for url in (duck_said, spark_said):
        code = cli.main(["themes", "--url", url, "--month", "2026-10", "--window", "1m",
                         "--format", "json", *scope_args])
        out, err = capsys.readouterr()
        assert code == 0, err
        docs.append(json.loads(out))
    assert docs[0]["detractor_comments"] >= 1
    assert differences(docs[0], docs[1]) == []
