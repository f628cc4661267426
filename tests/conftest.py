"""One test suite, every engine: the `warehouse` fixture runs each test on DuckDB and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from queries.engine import make_engine
from tests import fixture_warehouse

PG_ADMIN_URL = os.environ.get("CX_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"

# Hypothesis on a shared 2-core machine: a property that takes 300 ms because a neighbour is busy is
# not a failure. No per-example deadline; the example counts stay as each test sets them.
settings.register_profile("shared", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Mutation testing (docs/testing.md) runs the properties once per mutant: fewer, fixed examples.
settings.register_profile("mutation", parent=settings.get_profile("shared"), max_examples=25,
                          derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "shared"))


def _skip_or_fail(reason: str) -> None:
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
        with self.admin.connect() as c:
            for name in self.names:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases]:
    reason = pg_reachable()
    if reason:
        _skip_or_fail(reason)
    dbs = PgDatabases()
    yield dbs
    dbs.drop_all()


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


@pytest.fixture(scope="session")
def _shared_fixture_urls(tmp_path_factory) -> dict[str, str]:
    return {}


@pytest.fixture
def warehouse(backend, request, tmp_path_factory, _shared_fixture_urls) -> Iterator[sa.Engine]:
    """The tiny hand-built fixture warehouse on the current backend (read-only engine).

    Built once per backend per session: it is read-only, so tests cannot change it.
    """
    url = _shared_fixture_urls.get(backend)
    if url is None:
        if backend == "duckdb":
            url = f"duckdb:///{tmp_path_factory.mktemp('fixture') / 'fixture.duckdb'}"
        else:
            url = request.getfixturevalue("pg_databases").create()
        writer = sa.create_engine(url)
        fixture_warehouse.load(writer)
        writer.dispose()
        _shared_fixture_urls[backend] = url
    eng = make_engine(url)
    yield eng
    eng.dispose()
