"""The history of one request: the rows a request wrote (a revert starts there, and so does
`GET /v3/orders/changes/{request_id}`), and what changed the orders after them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import BigInteger, Row, distinct, func, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from orderflow.adapters.sql_dialect import sql_dialect
from orderflow.adapters.tables import api_keys, order_status_history, orders
from orderflow.adapters.tenancy import Scope
from orderflow.domain.lifecycle import DETAIL_FIELDS, ChangeKind, OrderStatus, PaymentStatus
from orderflow.services.records import LaterChange, RecordedChange, RequestSummary

_h = order_status_history


def _details(raw: dict[str, Any]) -> dict[str, Any]:
    """Detail values read back from JSON in the types an order holds them."""
    if isinstance(raw.get("transfer_time"), str):
        raw["transfer_time"] = datetime.fromisoformat(raw["transfer_time"])
    return raw


def _recorded(r: Row[Any]) -> RecordedChange:
    return RecordedChange(
        history_id=r.id,
        order_id=r.order_id,
        order_uuid=r.uuid,
        order_number=r.order_number,
        kind=ChangeKind(r.kind),
        from_status=OrderStatus(r.from_status) if r.from_status is not None else None,
        to_status=OrderStatus(r.to_status),
        from_payment_status=(
            PaymentStatus(r.from_payment_status) if r.from_payment_status is not None else None
        ),
        to_payment_status=PaymentStatus(r.to_payment_status),
        given={name: r._mapping[name] for name in DETAIL_FIELDS if r._mapping[name] is not None},
        previous=(
            _details(orjson.loads(r.previous_details)) if r.previous_details is not None else None
        ),
        created_at=r.created_at,
    )


async def request_changes(
    conn: AsyncConnection, scope: Scope, request_id: str, *, after: int | None, limit: int
) -> list[RecordedChange]:
    """Up to `limit` rows the request wrote (past history row `after`), oldest first, each
    with its order's ids (a deleted order's too)."""
    stmt = (
        scope.select(
            _h,
            _h.c.id,
            _h.c.order_id,
            orders.c.uuid,
            orders.c.order_id.label("order_number"),
            _h.c.kind,
            _h.c.from_status,
            _h.c.to_status,
            _h.c.from_payment_status,
            _h.c.to_payment_status,
            *(_h.c[name] for name in DETAIL_FIELDS),
            _h.c.previous_details,
            _h.c.created_at,
        )
        .join(orders, (orders.c.id == _h.c.order_id) & scope.owns(orders))
        .where(_h.c.request_id == request_id)
        .order_by(_h.c.id)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(_h.c.id > after)
    return [_recorded(r) for r in await conn.execute(stmt)]


async def changes_after(
    conn: AsyncConnection, scope: Scope, order_ids: Sequence[int], after: int, request_id: str
) -> list[LaterChange]:
    """Every history row of these orders newer than row `after` that another request than
    `request_id` wrote, oldest first."""
    dialect = sql_dialect(conn)
    other = or_(_h.c.request_id.is_(None), _h.c.request_id != request_id)
    stmt = (
        scope.select(_h, _h.c.order_id, _h.c.id, _h.c.request_id, _h.c.reverts)
        .where(dialect.any_of(_h.c.order_id, "ids", BigInteger()), _h.c.id > after, other)
        .order_by(_h.c.id)
    )
    rows = await conn.execute(stmt, {"ids": dialect.list_param(order_ids)})
    return [LaterChange(r.order_id, r.id, r.request_id, r.reverts) for r in rows]


async def reverted_orders(
    conn: AsyncConnection, scope: Scope, request_id: str, order_ids: Sequence[int]
) -> dict[int, str]:
    """Of these orders, those a revert of the request put back, and that revert's request id."""
    dialect = sql_dialect(conn)
    stmt = (
        scope.select(_h, _h.c.order_id, _h.c.request_id)
        .where(_h.c.reverts == request_id)
        .where(dialect.any_of(_h.c.order_id, "ids", BigInteger()))
        .order_by(_h.c.id)
    )
    rows = await conn.execute(stmt, {"ids": dialect.list_param(order_ids)})
    found: dict[int, str] = {}
    for r in rows:
        found.setdefault(r.order_id, r.request_id)
    return found


async def request_summary(
    conn: AsyncConnection, scope: Scope, request_id: str
) -> RequestSummary | None:
    """The request's rows counted (None: it wrote none for this business)."""
    counted = (
        await conn.execute(
            scope.select(
                _h,
                func.count(),
                func.count(distinct(_h.c.order_id)),
                func.min(_h.c.created_at),
                func.max(_h.c.created_at),
                func.max(_h.c.by),
                func.max(_h.c.api_key_id),
                func.max(_h.c.reverts),
            ).where(_h.c.request_id == request_id)
        )
    ).one()
    changes, n_orders, first_at, last_at, by, api_key_id, reverts = counted
    if not changes:
        return None
    prefix = None
    if api_key_id is not None:
        prefix = (
            await conn.execute(
                scope.select(api_keys, api_keys.c.prefix).where(api_keys.c.id == api_key_id)
            )
        ).scalar_one_or_none()
    reverted_by = (
        await conn.execute(
            scope.select(_h, _h.c.request_id)
            .where(_h.c.reverts == request_id, _h.c.request_id.is_not(None))
            .group_by(_h.c.request_id)
            .order_by(func.min(_h.c.id))
        )
    ).scalars()
    return RequestSummary(
        request_id=request_id,
        changes=changes,
        orders=n_orders,
        first_at=first_at,
        last_at=last_at,
        by=by,
        api_key_prefix=prefix,
        reverts=reverts,
        reverted_by=[r for r in reverted_by if r is not None],
    )
