"""The change path's statements on `orders`: the snapshot read (and lock), the id lookup by UUID
and the bulk UPDATE, each built once per database (they are compiled once, driver_statements.py)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import BigInteger, Uuid

from orderflow.adapters.bulk import DETAIL_COLUMNS, detail_values
from orderflow.adapters.sql_dialect import BulkColumn, SqlDialect
from orderflow.adapters.tables import PAYMENT_TIME_COLUMNS, STATUS_TIME_COLUMNS, orders
from orderflow.adapters.tenancy import BUSINESS_PARAM, bound_business
from orderflow.domain.lifecycle import DETAIL_FIELDS
from orderflow.services.records import AppliedChange, OrderSnapshot

ROW_COLUMNS = (
    BulkColumn("id", "bigint"),
    BulkColumn("status", "text"),
    BulkColumn("payment_status", "text"),
    BulkColumn("events", "integer"),
    BulkColumn("entered_status", "text"),
    BulkColumn("entered_payment", "text"),
    BulkColumn("entered_at", "timestamptz"),  # when it entered its status, if not :now
)
# A revert's: which details each row empties, one bit per detail in `DETAIL_FIELDS` order.
CLEARED_COLUMN = BulkColumn("cleared", "integer")


# What the change path reads of an order: its state, and every field its events carry.
SNAPSHOT_NAMES = tuple(f.name for f in fields(OrderSnapshot))
SNAPSHOT_COLUMNS = tuple(orders.c[name] for name in SNAPSHOT_NAMES)


# A deleted order is absent for every read and change but its history (see migration 0009).
LIVE = orders.c.deleted_at.is_(None)


def _detail_sql(field: str, value: str, bit: int | None) -> str:
    kept = f"COALESCE({value}, orders.{field})"
    return kept if bit is None else f"CASE WHEN (v.cleared & {bit}) <> 0 THEN NULL ELSE {kept} END"


def _update_sql(
    source: str, dialect: SqlDialect, detail_values: Sequence[str], clears: bool
) -> str:
    stamps = [
        f"{col} = CASE WHEN v.entered_status = '{status}' THEN COALESCE(v.entered_at, :now) "
        f"ELSE orders.{col} END"
        for status, col in STATUS_TIME_COLUMNS.items()
    ] + [
        f"{col} = CASE WHEN v.entered_payment = '{status}' THEN :now ELSE orders.{col} END"
        for status, col in PAYMENT_TIME_COLUMNS.items()
    ]
    details = [
        f"{f} = {_detail_sql(f, value, 1 << i if clears else None)}"
        for i, (f, value) in enumerate(zip(DETAIL_FIELDS, detail_values, strict=True))
    ]
    sets = ",\n  ".join(
        [
            "status = v.status",
            "payment_status = v.payment_status",
            "version = orders.version + v.events",
            "updated_at = :now",
            *stamps,
            *details,
        ]
    )
    business = dialect.unindexed("orders.business_id")  # read `v` once, orders by primary key
    return (
        f"UPDATE orders SET\n  {sets}\nFROM {source}\n"
        f"WHERE orders.id = v.id AND {business} = :{BUSINESS_PARAM}"
    )


# The change path's statements are built once per database: building and parsing them again
# for every request costs more than running them for a batch of ten orders.
@functools.cache
def select_snapshots(dialect: SqlDialect, lock: bool, by_uuid: bool = False) -> Select[Any]:
    column, element = (orders.c.uuid, Uuid()) if by_uuid else (orders.c.id, BigInteger())
    stmt = (
        select(*SNAPSHOT_COLUMNS)
        .where(
            bound_business(orders),
            dialect.any_of(column, "ids", element),
            LIVE,
        )
        .order_by(orders.c.id)
    )
    return dialect.locked(stmt) if lock else stmt


@functools.cache
def select_ids_by_uuid(dialect: SqlDialect) -> Select[Any]:
    return select(orders.c.uuid, orders.c.id).where(
        bound_business(orders),
        dialect.any_of(orders.c.uuid, "uuids", Uuid()),
        LIVE,
    )


def update_columns(shared_target: bool, clears: bool) -> tuple[BulkColumn, ...]:
    """The bulk columns of `update_statement`'s rows (see `update_rows`)."""
    return (
        *ROW_COLUMNS,
        *(() if shared_target else DETAIL_COLUMNS),
        *((CLEARED_COLUMN,) if clears else ()),
    )


@functools.cache
def update_statement(dialect: SqlDialect, shared_target: bool, clears: bool) -> TextClause:
    """The bulk UPDATE: the request's details bound once (`shared_target`) or per row; with
    `clears` (a revert's), each row also says which details it empties."""
    source = dialect.values_sql(update_columns(shared_target, clears))
    if shared_target:
        details = [dialect.shared_value_sql(c) for c in DETAIL_COLUMNS]
    else:
        details = [f"v.{c.name}" for c in DETAIL_COLUMNS]
    transfer_time = orders.c.transfer_time.type
    return text(_update_sql(source, dialect, details, clears)).bindparams(
        bindparam("now", type_=orders.c.updated_at.type),
        *([bindparam("transfer_time", type_=transfer_time)] if shared_target else []),
    )


def _cleared_bits(cleared: frozenset[str]) -> int:
    return sum(1 << DETAIL_FIELDS.index(name) for name in cleared)


def update_rows(
    changes: Sequence[AppliedChange], *, with_target: bool, clears: bool = False
) -> list[tuple[Any, ...]]:
    # What a decision writes is the same for every order it applies to: worked out once.
    decided: dict[int, tuple[Any, ...]] = {}
    rows: list[tuple[Any, ...]] = []
    for change in changes:
        d = change.decision
        values = decided.get(id(d))
        if values is None:
            values = decided[id(d)] = (
                d.status.value,
                d.payment_status.value,
                change.events,
                d.entered_status.value if d.entered_status else None,
                d.entered_payment_status.value if d.entered_payment_status else None,
            )
        row: tuple[Any, ...] = (change.before.id, *values, change.entered_at)
        if with_target:
            row += detail_values(change.target)
        if clears:
            row += (_cleared_bits(change.target.cleared),)
        rows.append(row)
    return rows
