"""The dialect object: the one place that knows which database it runs on."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import BigInteger

from orderflow.adapters.sql_dialect import POSTGRESQL, SQLITE, BulkColumn, sql_dialect
from orderflow.adapters.tables import orders

SRC = Path(__file__).parents[2] / "src" / "orderflow"
# Migrations are frozen in time: each says, with Alembic's own `op.get_bind().dialect`, what it
# did on which database when it was written, and must not change when the adapters do.
OWNERS = {SRC / "adapters" / "sql_dialect.py"}
UUID_ = UUID("01939f4e-0000-7000-8000-000000000001")


def _names_a_database(node: ast.AST) -> bool:
    """`x.name == "sqlite"`, `dialect != "postgresql"` and the like."""
    if not isinstance(node, ast.Compare):
        return False
    parts = [node.left, *node.comparators]
    return any(isinstance(p, ast.Constant) and p.value in ("sqlite", "postgresql") for p in parts)


def test_no_module_but_the_dialect_object_asks_which_database_it_runs_on() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path in OWNERS or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if _names_a_database(node) or (
                isinstance(node, ast.Attribute)
                and node.attr == "name"
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "dialect"
            ):
                found.append(f"{path.relative_to(SRC)}:{getattr(node, 'lineno', '?')}")
    assert found == []


def test_the_dialect_of_each_database() -> None:
    assert sql_dialect(postgresql.asyncpg.dialect()) is POSTGRESQL
    assert sql_dialect(sqlite.dialect()) is SQLITE
    with pytest.raises(ValueError, match="does not run on mysql"):
        from sqlalchemy.dialects import mysql

        sql_dialect(mysql.dialect())


def test_a_list_is_one_parameter_whatever_its_length() -> None:
    assert POSTGRESQL.list_param([3, 1]) == [3, 1]
    assert SQLITE.list_param([3, 1]) == "[3,1]"
    assert SQLITE.list_param([UUID_]) == f'["{UUID_.hex}"]'  # as SQLAlchemy's Uuid stores it
    for dialect, compiled in ((POSTGRESQL, postgresql.dialect()), (SQLITE, sqlite.dialect())):
        stmt = select(orders.c.id).where(dialect.any_of(orders.c.id, "ids", BigInteger()))
        sql = str(stmt.compile(dialect=compiled))
        assert ("= ANY" in sql) is (dialect is POSTGRESQL)
        assert ("json_each" in sql) is (dialect is SQLITE)


def test_a_table_of_rows_is_one_parameter_set() -> None:
    columns = (BulkColumn("id", "bigint"), BulkColumn("status", "text"))
    rows = [(1, "paid"), (2, "shipped")]
    assert POSTGRESQL.values_params(columns, rows) == {
        "bulk_id": [1, 2],
        "bulk_status": ["paid", "shipped"],
    }
    assert SQLITE.values_params(columns, rows) == {"bulk_rows": '[[1,"paid"],[2,"shipped"]]'}
    assert POSTGRESQL.values_sql(columns).startswith("unnest(CAST(:bulk_id AS bigint[])")
    assert "json_each(:bulk_rows)" in SQLITE.values_sql(columns)


def test_row_locks_and_planner_hints_only_where_they_exist() -> None:
    stmt = select(orders.c.id)
    assert "FOR UPDATE" in str(POSTGRESQL.locked(stmt).compile(dialect=postgresql.dialect()))
    assert SQLITE.locked(stmt) is stmt
    assert POSTGRESQL.try_lock(7) is not None and SQLITE.try_lock(7) is None
    assert (POSTGRESQL.unindexed("o.b"), SQLITE.unindexed("o.b")) == ("o.b", "+o.b")


def test_sqlite_quarter_hours_land_on_the_local_day() -> None:
    jakarta = ZoneInfo("Asia/Jakarta")  # UTC+7: 18:45 UTC is 01:45 the next day
    assert SQLITE.period_day("2026-11-30 18:45", jakarta) == date(2026, 12, 1)
    assert POSTGRESQL.period_day(date(2026, 12, 1), jakarta) == date(2026, 12, 1)
