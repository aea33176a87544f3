"""Order routes: create, read, and change the status of many orders at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from orderflow.api.deps import (
    BEARER_SECURITY,
    ChangeStatusCaller,
    CreateOrderActor,
    IdempotencyKeyDep,
    IdempotencyKeyHeader,
    ReadOrderActor,
    UowFactoryDep,
    idempotency_key_of,
    uow_factory_of,
)
from orderflow.api.idempotency import idempotent
from orderflow.api.openapi import CHANGING, READING, error_responses
from orderflow.api.responses import OrjsonResponse
from orderflow.api.schemas import (
    MAX_ID,
    ChangeStatusRequest,
    ChangeStatusResponse,
    OnError,
    OrderCreateRequest,
    OrderResponse,
)
from orderflow.api.targets import target_of
from orderflow.api.telemetry import observed_change_status
from orderflow.api.views import change_status_body, order_body
from orderflow.services.change_status import ChangeOrderStatus, ChangeStatusResult
from orderflow.services.orders import create_order, get_order
from orderflow.services.unit_of_work import NewItem, NewOrder, OrderRecord

router = APIRouter(prefix="/v3/orders", tags=["orders"])

OrderPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Order primary key ID")]


@router.post(
    "/change-status",
    response_model=ChangeStatusResponse,
    summary="Change order status in bulk",
    responses=error_responses(*CHANGING),
    openapi_extra=BEARER_SECURITY,
)
async def change_order_status(
    request: Request,
    body: ChangeStatusRequest,
    actor: ChangeStatusCaller,
    key: IdempotencyKeyHeader = None,
    on_error: Annotated[
        OnError, Query(description="fail: all-or-nothing (default); skip: apply the valid ones")
    ] = OnError.FAIL,
    dry_run: Annotated[bool, Query(description="Validate and report, change nothing")] = False,
) -> Response:
    """Change the status (and optionally payment status) of up to 10,000 orders at once."""
    # The hot path: as few dependencies as FastAPI must solve (see `authorized`); the key and
    # the unit-of-work factory are read from the request here, as their dependencies would.
    idempotency_key = await idempotency_key_of(request, key)
    command = ChangeOrderStatus(
        ids=body.ids,
        target=target_of(body),
        skip_refused=on_error is OnError.SKIP,
        dry_run=dry_run,
    )
    include_rejected = on_error is OnError.SKIP or dry_run

    def render(result: ChangeStatusResult) -> dict[str, Any]:
        return change_status_body(result, include_rejected=include_rejected)

    idempotency = idempotent(idempotency_key, 200, render)
    result = await observed_change_status(
        uow_factory_of(request), actor, command, idempotency=idempotency
    )
    return OrjsonResponse(render(result))


@router.post(
    "",
    status_code=201,
    response_model=OrderResponse,
    summary="Create an order",
    responses=error_responses(*CHANGING),
)
async def create(
    body: OrderCreateRequest,
    actor: CreateOrderActor,
    uow_factory: UowFactoryDep,
    idempotency_key: IdempotencyKeyDep,
) -> Response:
    """Create an order: draft without a payment method, pending with one; payment unpaid."""
    order = NewOrder(
        customer_name=body.customer.name,
        customer_phone=body.customer.phone,
        customer_email=body.customer.email,
        items=[NewItem(i.name, i.quantity, i.price) for i in body.items],
        shipping_cost=body.shipping_cost,
        payment_method=body.payment_method,
    )

    def render(record: OrderRecord) -> dict[str, Any]:
        return {"data": order_body(record)}

    idempotency = idempotent(idempotency_key, 201, render)
    record = await create_order(uow_factory, actor, order, idempotency=idempotency)
    return OrjsonResponse(render(record), status_code=201)


@router.get(
    "/{id}",
    response_model=OrderResponse,
    summary="Get an order",
    responses=error_responses(*READING, 404),
)
async def read(id: OrderPath, actor: ReadOrderActor, uow_factory: UowFactoryDep) -> Response:
    """One order with every status field, timestamp, payment field and its status timelines."""
    record = await get_order(uow_factory, actor, id)
    body: dict[str, Any] = {"data": order_body(record)}
    return OrjsonResponse(body)
