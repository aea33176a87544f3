"""Statements compiled once per database, bound and converted as SQLAlchemy binds and converts
them; and how the database's errors read as the ports' errors."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest
from sqlalchemy import bindparam, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

from orderflow.adapters.db_errors import storage_error
from orderflow.adapters.driver_statements import compile_statement
from orderflow.adapters.tables import orders
from orderflow.adapters.types import UTCDateTime
from orderflow.domain.errors import InvalidInput
from orderflow.services.storage_errors import StorageConflict, StorageUnavailable

WIB = timezone(timedelta(hours=7))
STATEMENT = text("UPDATE t SET a = :now, b = :now, c = :name WHERE d = :now").bindparams(
    bindparam("now", type_=UTCDateTime())
)


def test_sqlite_repeats_a_parameter_per_position_and_converts_it_once() -> None:
    stmt = compile_statement(STATEMENT, sqlite.dialect())
    now = datetime(2026, 11, 27, 12, 0, tzinfo=WIB)

    args = stmt.args({"now": now, "name": "Siti"})

    stored = "2026-11-27 05:00:00.000000"  # UTC text, as UTCDateTime stores it on SQLite
    assert stmt.sql.count("?") == 4
    assert args == [stored, stored, "Siti", stored]


def test_postgresql_numbers_each_parameter_once() -> None:
    stmt = compile_statement(STATEMENT, postgresql.asyncpg.dialect())
    now = datetime(2026, 11, 27, 12, 0, tzinfo=WIB)

    args = stmt.args({"now": now, "name": None})

    assert "$1" in stmt.sql and "$2" in stmt.sql and "$3" not in stmt.sql
    assert args == [now, None]


def test_naive_times_are_refused_as_sqlalchemy_refuses_them() -> None:
    stmt = compile_statement(STATEMENT, sqlite.dialect())
    with pytest.raises(ValueError, match="naive datetime"):
        stmt.args({"now": datetime(2026, 11, 27, 12, 0), "name": "Siti"})


def test_result_columns_are_converted_as_sqlalchemy_converts_them() -> None:
    columns = (orders.c.id, orders.c.pending_time, orders.c.paid_time)
    stmt = compile_statement(
        text("SELECT id, pending_time, paid_time FROM orders"), sqlite.dialect(), columns
    )

    rows = stmt.rows([(7, "2026-11-20 03:00:00.000000", None)])

    assert rows == [(7, datetime(2026, 11, 20, 3, 0, tzinfo=UTC), None)]


def _through_sqlalchemy(error: Exception) -> sa_exc.DBAPIError:
    """`error` as SQLAlchemy raises it: wrapped, the driver's own error as `orig`."""
    wrapped = sa_exc.DBAPIError.instance("UPDATE orders ...", None, error, type(error))
    assert isinstance(wrapped, sa_exc.DBAPIError)
    return wrapped


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (sqlite3.OperationalError("database is locked"), StorageConflict),
        (sqlite3.OperationalError("disk I/O error"), StorageUnavailable),
        (asyncpg.DeadlockDetectedError("deadlock detected"), StorageConflict),
        (asyncpg.SerializationError("could not serialize access"), StorageConflict),
        (asyncpg.AdminShutdownError("terminating connection"), StorageUnavailable),
        (asyncpg.CharacterNotInRepertoireError("invalid byte sequence"), InvalidInput),
    ],
)
def test_database_errors_read_as_the_ports_errors(
    error: Exception, expected: type[Exception]
) -> None:
    assert isinstance(storage_error(_through_sqlalchemy(error)), expected)


def test_a_lost_connection_is_unavailable() -> None:
    lost = _through_sqlalchemy(asyncpg.ConnectionDoesNotExistError("connection was closed"))
    lost.connection_invalidated = True
    assert isinstance(storage_error(lost), StorageUnavailable)


def test_other_database_errors_stay_bugs() -> None:
    assert storage_error(_through_sqlalchemy(sqlite3.IntegrityError("UNIQUE failed"))) is None
    assert storage_error(_through_sqlalchemy(asyncpg.UniqueViolationError("duplicate"))) is None
