"""Filtered, keyset-paginated reads of one business's orders (list and streamed export).

Orders are ordered by `(created_at, id)` descending: `created_at` never changes, so a position in
that order stays valid while orders are inserted or change status. Migration 0003 adds the
indexes these queries use (see the README's "Finding orders" section for the plans).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import fields
from typing import Any

from sqlalchemy import Select, bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import BigInteger

from orderflow.adapters.tables import order_search, orders
from orderflow.adapters.tenancy import Scope
from orderflow.services.records import Keyset, OrderFilter, OrderRow

EXPORT_BATCH = 1000
# What a read of whole orders selects, in `OrderRow`'s field order: every column but the business.
ORDER_ROW_COLUMNS = tuple(orders.c[f.name] for f in fields(OrderRow))


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching(where: OrderFilter) -> list[ColumnElement[bool]]:
    """The conditions an order meets to match `where` (its business is the statement's scope)."""
    clauses: list[ColumnElement[bool]] = [
        orders.c.deleted_at.is_(None),  # deleted orders are not listed, counted or exported
    ]
    if where.statuses:
        clauses.append(orders.c.status.in_(sorted(s.value for s in where.statuses)))
    if where.payment_status is not None:
        clauses.append(orders.c.payment_status == where.payment_status.value)
    if where.payment_method is not None:
        clauses.append(orders.c.payment_method == where.payment_method.value)
    if where.created_since is not None:
        clauses.append(orders.c.created_at >= where.created_since)
    if where.created_until is not None:
        clauses.append(orders.c.created_at < where.created_until)
    if where.shipment_receipt is not None:
        clauses.append(orders.c.shipment_receipt == where.shipment_receipt)
    if where.search and where.search_field is not None:
        column = orders.c[where.search_field]
        clauses.append(column.ilike(_like_pattern(where.search), escape="\\"))
    elif where.search:
        clauses.append(search_clause(where.search))
    return clauses


def search_clause(term: str) -> ColumnElement[bool]:
    """`term` anywhere in the order's search document (order number, customer name, phone and
    email; table `order_search`), any case: ILIKE on PostgreSQL (trigram index), lower() LIKE
    lower() on SQLite."""
    return (
        select(order_search.c.order_id)
        .where(
            order_search.c.order_id == orders.c.id,
            order_search.c.document.ilike(_like_pattern(term), escape="\\"),
        )
        .exists()
    )


def export_query(scope: Scope, where: OrderFilter) -> Select[Any]:
    """Every matching order of the business, newest first."""
    return (
        scope.select(orders, *ORDER_ROW_COLUMNS)
        .where(*matching(where))
        .order_by(orders.c.created_at.desc(), orders.c.id.desc())
    )


def page_query(
    scope: Scope, where: OrderFilter, after: Keyset | None, *, older: bool, limit: int
) -> Select[Any]:
    """Up to `limit` matching orders past `after`: older ones newest first, else newer ones
    oldest first (both walk the same index, in opposite directions)."""
    stmt = scope.select(orders, *ORDER_ROW_COLUMNS).where(*matching(where)).limit(limit)
    if after is not None:
        position = tuple_(orders.c.created_at, orders.c.id)
        keyset = tuple_(
            bindparam("after_created_at", after.created_at, type_=orders.c.created_at.type),
            bindparam("after_id", after.id, type_=BigInteger()),
        )
        stmt = stmt.where(position < keyset if older else position > keyset)
    if older:
        return stmt.order_by(orders.c.created_at.desc(), orders.c.id.desc())
    return stmt.order_by(orders.c.created_at.asc(), orders.c.id.asc())


async def list_page(
    conn: AsyncConnection,
    scope: Scope,
    where: OrderFilter,
    after: Keyset | None,
    *,
    older: bool,
    limit: int,
) -> list[OrderRow]:
    """One page of orders (see `page_query`)."""
    result = await conn.execute(page_query(scope, where, after, older=older, limit=limit))
    return [OrderRow(*row) for row in result]


async def stream(
    conn: AsyncConnection, scope: Scope, where: OrderFilter
) -> AsyncIterator[list[OrderRow]]:
    """Every matching order, newest first, through a server-side cursor, in batches."""
    stmt = export_query(scope, where).execution_options(yield_per=EXPORT_BATCH)
    result = await conn.stream(stmt)
    try:
        # By partition, not by row: each step of an async result is a greenlet switch.
        async for batch in result.partitions(EXPORT_BATCH):
            yield [OrderRow(*row) for row in batch]
    finally:
        await result.close()
