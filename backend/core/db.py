"""Database engine and sessions for both backends: SpatiaLite (embedded default) and PostGIS.

SQLite allows one writer at a time. Write transactions start with `BEGIN IMMEDIATE`, so a
transaction that reads and then writes waits for the lock up front (busy timeout) instead of
failing half-way with SQLITE_BUSY; read-only sessions use a plain deferred `BEGIN` and, in WAL
mode, never block writers.
"""

from __future__ import annotations

import logging
import os
import select
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    TextClause,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.types import TypeDecorator

from backend.core.settings import get_settings

READ_ONLY = "firegrid_read_only"
log = logging.getLogger("firegrid.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ChangeStamped:
    """A row that phones pull through offline sync.

    `change_seq` is the change clock's number at the row's last write, set by a trigger
    (backend.core.dialect.change_stamp_triggers), never by Python; a pull asks for the rows
    whose number is above the device's cursor, so the column is indexed. A table that is read
    per user (the releases of tasks or complaints) sets `change_seq_indexed = False` and indexes
    (user_id, change_seq) itself.
    """

    change_seq_indexed: ClassVar[bool] = True

    @declared_attr
    def change_seq(cls) -> Mapped[int]:
        return mapped_column(
            BigInteger().with_variant(Integer, "sqlite"), default=0, index=cls.change_seq_indexed
        )


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned time-zone aware.

    SQLite keeps no zone, so naive values read back are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; firegrid stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def one_at_a_time(session: Session, key: uuid.UUID) -> None:
    """Until this transaction ends, another that asks for the same key waits. For two writes
    that each complete a thing only when they see the other (a photo's record and its bytes):
    under READ COMMITTED both could commit blind to each other and the thing never complete;
    one at a time, the second sees the first. PostgreSQL: an advisory lock held to the end of
    the transaction. SQLite: nothing to do, its write transactions already run one at a time
    (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": int.from_bytes(key.bytes[:8], "big", signed=True)},
        )


def first_at_it(session: Session, key: uuid.UUID) -> bool:
    """`one_at_a_time` without the wait: whether this transaction now holds the key (until it
    ends), False at once if another holds it. For a worker job that another worker may be
    running: the second passes by instead of waiting to do the work again. PostgreSQL: a
    transaction advisory lock tried; SQLite: always True (one writer at a time already)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"),
            {"key": int.from_bytes(key.bytes[:8], "big", signed=True)},
        )
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def normalise_url(url: str) -> str:
    """Accept the common spellings of a PostgreSQL URL and use psycopg 3 for all of them."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres", "postgresql+psycopg2"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sqlite_module() -> Any:
    """The sqlite3 DB-API module to use: the standard one when it can load extensions, else
    pysqlite3 (pyenv's and macOS's Pythons are often built without extension loading)."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    try:
        from pysqlite3 import dbapi2  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "This Python's sqlite3 cannot load extensions, so SpatiaLite cannot be used. "
            "Install pysqlite3-binary (Linux x86_64) or use a Python built with "
            "--enable-loadable-sqlite-extensions; see README.md."
        ) from exc
    return dbapi2


def build_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    # LIFO: the most recently used connection serves the next unit of work, so a busy process
    # keeps a few warm server backends (their prepared statements and caches) and the rest
    # of the pool idles, rather than every connection taking turns. The pool holds as many
    # connections as a busy process uses at once (phones pushing together after a shift):
    # beyond it, each unit of work would open and close a connection, a server process each.
    size = get_settings().db_pool_size
    kwargs = {"pool_size": size, "max_overflow": size} | kwargs
    engine = create_engine(url, pool_use_lifo=True, **kwargs)
    _check_at_checkout(engine)
    return engine


# A pooled connection idle longer than this is pinged before use, whatever its socket says
# (PgBouncer's `server_check_delay` has the same default).
_PING_AFTER_IDLE_SECONDS = 30.0
_CHECKED_IN_AT = "firegrid_checked_in_at"


def _check_at_checkout(engine: Engine) -> None:
    """Hand out no dead connection, without a round trip for a live one (decision 0046).

    A server that ends a session (restart, `pg_terminate_backend`, idle timeouts) says so on
    the socket and closes it: the idle connection's socket turns readable. Only such a
    connection, or one idle past `_PING_AFTER_IDLE_SECONDS`, is pinged; a failed ping makes the
    pool discard it and check out another. SQLAlchemy's `pool_pre_ping` would ping every
    checkout: one more round trip for every request."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_CHECKED_IN_AT)
        if idle_since is None:  # just opened
            return
        if time.monotonic() - idle_since < _PING_AFTER_IDLE_SECONDS and not _server_spoke(
            dbapi_connection
        ):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("the pooled connection is gone") from exc


def _server_spoke(dbapi_connection: Any) -> bool:
    """Whether an idle psycopg connection has anything to read: the server's farewell (an
    error, then the end of the stream), or a connection already known broken."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    from geoalchemy2.admin.dialects.sqlite import init_spatialite, load_spatialite_driver

    os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
    database = make_url(url).database
    if database and database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
    busy_ms = get_settings().sqlite_busy_timeout_ms
    engine = create_engine(
        url,
        module=sqlite_module(),
        connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to the "begin" listener below.
        dbapi_conn.isolation_level = None
        load_spatialite_driver(dbapi_conn)
        dbapi_conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
        if dbapi_conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            dbapi_conn.execute("PRAGMA journal_mode = WAL")
        dbapi_conn.execute("PRAGMA synchronous = NORMAL")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        init_spatialite(dbapi_conn, transaction=True, init_mode="WGS84")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return build_engine(url)


def get_engine() -> Engine:
    return engine_for(get_settings().resolved_database_url)


def session_factory(engine: Engine | None = None, *, read_only: bool = False) -> sessionmaker:
    return _session_factory(engine or get_engine(), read_only)


@lru_cache(maxsize=16)
def _session_factory(engine: Engine, read_only: bool) -> sessionmaker:
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)


def core_reads(session: Session) -> Connection:
    """The session's connection, for the Core reads of the busiest paths (the caller's scope,
    who handles a grid, the areas' revision): the ORM's layer over a statement of a few
    columns costs about a quarter of its time there. The session's pending changes are
    flushed first, as its own queries would (autoflush)."""
    if session.autoflush:
        session.flush()  # a clean session returns at once
    return session.connection()


class WriteInReadSession(RuntimeError):
    """A session for reads only was asked to write: a bug in the route that took it."""


@lru_cache(maxsize=8)
def read_sessions(engine: Engine, *, refuse_writes: bool = True) -> sessionmaker:
    """Sessions that only read (decision 0046): the replica-safe reads' (maps, lists, exports,
    bulletins). With `refuse_writes` a write is refused before it reaches the database (the
    primary would take it; a standby refuses writes by itself)."""
    return _reads(engine, refuse_writes, short=False)


@lru_cache(maxsize=8)
def short_reads(engine: Engine) -> sessionmaker:
    """Sessions for a few short statements that must see the latest writes (who am I, where is
    this point, who calls): nothing streamed, nothing written (decision 0046).

    On PostgreSQL each statement runs in a transaction of its own (autocommit): under READ
    COMMITTED each statement of a transaction takes its own snapshot anyway, so a transaction
    of reads would see nothing more consistent, and its BEGIN and COMMIT are two round trips
    for nothing. The connections stay in autocommit, in a small pool of their own
    (`short_reads_engine`), rather than switch mode at each checkout. (A streamed result
    needs a transaction for its server-side cursor: take `read_sessions`.) On SQLite a
    deferred BEGIN keeps one WAL snapshot, whose end only lets the snapshot go. Ending such a
    session waits on nothing either way (`ENDS_AT_ONCE`), so a request ends it on the event
    loop."""
    return _reads(short_reads_engine(engine) or engine, True, short=True)


@lru_cache(maxsize=8)
def short_reads_engine(engine: Engine) -> Engine | None:
    """PostgreSQL's connections for short reads, in autocommit: a quarter of the pool's size,
    as many again at the busiest (a short read holds its connection for a millisecond or
    two). None on SQLite, whose reads share the file's one pool."""
    if engine.dialect.name != "postgresql":
        return None
    size = max(2, get_settings().db_pool_size // 4)
    return build_engine(
        engine.url.render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,  # never in a transaction to roll back
        pool_size=size,
        max_overflow=size,
    )


def _reads(engine: Engine, refuse_writes: bool, *, short: bool) -> sessionmaker:
    bind = engine.execution_options(**{READ_ONLY: True})
    if refuse_writes:
        event.listen(bind, "before_execute", _refuse_writes)  # this bind's connections only
    if refuse_writes and not short and engine.dialect.name == "postgresql":
        # BEGIN READ ONLY as well: what a standby would refuse that the guard above cannot
        # see (SELECT … FOR UPDATE) the primary refuses too, in the tests and not in production.
        event.listen(bind, "engine_connect", _begin_read_only)  # this bind's connections only
        if not event.contains(engine.pool, "checkin", _begin_as_configured):
            event.listen(engine.pool, "checkin", _begin_as_configured)
    info = {ENDS_AT_ONCE: True} if short else {}
    return sessionmaker(bind=bind, expire_on_commit=False, info=info)


def _begin_read_only(connection: Connection) -> None:
    connection.connection.dbapi_connection.read_only = True  # type: ignore[union-attr]


def _begin_as_configured(dbapi_connection: Any, _record: Any) -> None:
    """Back in the pool, a connection begins as the server says again (read-write, or
    read-only where `default_transaction_read_only` is on), not forced either way (which
    SQLAlchemy's `postgresql_readonly` would do: READ WRITE, refused by a standby, and
    overriding an operator's read-only database)."""
    if dbapi_connection is not None and getattr(dbapi_connection, "read_only", None):
        try:
            dbapi_connection.read_only = None
        except Exception:  # noqa: BLE001 - a broken connection: the pool discards it anyway
            log.debug("could not reset a connection's read_only", exc_info=True)


ENDS_AT_ONCE = "firegrid_ends_at_once"
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE")


def _refuse_writes(_conn: Any, statement: Any, *_args: Any) -> None:
    if isinstance(statement, UpdateBase) or (
        isinstance(statement, TextClause) and statement.text.lstrip().upper().startswith(_WRITES)
    ):
        raise WriteInReadSession(
            "a session for reads only was asked to write; take SessionDep for a route that writes"
        )


@contextmanager
def session_scope(*, read_only: bool = False) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back everything on any error."""
    session = session_factory(read_only=read_only)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# --- When the database, not the request, is at fault --------------------------------------------


class DatabaseTrouble(StrEnum):
    """Why a statement failed through no fault of the request: the client should come back
    later, and nothing it sent was stored (the transaction is gone with its connection, or
    was refused before it wrote)."""

    BUSY = "busy"  # SQLite's write lock held past the busy timeout
    UNAVAILABLE = "unavailable"  # unreachable, restarting, shutting down, read-only, full


# PostgreSQL SQLSTATEs meaning "the server cannot take this now", whatever the statement:
# connection exceptions (class 08), operator intervention (57P01 admin shutdown, 57P02 crash
# shutdown, 57P03 cannot connect now: starting up or shutting down), insufficient resources
# (class 53: too many connections, disk full) and a read-only transaction (25006: a standby,
# or `default_transaction_read_only` during a failover).
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "25006"}
_UNAVAILABLE_SQLSTATE_CLASSES = {"08", "53"}
# SQLite's primary result codes (sqlite3 errors carry `sqlite_errorname` since Python 3.11).
_SQLITE_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_SQLITE_UNAVAILABLE = {"SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL"}


def database_trouble(exc: BaseException) -> DatabaseTrouble | None:
    """Classify a database error by what the driver says (SQLSTATE, SQLite's result code, the
    exception class) rather than by its message; None for an error the request caused or a
    bug, which stays a 500."""
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:  # SQLAlchemy saw the connection die under the statement
        return DatabaseTrouble.UNAVAILABLE
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        if sqlstate in _UNAVAILABLE_SQLSTATES or sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES:
            return DatabaseTrouble.UNAVAILABLE
        return None
    if _is_psycopg_error(orig) and type(orig).__name__ in {"OperationalError", "InterfaceError"}:
        # No SQLSTATE: the client library itself failed to reach or keep the server (refused,
        # reset, closed); a server-reported error always carries one.
        return DatabaseTrouble.UNAVAILABLE
    name = getattr(orig, "sqlite_errorname", None)
    if name:
        primary = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
        if primary in _SQLITE_BUSY:
            return DatabaseTrouble.BUSY
        if primary in _SQLITE_UNAVAILABLE:
            return DatabaseTrouble.UNAVAILABLE
        return None
    # A sqlite3 error built without a result code (older drivers): its fixed message.
    if isinstance(orig, Exception) and str(orig) in {"database is locked", "database is busy"}:
        return DatabaseTrouble.BUSY
    return None


def _is_psycopg_error(error: object) -> bool:
    return type(error).__module__.split(".")[0] == "psycopg"
