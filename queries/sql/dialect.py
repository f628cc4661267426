"""Every difference between warehouse engines, in one place.

The SQL the app sends is portable SQLAlchemy Core; what differs between engines is how a
connection is opened (read-only, time limit), how a running query is cancelled, how a timeout
reads, and, for Spark, how the driver discovers tables and returns types. `Engine` holds the
portable behaviour and each engine's class below overrides only what differs (in the spirit of
metricflow's per-engine renderers), so adding an engine means adding one short class here.

Spark is reached through its Thrift (HiveServer2) server with PyHive (`hive://host:port/db`).
PyHive's own SQLAlchemy dialect was written for Hive: it reads the namespace column of Spark's
`SHOW TABLES`, cannot tell a missing table from an error, compiles DATE as TIMESTAMP and FLOAT as
single precision, returns DATE values as strings and reflects types as classes. `SparkDialect`
fixes those and is registered for `hive://` when this module is imported (queries.sql.engine does).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import NullPool

from queries.sql.errors import WarehouseError

if TYPE_CHECKING:
    import pandas as pd

# --- the portable behaviour -----------------------------------------------------------------


class Engine:
    """What every engine does unless its class says otherwise."""

    name = "generic"
    label = "the warehouse"
    timeout_markers: tuple[str, ...] = ()

    def engine_kwargs(self, url: URL, read_only: bool, timeout_s: float) -> dict[str, Any]:
        """Keyword arguments for `sa.create_engine` (read-only mode and server-side limits)."""
        return {"pool_pre_ping": True}

    def check_url(self, url: URL) -> None:
        """Raise ValueError with a clear message for a URL that cannot work (before connecting)."""

    def interrupter(self, conn: sa.Connection) -> Callable[[], None] | None:
        """A function that cancels the connection's running query from another thread, or None
        when the server enforces the time limit itself."""
        return None

    def is_timeout(self, message: str) -> bool:
        return any(m in message for m in self.timeout_markers)

    def after_create(self, engine: sa.Engine, read_only: bool, timeout_s: float) -> None:
        """Hooks on the new engine (session settings, a read-only guard)."""

    def change_token(self, engine: sa.Engine, conn: sa.Connection) -> object:
        """Something cheap that changes whenever the survey table may have changed, so the
        rollup's freshness check notices a change at once; None: only its TTL applies."""
        return None

    def native_frame(self, result: sa.CursorResult) -> pd.DataFrame | None:
        """The result as a DataFrame straight from the driver's columnar fetch, or None: then the
        rows are read one by one (the portable path)."""
        return None


class DuckDB(Engine):
    """Embedded: no server-side time limit, so a timer interrupts the query."""

    name = "duckdb"
    label = "DuckDB"
    timeout_markers = ("Interrupted",)

    def engine_kwargs(self, url: URL, read_only: bool, timeout_s: float) -> dict[str, Any]:
        db = url.database or ""
        if not db or db == ":memory:":
            return {"connect_args": {}}
        # A file is opened per use (no pool): between queries the page holds no lock on it, so
        # `cx-scorecard rollup` or a nightly load can write, and a file replaced under a running
        # page is read afresh on the next query.
        return {"connect_args": {"read_only": read_only}, "poolclass": NullPool}

    def after_create(self, engine: sa.Engine, read_only: bool, timeout_s: float) -> None:
        db = engine.url.database or ""
        if db and db != ":memory:":
            sa.event.listen(engine, "do_connect", partial(_duckdb_file_still_there, db))

    def interrupter(self, conn: sa.Connection) -> Callable[[], None] | None:
        # duckdb-sqlalchemy's wrapper hands attributes it does not define (interrupt among them)
        # to the DuckDB connection it wraps.
        return conn.connection.dbapi_connection.interrupt

    def change_token(self, engine: sa.Engine, conn: sa.Connection) -> object:
        return file_identity(engine.url.database or "")

    def native_frame(self, result: sa.CursorResult) -> pd.DataFrame | None:
        # DuckDB hands its columns to pandas as arrays: a company history (5 x 17,760 rows) takes
        # 0.2 s instead of 2.1 s through Python tuples. The wrapper refuses (NotImplementedError)
        # once it has buffered the rows; then the portable path reads them.
        try:
            return result.cursor.fetch_df()
        except (NotImplementedError, AttributeError):
            return None


class PostgreSQL(Engine):
    """The server enforces statement_timeout and read-only transactions for the session."""

    name = "postgresql"
    label = "PostgreSQL"
    timeout_markers = ("statement timeout",)

    def engine_kwargs(self, url: URL, read_only: bool, timeout_s: float) -> dict[str, Any]:
        # statement_timeout is whole milliseconds, and 0 would switch the limit off: 0.5 s is
        # 500 ms, and anything positive is at least 1 ms.
        # The pre-ping stays here: PostgreSQL servers, poolers and firewalls drop idle
        # connections (idle_session_timeout), and a ping is cheap on a server.
        options = f"-c statement_timeout={max(1, round(timeout_s * 1000))}"
        if read_only:
            options += " -c default_transaction_read_only=on"
        return {"pool_pre_ping": True,
                "connect_args": {"options": options, "connect_timeout": 5}}

    def change_token(self, engine: sa.Engine, conn: sa.Connection) -> object:
        """The server's counters of inserted/updated/deleted rows (reported within about a
        second of a commit, up to ~10 s for a session that stays busy)."""
        try:
            return conn.execute(sa.text(
                "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
                "WHERE relname = 'survey_responses'")).first()
        except sa.exc.DBAPIError:
            conn.rollback()
            return None


class Spark(Engine):
    """Spark SQL through its Thrift server: the server cancels a query past
    `spark.sql.thriftServer.queryTimeout` (set per session), and since HiveServer2 has no
    read-only session, a read-only engine refuses anything but reads before it leaves the app."""

    name = "hive"
    label = "Spark"
    timeout_markers = ("timed out", "TIMEDOUT", "Query timed out")
    READS = re.compile(r"^\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|USE|SET)\b", re.IGNORECASE)

    # How long a pooled Thrift session is reused before it is reopened (USE and SET again).
    RECYCLE_S = 600

    def engine_kwargs(self, url: URL, read_only: bool, timeout_s: float) -> dict[str, Any]:
        # No liveness ping before every checkout: on Spark a ping is one more statement through
        # the Thrift server (issue 31: two of a cold view's fifteen). The server keeps an idle
        # session for hours (hive.server2.idle.session.timeout, 7 days by default), so a session
        # is simply reopened after RECYCLE_S instead of being asked "alive?" on every use.
        return {"pool_pre_ping": False, "pool_recycle": self.RECYCLE_S}

    def check_url(self, url: URL) -> None:
        if not url.host:
            raise ValueError("A Spark URL names the Thrift server: hive://host:port/database")

    def after_create(self, engine: sa.Engine, read_only: bool, timeout_s: float) -> None:
        @sa.event.listens_for(engine, "connect")
        def _session(dbapi_conn, _record) -> None:  # one Thrift session per pooled connection
            cur = dbapi_conn.cursor()
            try:
                seconds = max(1, math.ceil(timeout_s))  # whole seconds; 0 would mean no limit
                cur.execute(f"SET spark.sql.thriftServer.queryTimeout={seconds}s")
            finally:
                cur.close()

        if read_only:
            @sa.event.listens_for(engine, "before_cursor_execute", retval=True)
            def _reads_only(conn, cursor, statement, params, context, executemany):
                if not self.READS.match(statement):  # raised as the driver's own error
                    raise conn.dialect.loaded_dbapi.NotSupportedError(
                        "This Spark connection is read-only: the app only reads the warehouse "
                        "(`cx-scorecard rollup` and `build-demo` open a writing connection)")
                return statement, params


def file_identity(db: str) -> tuple:
    """A DuckDB file's and its write-ahead log's (inode, size, mtime), None for a missing one:
    changes whenever the file is written, rebuilt, replaced or deleted."""
    out = []
    for path in (db, db + ".wal"):
        try:
            st = os.stat(path)
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


def _duckdb_file_still_there(db: str, _dialect, _conn_rec, _cargs, _cparams) -> None:
    """Before each open of a DuckDB file: a deleted file is named in words (DuckDB would
    silently create an empty one in write mode, or raise an IO error in read-only mode)."""
    if not Path(db).exists():
        raise WarehouseError(f"The DuckDB warehouse file {db} is gone (deleted or being "
                             "replaced). Rebuild or restore it; the page reads it again as soon "
                             "as it is back.")


ENGINES: dict[str, Engine] = {e.name: e for e in (DuckDB(), PostgreSQL(), Spark())}


def for_backend(name: str) -> Engine:
    """The engine class for a SQLAlchemy backend name ('duckdb', 'postgresql', 'hive', ...)."""
    return ENGINES.get(name, Engine())


def of(conn_or_engine: sa.Connection | sa.Engine) -> Engine:
    return for_backend(conn_or_engine.dialect.name)


# --- SQL spelled differently by some engines --------------------------------------------------


class MonthStart(sa.sql.functions.GenericFunction):
    """The first day of a date's month, as a DATE."""

    type = sa.Date()
    inherit_cache = True
    name = "month_start"


@compiles(MonthStart)
def _month_start(element, compiler, **kw):
    (arg,) = element.clauses
    return f"CAST(date_trunc('month', {compiler.process(arg, **kw)}) AS DATE)"


@compiles(MonthStart, "bigquery")
def _month_start_bigquery(element, compiler, **kw):  # BigQuery: DATE_TRUNC(date, MONTH)
    (arg,) = element.clauses
    return f"DATE_TRUNC({compiler.process(arg, **kw)}, MONTH)"


# --- Spark: the SQLAlchemy dialect for its Thrift server (hive://) ---------------------------


def _spark_dialect_class() -> type | None:
    try:
        from pyhive.sqlalchemy_hive import HiveDialect, HiveTypeCompiler
        from sqlalchemy.engine import reflection
    except ImportError:  # the optional extra `.[spark]` is not installed
        return None

    class SparkTypeCompiler(HiveTypeCompiler):
        """DATE stays DATE (PyHive writes TIMESTAMP) and floats are double precision: the
        rollup's sums of squares need more than 7 digits."""

        def visit_DATE(self, type_, **kw):
            return "DATE"

        def visit_FLOAT(self, type_, **kw):
            return "DOUBLE"

        def visit_REAL(self, type_, **kw):
            return "DOUBLE"

        def visit_DOUBLE(self, type_, **kw):
            return "DOUBLE"

    class SparkDate(sa.types.TypeDecorator):
        """Thrift sends DATE values as 'YYYY-MM-DD' text; the app wants `datetime.date`."""

        impl = sa.Date
        cache_ok = True

        def process_result_value(self, value, dialect):
            if value is None or isinstance(value, date) and not isinstance(value, datetime):
                return value
            if isinstance(value, datetime):
                return value.date()
            return date.fromisoformat(str(value)[:10])

        def process_bind_param(self, value, dialect):
            return value

        def bind_expression(self, bindvalue):
            # PyHive inlines parameters as quoted text; Spark will not store text in a DATE.
            return sa.func.to_date(bindvalue, type_=sa.types.NullType())

    @contextlib.contextmanager
    def _server_errors_in_words():
        """PyHive raises every server error as OperationalError holding the whole Thrift
        response (a Java stack trace): keep Spark's own message, and make an analysis error
        (unknown table or column, wrong type: SQLSTATE 42xxx) a ProgrammingError, so the app
        says "does not match the contract" instead of "unreachable"."""
        from pyhive import hive

        try:
            yield
        except hive.OperationalError as exc:
            status = getattr(exc.args[0] if exc.args else None, "status", None)
            text = getattr(status, "errorMessage", None)
            if not text:
                raise
            m = re.search(r"Exception: (?:\[[A-Z_.]+\] )?(.*)", text, re.S)
            text = (m.group(1) if m else text).strip().splitlines()[0]
            text = re.split(r" SQLSTATE:", text)[0].strip().rstrip(".")[:300]
            state = getattr(status, "sqlState", None) or ""
            kind = hive.ProgrammingError if state.startswith("42") else hive.DatabaseError
            raise kind(f"Spark: {text}") from exc

    def _raise_if_stopped(cursor) -> None:
        """Spark answers a statement it cancelled at its time limit as a success, and only the
        fetch fails ("found TIMEDOUT"): ask for the state, so the timeout surfaces at execute
        like on every other engine."""
        from pyhive import hive
        from TCLIService.ttypes import TOperationState

        if getattr(cursor, "_operationHandle", None) is None:
            return
        state = cursor.poll(get_progress_update=False).operationState
        if state in (TOperationState.TIMEDOUT_STATE, TOperationState.CANCELED_STATE):
            raise hive.OperationalError(
                f"Query timed out: Spark stopped it ({TOperationState._VALUES_TO_NAMES[state]})")

    reflected = {
        "boolean": sa.Boolean, "tinyint": sa.SmallInteger, "smallint": sa.SmallInteger,
        "int": sa.Integer, "integer": sa.Integer, "bigint": sa.BigInteger, "float": sa.Float,
        "double": sa.Double, "decimal": sa.Numeric, "string": sa.String, "varchar": sa.String,
        "char": sa.String, "date": sa.Date, "timestamp": sa.DateTime,
        "timestamp_ntz": sa.DateTime,
    }

    class SparkDialect(HiveDialect):
        """PyHive's Hive dialect, corrected for Spark's Thrift server."""

        name = "hive"
        type_compiler_cls = SparkTypeCompiler
        type_compiler = SparkTypeCompiler
        colspecs = {sa.Date: SparkDate}
        supports_statement_cache = False

        @classmethod
        def import_dbapi(cls):
            from pyhive import hive

            return hive

        def connect(self, *cargs, **cparams):
            # Thrift raises its own transport error for a refused connection; as the driver's
            # OperationalError it reads "unreachable" like on every other engine.
            from pyhive import hive
            from thrift.transport.TTransport import TTransportException

            try:
                return super().connect(*cargs, **cparams)
            except TTransportException as exc:
                raise hive.OperationalError(f"no Spark Thrift server answers: {exc}") from exc

        def do_execute(self, cursor, statement, parameters, context=None):
            with _server_errors_in_words():
                super().do_execute(cursor, statement, parameters, context)
            _raise_if_stopped(cursor)

        def do_execute_no_params(self, cursor, statement, context=None):
            with _server_errors_in_words():
                super().do_execute_no_params(cursor, statement, context)
            _raise_if_stopped(cursor)

        @reflection.cache  # one SHOW TABLES per Inspector (has_table and get_columns reuse it)
        def get_table_names(self, connection, schema=None, **kw):
            # Spark answers (namespace, tableName, isTemporary); PyHive reads column 0.
            query = "SHOW TABLES"
            if schema:
                query += " IN " + self.identifier_preparer.quote_identifier(schema)
            rows = connection.execute(sa.text(query)).mappings().all()
            return [r.get("tableName", r.get("tab_name")) for r in rows]

        def has_table(self, connection, table_name, schema=None, **kw):
            # DESCRIBE of a missing table is an error on Spark, not an empty answer.
            return table_name.lower() in {n.lower() for n in
                                          self.get_table_names(connection, schema, **kw)}

        def get_columns(self, connection, table_name, schema=None, **kw):
            if not self.has_table(connection, table_name, schema, **kw):
                raise sa.exc.NoSuchTableError(table_name)
            name = self.identifier_preparer.quote_identifier(table_name)
            if schema:
                name = self.identifier_preparer.quote_identifier(schema) + "." + name
            out = []
            for row in connection.execute(sa.text(f"DESCRIBE {name}")).fetchall():
                col, typ = (row[0] or "").strip(), (row[1] or "").strip().lower()
                if not col or col.startswith("#"):
                    if col.startswith("# Partition"):
                        break
                    continue
                base = re.match(r"^\w+", typ)
                kind = reflected.get(base.group(0) if base else "", sa.types.NullType)
                out.append({"name": col, "type": kind(), "nullable": True, "default": None})
            return out

    return SparkDialect


SparkDialect = _spark_dialect_class()


def register() -> None:
    """Make `hive://` URLs use SparkDialect (when PyHive is installed)."""
    if SparkDialect is not None:
        import logging

        from sqlalchemy.dialects import registry

        registry.register("hive", __name__, "SparkDialect")
        # Thrift logs a refused connection to stderr before raising; the raised error is
        # what the user sees (one line), so its log line would only be noise in front of it.
        logging.getLogger("thrift.transport.TSocket").setLevel(logging.CRITICAL)


def spark_missing_reason() -> str | None:
    """Why hive:// cannot be used here, in words, or None when it can."""
    if SparkDialect is None:
        return ("Spark needs the optional drivers: pip install -e '.[spark]' "
                "(PyHive, thrift, pure-sasl, thrift_sasl)")
    return None


def cancel_after(seconds: float, interrupt: Callable[[], None] | None) -> threading.Timer | None:
    """Start a daemon timer that interrupts the query after `seconds` (None: nothing to do)."""
    if interrupt is None:
        return None
    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    return timer


register()
