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
BENCHMARKS_FILE = Setting(
    "CX_BENCHMARKS_FILE", None,
    "published outside yardsticks shown beside tiles (TOML); unset: queries/benchmarks.toml")
CODEFRAME = Setting(
    "CX_CODEFRAME", None,
    "the codeframe: themes comments are tagged with (TOML); unset: queries/codeframe.toml")
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
    "the Chromium that prints the board pack and runs the browser tests and benchmarks")
PREFETCH = Setting(
    "CX_PREFETCH", "1",
    "0 turns off the page's background warm-up of the views one click away (dashboard/prefetch.py)")
BUILD_SLOTS = Setting(
    "CX_BUILD_SLOTS", "2",
    "uncached views the page builds at once per server process; others wait, shown as "
    "\"Preparing this view\" (dashboard/builds.py, sizing in docs/scale-out.md)")
SPARK_DATA_DIR = Setting(
    "CX_SPARK_DATA_DIR", None,
    "folder the Spark cluster can read, for build-demo's parquet files; unset: the server's "
    "spark.sql.warehouse.dir")

SUBSCRIPTIONS = Setting(
    "CX_SUBSCRIPTIONS", None,
    "who gets the monthly digest and alerts (TOML, docs/digest.md); after --subscriptions")
SMTP_URL = Setting(
    "CX_SMTP_URL", None,
    "the mail server the digest is sent through: smtp://host:port, "
    "smtp+starttls://user@host:port or smtps://user@host:port (no password in it)")
SMTP_PASSWORD = Setting(
    "CX_SMTP_PASSWORD", None,
    "the mail server's password; unset: [smtp] password in .streamlit/secrets.toml, else none")
MAIL_FROM = Setting(
    "CX_MAIL_FROM", "cx-scorecard@localhost", "the digest's From address")
PAGE_URL = Setting(
    "CX_PAGE_URL", "http://localhost:8501/",
    "the page's address, for the links in the digest and alert mails")

# Read by the tests and by scripts/spark-cluster themselves (not through this module), listed
# here so that the table is complete.
_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEST_SETTINGS = (
    Setting("CX_TEST_PG_URL", _PG, "PostgreSQL admin URL the tests make databases with", "tests"),
    Setting("CX_TEST_SPARK_URL", "hive://127.0.0.1:10001/default", "the spark tests' server",
            "tests"),
    Setting("CX_TEST_SPARK_WAIT", "0", "seconds the spark tests wait for that server to answer "
            "(CI starts it beside the first tests)", "tests"),
    Setting("CX_UPDATE_SNAPSHOTS", None, "1 rewrites tests/snapshots/cloud_sql/ (and its "
            "`parsed/` keys)", "tests"),
    Setting("CX_PARSE_ALL", None, "1 makes the cloud SQL test parse every statement, not only "
            "those it has not parsed before", "tests"),
    Setting("CX_INSIGHTS_PAGE_TEST_URL", None, "test_insights_page's own page; not for users",
            "tests"),
)
_CLUSTER = "scripts/spark-cluster"
CLUSTER_SETTINGS = (
    Setting("CX_SPARK_DIR", ".spark/", "the local cluster's state, logs and metastore", _CLUSTER),
    Setting("CX_SPARK_THRIFT_PORT", "10001", "the local cluster's Thrift server port", _CLUSTER),
    Setting("CX_SPARK_MASTER_PORT", "7077", "the local cluster's master port", _CLUSTER),
    Setting("CX_SPARK_UI_PORT", "18080", "its first web UI port (workers: the next two)", _CLUSTER),
    Setting("CX_SPARK_START_TIMEOUT", "240", "seconds the cluster may take to start", _CLUSTER),
    Setting("CX_SPARK_LOCAL_THREADS", "2", "threads of the local-mode server (start-local)",
            _CLUSTER),
)

SETTINGS = (WAREHOUSE_URL, DEMO_PATH, TARGETS_FILE, CODEFRAME, ACCESS_POLICY, ACTIONS_URL,
            QUERY_TIMEOUT, CHROMIUM, PREFETCH, BUILD_SLOTS, SPARK_DATA_DIR,
            SUBSCRIPTIONS, SMTP_URL, SMTP_PASSWORD, MAIL_FROM, PAGE_URL, BENCHMARKS_FILE,
            *TEST_SETTINGS, *CLUSTER_SETTINGS)
BY_NAME = {s.name: s for s in SETTINGS}
