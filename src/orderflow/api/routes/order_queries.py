"""Finding orders: the filtered list, its CSV export, and one order's status history.

Registered before `routes/orders.py`, so `/v3/orders/export` is not taken for an order id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from orderflow.api.contract import contract_of
from orderflow.api.csv_export import csv_chunks
from orderflow.api.deps import (
    CursorCodecDep,
    ListOrdersActor,
    ReadOrderActor,
    UowFactoryDep,
)
from orderflow.api.openapi import READING, Versioned, error_responses, versioned
from orderflow.api.order_filters import OrderFilterDep
from orderflow.api.order_paths import OrderPath, order_ref
from orderflow.api.order_query_schemas import (
    LegacyOrderListResponse,
    OrderListResponse,
    StatusHistoryResponse,
)
from orderflow.api.responses import OrjsonResponse
from orderflow.api.views import history_body, order_summary
from orderflow.contracts.versions import Contract
from orderflow.services.order_queries import (
    MAX_PAGE_SIZE,
    PageRequest,
    export_orders,
    list_orders,
    order_history,
)

router = APIRouter(prefix="/v3/orders", tags=["orders"])

# A cursor is two base64url parts: what it points at, and this service's signature of it.
CURSOR_PATTERN = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$"


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
