"""One test suite, every engine: the `warehouse` fixture runs each test on DuckDB, PostgreSQL and
Spark (a Thrift server at $CX_TEST_SPARK_URL: scripts/spark-cluster start-local per commit, the
cluster of scripts/spark-cluster start for the `spark_cluster` run); tests that build their own
warehouses (`make_warehouse`) run on DuckDB and PostgreSQL."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from queries.sql.engine import make_engine
from tests import fixture_warehouse

PG_ADMIN_URL = os.environ.get("CX_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SPARK_URL = os.environ.get("CX_TEST_SPARK_URL", "hive://127.0.0.1:10001/default")
IN_CI = os.environ.get("CI", "").lower() == "true"

# Hypothesis on a shared 2-core machine: a property that takes 300 ms because a neighbour is busy is
# not a failure. No per-example deadline; the example counts stay as each test sets them.
settings.register_profile("shared", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Mutation testing (docs/testing.md) runs the properties once per mutant: fewer, fixed examples.
settings.register_profile("mutation", parent=settings.get_profile("shared"), max_examples=25,
                          derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "shared"))


def skip_or_fail(reason: str) -> NoReturn:
    """Skip when something a test needs is missing here; under CI=true fail instead, so that a
    missing PostgreSQL, browser or package never passes as a skipped test in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
    pytest.skip(reason)


def pg_reachable() -> str | None:
    try:
        eng = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {str(exc).splitlines()[0]}"


class PgDatabases:
    """Creates throwaway databases on the local server and drops them at the end."""

    def __init__(self) -> None:
        self.admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self) -> str:
        name = f"cx_test_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        """Eight at a time: each DROP DATABASE waits for a checkpoint, and drops running together
        share one (measured: 12 databases in 5.5 s instead of 25.5 s one after another)."""
        from concurrent.futures import ThreadPoolExecutor

        def drop(name: str) -> None:
            with self.admin.connect() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(drop, self.names))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases]:
    reason = pg_reachable()
    if reason:
        skip_or_fail(reason)
    dbs = PgDatabases()
    yield dbs
    dbs.drop_all()


def spark_unavailable() -> str | None:
    """Why the Spark tests cannot run here (no Java, no pyspark/PyHive, no server), or None."""
    import importlib.util
    import shutil

    from queries.sql import dialect

    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (apt-get install openjdk-17-jre-headless)"
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    missing = dialect.spark_missing_reason()
    if missing:
        return missing
    # CI starts the server beside the first tests: wait for it up to $CX_TEST_SPARK_WAIT seconds
    deadline = time.monotonic() + float(os.environ.get("CX_TEST_SPARK_WAIT") or 0)
    while True:
        try:
            eng = make_engine(SPARK_URL)
            with eng.connect() as c:
                c.execute(sa.text("SELECT 1")).all()
            eng.dispose()
            return None
        except Exception as exc:  # noqa: BLE001
            if time.monotonic() < deadline:
                time.sleep(2)
                continue
            first = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
            return (f"no Spark Thrift server at {SPARK_URL} (start one: scripts/spark-cluster "
                    f"start-local): {first}")


class SparkDatabases:
    """Throwaway databases on the Spark cluster, dropped (with their parquet files) at the end."""

    def __init__(self) -> None:
        self.admin = make_engine(SPARK_URL, read_only=False)
        self.names: list[str] = []

    def create(self, rows: dict[str, list[tuple]] | None = None) -> str:
        """A new database holding `rows` (default: the fixture warehouse); returns its URL."""
        import pandas as pd

        from queries.sql.schema import META
        from sample_data.load import write_spark_tables

        name = f"cx_test_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE {name}")
        self.names.append(name)
        url = SPARK_URL.rsplit("/", 1)[0] + "/" + name
        rows = fixture_warehouse.ROWS if rows is None else rows

        def frames(write) -> None:
            for table, data in rows.items():
                cols = [c.name for c in META.tables[table].columns]
                width = len(data[0]) if data else len(cols)  # optional trailing columns
                write(table, pd.DataFrame(data, columns=cols[:width]).reindex(columns=cols))

        write_spark_tables(url, frames)
        return url

    def drop_all(self) -> None:
        import shutil

        from sample_data.load import spark_data_dir

        with self.admin.connect() as c:
            for name in self.names:
                folder = spark_data_dir(c, name)
                c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} CASCADE")
                shutil.rmtree(folder, ignore_errors=True)
        self.admin.dispose()


@pytest.fixture(scope="session")
def spark_databases() -> Iterator[SparkDatabases]:
    reason = spark_unavailable()
    if reason:
        skip_or_fail(reason)
    dbs = SparkDatabases()
    yield dbs
    dbs.drop_all()


@pytest.fixture
def write_toml(tmp_path: Path) -> Callable[..., Path]:
    """Writes TOML text (an access policy, targets) to a file in the test's folder; returns its
    path. The same name again overwrites it, as a user editing the file would."""

    def write(text: str, name: str = "policy.toml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return write


@pytest.fixture
def page_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A page run with nothing left from another test: no access policy, no demo file, its own
    actions database, and Streamlit's caches empty before and after. Yields the monkeypatch,
    for the warehouse URL and whatever else the test sets."""
    import streamlit as st

    monkeypatch.setenv("CX_DEMO_PATH", str(tmp_path / "no-demo.duckdb"))
    monkeypatch.setenv("CX_ACTIONS_URL", f"sqlite:///{tmp_path / 'actions.sqlite'}")
    monkeypatch.delenv("CX_ACCESS_POLICY", raising=False)
    from dashboard import caches

    st.cache_data.clear()
    st.cache_resource.clear()
    caches.clear()
    yield monkeypatch
    st.cache_data.clear()
    st.cache_resource.clear()
    caches.clear()


WarehouseFactory = Callable[..., sa.Engine]


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture
def make_warehouse(backend, request, tmp_path) -> Iterator[WarehouseFactory]:
    """Build a warehouse from rows on the current backend; returns a read-only engine."""
    engines: list[sa.Engine] = []

    def factory(rows: dict[str, list[tuple]] | None = None, loader=fixture_warehouse.load,
                name: str = "wh") -> sa.Engine:
        if backend == "duckdb":
            url = f"duckdb:///{tmp_path / (name + '.duckdb')}"
        else:
            url = request.getfixturevalue("pg_databases").create()
        writer = sa.create_engine(url)
        loader(writer, rows)
        writer.dispose()
        eng = make_engine(url)
        engines.append(eng)
        return eng

    yield factory
    for e in engines:
        e.dispose()


@pytest.fixture
def new_url(backend, request, tmp_path):
    """A fresh, empty warehouse URL on the current backend (a file not yet created, or a DB)."""
    def make(name: str = "wh") -> str:
        if backend == "duckdb":
            return f"duckdb:///{tmp_path / (name + '.duckdb')}"
        return request.getfixturevalue("pg_databases").create()
    return make


@pytest.fixture(scope="session")
def _shared_fixture_urls(tmp_path_factory) -> dict[str, str]:
    return {}


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("spark", marks=[pytest.mark.spark,
                                                     pytest.mark.spark_cluster])])
def warehouse_backend(request) -> str:
    """Every engine. The shared tests' Spark runs (a few minutes of Spark jobs) belong to the
    long `spark_cluster` run; per commit, tests/test_spark.py proves Spark's SQL parity."""
    return request.param


@pytest.fixture
def warehouse(warehouse_backend, request, tmp_path_factory,
              _shared_fixture_urls) -> Iterator[sa.Engine]:
    """The tiny hand-built fixture warehouse on each engine (read-only engine).

    Built once per engine per session: it is read-only, so tests cannot change it. On Spark it
    is written as parquet tables, as `cx-scorecard build-demo` writes the demo there.
    """
    backend = warehouse_backend
    url = _shared_fixture_urls.get(backend)
    if url is None:
        if backend == "duckdb":
            url = f"duckdb:///{tmp_path_factory.mktemp('fixture') / 'fixture.duckdb'}"
        elif backend == "spark":
            url = request.getfixturevalue("spark_databases").create()
        else:
            url = request.getfixturevalue("pg_databases").create()
        if backend != "spark":
            writer = sa.create_engine(url)
            fixture_warehouse.load(writer)
            writer.dispose()
        _shared_fixture_urls[backend] = url
    eng = make_engine(url)
    yield eng
    eng.dispose()


_SPARK_SECONDS: list[float] = []


def pytest_runtest_logreport(report) -> None:
    """Time spent in `spark` tests (set-up included: building the Spark fixture database)."""
    if "spark" in report.keywords:
        _SPARK_SECONDS.append(report.duration)


def pytest_terminal_summary(terminalreporter) -> None:
    if _SPARK_SECONDS:
        terminalreporter.write_line(
            f"spark-marked tests: {sum(_SPARK_SECONDS):.0f} s in all (set-up included)")


# The longest files first (seconds of one CI run, docs/testing.md), so that with -n 2 the two
# processes end together: xdist hands out whole files in collection order (--dist loadfile
# --no-loadscope-reorder), and a long file taken last left one process alone for its length.
# Spark's third: its server starts beside the first tests. The rest keep their order.
LONGEST_FIRST = ("test_browser.py", "test_faults_data.py", "test_spark.py",
                 "test_pack_printed.py", "test_journeys.py", "test_browser_layout.py",
                 "test_digest_log.py", "test_app.py", "test_check_faults.py",
                 "test_pack_rights.py", "test_cloud_sql.py", "test_browser_hostile.py",
                 "test_metrics.py", "test_value.py", "test_hostile_strings.py", "test_digest.py")


def pytest_collection_modifyitems(config, items) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: order kept
