"""Every `CX_*` environment setting in one table: name, default and meaning (datasette's SETTINGS).

Product code reads a setting through its `Setting` here, never through `os.environ`, so this table
is the whole list; `tests/test_docs.py` checks that every `CX_*` name the code reads is in it and
in docs/settings.md. An empty value counts as unset.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

UsedBy = Literal["product", "tests", "benchmarks", "scripts/spark-cluster"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None  # used when unset; None: the meaning says what happens instead
    meaning: str
    used_by: UsedBy = "product"

    def value(self) -> str | None:
        """The environment's value, else the default."""
        return os.environ.get(self.name) or self.default


WAREHOUSE_URL = Setting(
    "CX_WAREHOUSE_URL", None,
    "SQLAlchemy URL of the warehouse; after --url, before secrets.toml and the demo file")
DEMO_PATH = Setting(
    "CX_DEMO_PATH", None,
    "the embedded demo DuckDB file; unset: ~/.cache/cx-scorecard/demo.duckdb")
TARGETS_FILE = Setting(
    "CX_TARGETS_FILE", None,
    "the targets and status bands (TOML); unset: queries/targets.toml")
ACCESS_POLICY = Setting(
    "CX_ACCESS_POLICY", None,
    "access policy TOML naming who may see which scopes; unset: access control is off")
ACTIONS_URL = Setting(
    "CX_ACTIONS_URL", None,
    "SQLAlchemy URL of the actions database; unset: ~/.cache/cx-scorecard/actions.sqlite")
QUERY_TIMEOUT = Setting(
    "CX_QUERY_TIMEOUT", "30",
    "seconds a warehouse query may run before it is cancelled (a positive number)")
CHROMIUM = Setting(
    "CX_CHROMIUM", "/usr/bin/chromium",
    "the Chromium that draws the board pack's charts and runs the browser tests and benchmarks")
PACK_FONT_DIR = Setting(
    "CX_PACK_FONT_DIR", "/usr/share/fonts/truetype/dejavu",
    "folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf for the board pack")
PACK_CJK_FONT = Setting(
    "CX_PACK_CJK_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "font for Chinese, Japanese and Korean names in the board pack")
SPARK_DATA_DIR = Setting(
    "CX_SPARK_DATA_DIR", None,
    "folder the Spark cluster can read, for build-demo's parquet files; unset: the server's "
    "spark.sql.warehouse.dir")

TEST_PG_URL = Setting(
    "CX_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "PostgreSQL admin URL the tests create their databases with", "tests")
TEST_SPARK_URL = Setting(
    "CX_TEST_SPARK_URL", "hive://127.0.0.1:10001/default",
    "the Spark Thrift server the spark tests use", "tests")
UPDATE_SNAPSHOTS = Setting(
    "CX_UPDATE_SNAPSHOTS", None,
    "1 rewrites the cloud-SQL snapshots in tests/snapshots/ (then read the diff)", "tests")
INSIGHTS_PAGE_TEST_URL = Setting(
    "CX_INSIGHTS_PAGE_TEST_URL", None,
    "set by tests/test_insights_page.py for the page it starts; not for users", "tests")

SPARK_DIR = Setting(
    "CX_SPARK_DIR", ".spark/", "the local cluster's state, logs and metastore",
    "scripts/spark-cluster")
SPARK_THRIFT_PORT = Setting(
    "CX_SPARK_THRIFT_PORT", "10001", "the local cluster's Thrift server port",
    "scripts/spark-cluster")
SPARK_MASTER_PORT = Setting(
    "CX_SPARK_MASTER_PORT", "7077", "the local cluster's master port", "scripts/spark-cluster")
SPARK_UI_PORT = Setting(
    "CX_SPARK_UI_PORT", "18080", "the local cluster's first web UI port (workers the next two)",
    "scripts/spark-cluster")
SPARK_START_TIMEOUT = Setting(
    "CX_SPARK_START_TIMEOUT", "240", "seconds the local cluster may take to start",
    "scripts/spark-cluster")

SETTINGS = (WAREHOUSE_URL, DEMO_PATH, TARGETS_FILE, ACCESS_POLICY, ACTIONS_URL, QUERY_TIMEOUT,
            CHROMIUM, PACK_FONT_DIR, PACK_CJK_FONT, SPARK_DATA_DIR, TEST_PG_URL, TEST_SPARK_URL,
            UPDATE_SNAPSHOTS, INSIGHTS_PAGE_TEST_URL, SPARK_DIR, SPARK_THRIFT_PORT,
            SPARK_MASTER_PORT, SPARK_UI_PORT, SPARK_START_TIMEOUT)
BY_NAME = {s.name: s for s in SETTINGS}
