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

from orderflow.adapters.bulk import DETAIL_COLUMNS, DETAIL_FIELDS, detail_values
from orderflow.adapters.sql_dialect import BulkColumn, SqlDialect
from orderflow.adapters.tables import PAYMENT_TIME_COLUMNS, STATUS_TIME_COLUMNS, orders
from orderflow.adapters.tenancy import BUSINESS_PARAM, bound_business
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
UPDATE_COLUMNS = (*ROW_COLUMNS, *DETAIL_COLUMNS)


# What the change path reads of an order: its state, and every field its events carry.
SNAPSHOT_NAMES = tuple(f.name for f in fields(OrderSnapshot))
SNAPSHOT_COLUMNS = tuple(orders.c[name] for name in SNAPSHOT_NAMES)


# A deleted order is absent for every read and change but its history (see migration 0009).
LIVE = orders.c.deleted_at.is_(None)


def _update_sql(source: str, dialect: SqlDialect, detail_values: Sequence[str]) -> str:
    stamps = [
        f"{col} = CASE WHEN v.entered_status = '{status}' THEN COALESCE(v.entered_at, :now) "
        f"ELSE orders.{col} END"
        for status, col in STATUS_TIME_COLUMNS.items()
    ] + [
        f"{col} = CASE WHEN v.entered_payment = '{status}' THEN :now ELSE orders.{col} END"
        for status, col in PAYMENT_TIME_COLUMNS.items()
    ]
    details = [
        f"{f} = COALESCE({value}, orders.{f})"
        for f, value in zip(DETAIL_FIELDS, detail_values, strict=True)
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


@functools.cache
def update_statement(dialect: SqlDialect, shared_target: bool) -> TextClause:
    if shared_target:  # the request's details, bound once
        source = dialect.values_sql(ROW_COLUMNS)
        details = [dialect.shared_value_sql(c) for c in DETAIL_COLUMNS]
    else:
        source = dialect.values_sql(UPDATE_COLUMNS)
        details = [f"v.{c.name}" for c in DETAIL_COLUMNS]
    transfer_time = orders.c.transfer_time.type
    return text(_update_sql(source, dialect, details)).bindparams(
        bindparam("now", type_=orders.c.updated_at.type),
        *([bindparam("transfer_time", type_=transfer_time)] if shared_target else []),
    )


def update_rows(changes: Sequence[AppliedChange], *, with_target: bool) -> list[tuple[Any, ...]]:
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
        if with_target:
            rows.append(
                (change.before.id, *values, change.entered_at, *detail_values(change.target))
            )
        else:
            rows.append((change.before.id, *values, change.entered_at))
    return rows
