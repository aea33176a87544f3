"""Engines: asyncpg for PostgreSQL, aiosqlite (WAL, busy timeout, BEGIN IMMEDIATE) for SQLite."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from orderflow.config import Settings

MIN_SQLITE = (3, 35, 0)  # RETURNING, UPDATE ... FROM, json_each
SQLITE_BEGIN_OPTION = "orderflow_sqlite_begin"


def create_engine(settings: Settings) -> AsyncEngine:
    """The engine for `settings.database_url`, tuned for its database."""
    if settings.is_sqlite:
        return _sqlite_engine(settings)
    server_settings = {"timezone": "UTC", "application_name": "orderflow"}
    connect_args: dict[str, Any] = {
        "timeout": settings.db_connect_timeout_s,
        # A statement with no answer for this long is given up (asyncpg cancels it, or drops
        # the connection when the cancel gets no answer either): a silent database is a 503.
        "command_timeout": settings.db_command_timeout_s,
        "server_settings": server_settings,
    }
    url = make_url(settings.async_database_url)
    if settings.db_pgbouncer:
        # In transaction mode each transaction may run on another server connection: a
        # statement prepared in one is unknown in the next. Nothing is cached across them, and
        # each statement gets a name of its own. PgBouncer refuses startup parameters it does
        # not know, such as lock_timeout.
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unique_statement_name
        url = url.update_query_dict({"prepared_statement_cache_size": "0"})
    else:
        # A live server ends a lock wait first, with an error the service retries.
        server_settings["lock_timeout"] = f"{int(settings.db_lock_timeout_s * 1000)}ms"
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout_s,
        hide_parameters=True,  # bound values (customer phone, email) never reach logs or errors
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "checkout", _replace_closed_connection)
    return engine


def _unique_statement_name() -> str:
    return f"__orderflow_{uuid.uuid4().hex}__"


def _replace_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # Instead of pool_pre_ping, which costs three round trips per checkout on asyncpg (BEGIN,
    # ";", ROLLBACK): a connection the server closed (restart, terminated backend) is already
    # known closed here, and raising makes the pool replace it. One that dies unnoticed fails
    # its first statement, which answers 503 and drops it, as any lost connection does.
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("connection closed by the server")


def _sqlite_engine(settings: Settings) -> AsyncEngine:
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise RuntimeError(
            f"SQLite {sqlite3.sqlite_version} is too old; orderflow needs "
            f"{'.'.join(map(str, MIN_SQLITE))} or newer"
        )
    engine = create_async_engine(
        settings.async_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout_s,
        hide_parameters=True,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        # A pool of connections, as on PostgreSQL (SQLAlchemy before 2.0.38 defaults a file
        # database on aiosqlite to no pool at all, and refuses the pool settings).
        poolclass=AsyncAdaptedQueuePool,
        # No ROLLBACK on every return to the pool (a trip to the connection's thread each):
        # a unit of work ends its transaction itself, and SQLAlchemy rolls back its own on close.
        pool_reset_on_return=None,
    )
    busy_timeout = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write takes the lock up front (IMMEDIATE) so it never fails to upgrade a read lock
        # half-way through; a reader's unit of work says DEFERRED (sql_unit_of_work.py).
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextlib.asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads only: on SQLite its transactions begin DEFERRED, so a read never
    takes (or waits for) the write lock; a batch that holds it does not hold up /readyz."""
    async with engine.connect() as conn:
        await conn.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
        yield conn
