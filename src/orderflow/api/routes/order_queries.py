"""Finding orders: the filtered list, its CSV export, and one order's status history.

Registered before `routes/orders.py`, so `/v3/orders/export` is not taken for an order id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response, StreamingResponse

from orderflow.api.contract import contract_of
from orderflow.api.csv_export import csv_chunks
from orderflow.api.deps import (
    CursorCodecDep,
    ListOrdersActor,
    PrincipalDep,
    ReadOrderActor,
    UowFactoryDep,
)
from orderflow.api.openapi import READING, Versioned, error_responses, versioned
from orderflow.api.order_query_schemas import (
    LegacyOrderListResponse,
    OrderListResponse,
    StatusHistoryResponse,
)
from orderflow.api.responses import OrjsonResponse
from orderflow.api.routes.orders import OrderPath, order_ref
from orderflow.api.schemas import NO_NUL, UtcDateTime
from orderflow.api.views import history_body, order_summary
from orderflow.contracts.versions import PAYMENT_METHODS, Contract
from orderflow.domain.errors import InvalidInput
from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus
from orderflow.services.order_queries import (
    MAX_PAGE_SIZE,
    PageRequest,
    export_orders,
    list_orders,
    order_history,
)
from orderflow.services.unit_of_work import OrderFilter

router = APIRouter(prefix="/v3/orders", tags=["orders"])

MAX_SEARCH = 100
# A cursor is two base64url parts: what it points at, and this service's signature of it.
CURSOR_PATTERN = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$"
# Scalev's `shipped_rts`: shipped, or returned to sender.
STATUS_GROUPS = {"shipped_rts": (OrderStatus.SHIPPED, OrderStatus.RTS)}
_STATUS_NAMES = frozenset(s.value for s in OrderStatus) | frozenset(STATUS_GROUPS)
_STATUS_LIST = ", ".join([*(s.value for s in OrderStatus), *STATUS_GROUPS])
# What a filter's status parameter takes: names, comma-separated (a trailing comma is fine).
_ANY_CASE = "|".join(
    "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in name)
    for name in sorted(_STATUS_NAMES)
)
STATUS_PATTERN = rf"^ *({_ANY_CASE}) *(, *({_ANY_CASE}) *)*,? *$"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _statuses(value: str | None) -> frozenset[OrderStatus]:
    names = [part.strip(" ").lower() for part in (value or "").split(",") if part.strip(" ")]
    unknown = [name for name in names if name not in _STATUS_NAMES]
    if unknown:
        allowed = _STATUS_LIST
        raise InvalidInput(
            "Invalid request: status",
            {
                "status": [
                    f"unknown status {name!r}; use one or more of: {allowed}" for name in unknown
                ]
            },
        )
    statuses: set[OrderStatus] = set()
    for name in names:
        statuses.update(STATUS_GROUPS.get(name) or (OrderStatus(name),))
    return frozenset(statuses)


def _method(contract: Contract, value: str | None) -> PaymentMethod | None:
    if value is None:
        return None
    allowed = {m.value: m for m in PAYMENT_METHODS[contract]}
    if value not in allowed:
        raise InvalidInput(
            "Invalid request: payment_method",
            {"payment_method": [f"use one of: {', '.join(allowed)}"]},
        )
    return allowed[value]


def order_filter(
    request: Request,
    principal: PrincipalDep,  # first: the filter is read in the key's contract version
    status: Annotated[
        str | None,
        Query(
            description="One or several statuses, comma-separated (e.g. `confirmed,in_process`); "
            "`shipped_rts` is shipped or rts",
            examples=["confirmed,in_process"],
            pattern=STATUS_PATTERN,
        ),
    ] = None,
    payment_status: Annotated[PaymentStatus | None, Query(description="Payment status")] = None,
    payment_method: Annotated[
        str | None, Query(description="Payment method (the contract version's names)")
    ] = None,
    created_since: Annotated[
        UtcDateTime | None,
        Query(description="Created at or after (ISO 8601; without an offset it is UTC)"),
    ] = None,
    created_until: Annotated[
        UtcDateTime | None,
        Query(description="Created before, exclusive (ISO 8601; without an offset it is UTC)"),
    ] = None,
    search: Annotated[
        str | None,
        Query(
            max_length=MAX_SEARCH,
            pattern=NO_NUL,
            description="Part of the order number, customer name, phone or email (any case, "
            "any length; from 3 characters a trigram index answers it on PostgreSQL)",
        ),
    ] = None,
) -> OrderFilter:
    """The filter shared by the list and the export."""
    term = (search or "").strip() or None
    return OrderFilter(
        statuses=_statuses(status),
        payment_status=payment_status,
        payment_method=_method(contract_of(request), payment_method),
        created_since=_utc(created_since),
        created_until=_utc(created_until),
        search=term,
    )


OrderFilterDep = Annotated[OrderFilter, Depends(order_filter)]


versioned(
    "get",
    "/v3/orders",
    Versioned(
        answer={
            Contract.V2025_01_01: LegacyOrderListResponse,
            Contract.V2026_07_21: OrderListResponse,
        }
    ),
)


@router.get(
    "",
    operation_id="listOrders",
    summary="List orders",
    responses={200: {"description": "One page of orders"}, **error_responses(*READING)},
)
async def list_(
    request: Request,
    where: OrderFilterDep,
    actor: ListOrdersActor,
    uow_factory: UowFactoryDep,
    codec: CursorCodecDep,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Orders per page, 1 to 25")
    ] = MAX_PAGE_SIZE,
    next_cursor: Annotated[
        str | None,
        Query(
            max_length=512,
            pattern=CURSOR_PATTERN,
            description="`next_cursor` of the previous answer",
        ),
    ] = None,
    previous_cursor: Annotated[
        str | None,
        Query(
            max_length=512,
            pattern=CURSOR_PATTERN,
            description="`previous_cursor` of the previous answer",
        ),
    ] = None,
) -> Response:
    """The business's orders matching every given filter, newest first, with cursors to page."""
    page = await list_orders(
        uow_factory,
        actor,
        where,
        PageRequest(page_size, next_cursor, previous_cursor),
        codec,
    )
    contract = contract_of(request)
    return OrjsonResponse(
        {
            "data": [order_summary(contract, row) for row in page.orders],
            "is_paginated": True,
            "has_next": page.next_cursor is not None,
            "has_previous": page.previous_cursor is not None,
            "next_cursor": page.next_cursor,
            "previous_cursor": page.previous_cursor,
            "page_size": page_size,
        }
    )


@router.get(
    "/export",
    operation_id="exportOrders",
    summary="Export orders as CSV",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "One row per order, newest first, every status and payment column",
        },
        **error_responses(*READING),
    },
)
async def export(
    request: Request, where: OrderFilterDep, actor: ListOrdersActor, uow_factory: UowFactoryDep
) -> Response:
    """Every order matching the list's filters as a streamed CSV file (UTF-8 with BOM)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        csv_chunks(export_orders(uow_factory, actor, where), contract_of(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="orders-{stamp}.csv"'},
    )


@router.get(
    "/{id:order_ref}/status-history",
    operation_id="getOrderStatusHistory",
    response_model=StatusHistoryResponse,
    summary="Get an order's status history",
    responses=error_responses(*READING, 404),
)
async def status_history(
    request: Request, id: OrderPath, actor: ReadOrderActor, uow_factory: UowFactoryDep
) -> Response:
    """Every applied change of the order, oldest first, with who, which key and which request."""
    entries = await order_history(uow_factory, actor, order_ref(id))
    return OrjsonResponse(history_body(contract_of(request), entries))
