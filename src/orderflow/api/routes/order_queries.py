"""Finding orders: the filtered list, its CSV export, and one order's status history.

Registered before `routes/orders.py`, so `/v3/orders/export` is not taken for an order id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response, StreamingResponse

from orderflow.api.csv_export import csv_chunks
from orderflow.api.deps import CursorCodecDep, ListOrdersActor, ReadOrderActor, UowFactoryDep
from orderflow.api.openapi import READING, error_responses
from orderflow.api.order_query_schemas import OrderListResponse, StatusHistoryResponse
from orderflow.api.responses import OrjsonResponse
from orderflow.api.schemas import MAX_ID
from orderflow.api.views import history_body, order_summary
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

MIN_SEARCH, MAX_SEARCH = 3, 100
_STATUS_NAMES = frozenset(s.value for s in OrderStatus)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _statuses(value: str | None) -> frozenset[OrderStatus]:
    names = [part.strip().lower() for part in (value or "").split(",") if part.strip()]
    unknown = [name for name in names if name not in _STATUS_NAMES]
    if unknown:
        allowed = ", ".join(s.value for s in OrderStatus)
        raise InvalidInput(
            "Invalid request: status",
            {
                "status": [
                    f"unknown status {name!r}; use one or more of: {allowed}" for name in unknown
                ]
            },
        )
    return frozenset(OrderStatus(name) for name in names)


def order_filter(
    status: Annotated[
        str | None,
        Query(
            description="One or several statuses, comma-separated (e.g. `confirmed,in_process`)",
            examples=["confirmed,in_process"],
        ),
    ] = None,
    payment_status: Annotated[PaymentStatus | None, Query(description="Payment status")] = None,
    payment_method: Annotated[PaymentMethod | None, Query(description="Payment method")] = None,
    created_since: Annotated[
        datetime | None,
        Query(description="Created at or after (ISO 8601; without an offset it is UTC)"),
    ] = None,
    created_until: Annotated[
        datetime | None,
        Query(description="Created before, exclusive (ISO 8601; without an offset it is UTC)"),
    ] = None,
    search: Annotated[
        str | None,
        Query(
            max_length=MAX_SEARCH,
            description="Part of the order number, customer name, phone or email (any case); "
            "at least 3 characters",
        ),
    ] = None,
) -> OrderFilter:
    """The filter shared by the list and the export."""
    term = (search or "").strip() or None
    if term is not None and len(term) < MIN_SEARCH:
        # Shorter terms have no trigram, so no index could answer them.
        raise InvalidInput(
            "Invalid request: search", {"search": [f"give at least {MIN_SEARCH} characters"]}
        )
    return OrderFilter(
        statuses=_statuses(status),
        payment_status=payment_status,
        payment_method=payment_method,
        created_since=_utc(created_since),
        created_until=_utc(created_until),
        search=term,
    )


OrderFilterDep = Annotated[OrderFilter, Depends(order_filter)]


@router.get(
    "",
    response_model=OrderListResponse,
    summary="List orders",
    responses=error_responses(*READING),
)
async def list_(
    where: OrderFilterDep,
    actor: ListOrdersActor,
    uow_factory: UowFactoryDep,
    codec: CursorCodecDep,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Orders per page, 1 to 25")
    ] = MAX_PAGE_SIZE,
    next_cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous answer")
    ] = None,
    previous_cursor: Annotated[
        str | None, Query(max_length=512, description="`previous_cursor` of the previous answer")
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
    return OrjsonResponse(
        {
            "data": [order_summary(row) for row in page.orders],
            "is_paginated": True,
            "next_cursor": page.next_cursor,
            "previous_cursor": page.previous_cursor,
        }
    )


@router.get(
    "/export",
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
    where: OrderFilterDep, actor: ListOrdersActor, uow_factory: UowFactoryDep
) -> Response:
    """Every order matching the list's filters as a streamed CSV file (UTF-8 with BOM)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        csv_chunks(export_orders(uow_factory, actor, where)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="orders-{stamp}.csv"'},
    )


@router.get(
    "/{id}/status-history",
    response_model=StatusHistoryResponse,
    summary="Get an order's status history",
    responses=error_responses(*READING, 404),
)
async def status_history(
    id: Annotated[int, Path(ge=1, le=MAX_ID, description="Order primary key ID")],
    actor: ReadOrderActor,
    uow_factory: UowFactoryDep,
) -> Response:
    """Every applied change of the order, oldest first, with who, which key and which request."""
    return OrjsonResponse(history_body(await order_history(uow_factory, actor, id)))
