"""Statements run on the driver: compiled once per database, bound as SQLAlchemy would bind them,
and their errors read as the unit of work reads SQLAlchemy's."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite

from orderflow.adapters.db_errors import storage_error
from orderflow.adapters.driver import fused
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


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (sqlite3.OperationalError("database is locked"), StorageConflict),
        (sqlite3.OperationalError("disk I/O error"), StorageUnavailable),
        (asyncpg.DeadlockDetectedError("deadlock detected"), StorageConflict),
        (asyncpg.SerializationError("could not serialize access"), StorageConflict),
        (asyncpg.AdminShutdownError("terminating connection"), StorageUnavailable),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), StorageUnavailable),
        (asyncpg.CharacterNotInRepertoireError("invalid byte sequence"), InvalidInput),
    ],
)
def test_driver_errors_mean_what_the_same_errors_through_sqlalchemy_mean(
    error: Exception, expected: type[Exception]
) -> None:
    assert isinstance(storage_error(error), expected)


def test_other_driver_errors_stay_bugs() -> None:
    assert storage_error(sqlite3.IntegrityError("UNIQUE constraint failed")) is None
    assert storage_error(asyncpg.UniqueViolationError("duplicate key")) is None


def test_fused_statements_number_their_parameters_one_after_another() -> None:
    sql, args = fused(
        [
            ("UPDATE a SET x = $1 WHERE id = ANY($2::bigint[])", [1, [7, 8]]),
            ("INSERT INTO b SELECT $1, $2, $3", ["p", "q", "r"]),
            ("INSERT INTO c VALUES ($1, $10)", ["s", "t"]),
        ]
    )
    assert sql == (
        "WITH w0 AS (UPDATE a SET x = $1 WHERE id = ANY($2::bigint[])), "
        "w1 AS (INSERT INTO b SELECT $3, $4, $5) INSERT INTO c VALUES ($6, $15)"
    )
    assert args == [1, [7, 8], "p", "q", "r", "s", "t"]
    assert fused([("SELECT $1", [1])]) == ("SELECT $1", [1])
