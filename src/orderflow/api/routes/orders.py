"""Order routes: create, read, and change the status of many orders at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from orderflow.api.bodies import read_body
from orderflow.api.change_status_schemas import (
    ChangeStatusRequest,
    ChangeStatusResponse,
    LegacyChangeStatusRequest,
    LegacyChangeStatusResponse,
)
from orderflow.api.contract import contract_of
from orderflow.api.deps import (
    BEARER_SECURITY,
    ChangeStatusCaller,
    CreateOrderActor,
    IdempotencyKeyHeader,
    ReadOrderActor,
    UowFactoryDep,
    idempotency_key_of,
    uow_factory_of,
)
from orderflow.api.idempotency import idempotent
from orderflow.api.openapi import CHANGING, READING, Versioned, error_responses, versioned
from orderflow.api.order_paths import OrderPath, order_ref
from orderflow.api.read_schemas import LegacyOrderRead, OrderRead
from orderflow.api.responses import OrjsonResponse
from orderflow.api.schemas import LegacyOrderCreateRequest, OnError, OrderCreateRequest
from orderflow.api.targets import target_of
from orderflow.api.telemetry import observed_change_status
from orderflow.api.views import change_status_body, order_body
from orderflow.contracts.versions import Contract
from orderflow.domain.errors import InvalidInput
from orderflow.services.change_status import ChangeOrderStatus, ChangeStatusResult
from orderflow.services.orders import create_order, get_order
from orderflow.services.records import NewOrder, OrderItem, OrderRecord

router = APIRouter(prefix="/v3/orders", tags=["orders"])

OLDER, NEWER = Contract.V2025_01_01, Contract.V2026_07_21


async def _change_request(
    request: Request, contract: Contract
) -> ChangeStatusRequest | LegacyChangeStatusRequest:
    if contract is OLDER:
        return await read_body(request, LegacyChangeStatusRequest)
    body = await read_body(request, ChangeStatusRequest)
    if body.status is None and body.payment_status is None:
        raise InvalidInput(
            "Invalid request: status",
            {"status": ["give status, payment_status or both"]},
        )
    return body


versioned(
    "post",
    "/v3/orders/change-status",
    Versioned(
        body={OLDER: LegacyChangeStatusRequest, NEWER: ChangeStatusRequest},
        answer={OLDER: LegacyChangeStatusResponse, NEWER: ChangeStatusResponse},
    ),
)


@router.post(
    "/change-status",
    operation_id="changeOrderStatus",
    summary="Change order status in bulk",
    responses={200: {"description": "Successful Response"}, **error_responses(*CHANGING)},
    openapi_extra=BEARER_SECURITY,
)
async def change_order_status(
    request: Request,
    actor: ChangeStatusCaller,
    key: IdempotencyKeyHeader = None,
    on_error: Annotated[
        OnError, Query(description="fail: all-or-nothing (default); skip: apply the valid ones")
    ] = OnError.FAIL,
    dry_run: Annotated[bool, Query(description="Validate and report, change nothing")] = False,
) -> Response:
    """Change the status, the payment status, or both, of up to 10,000 orders at once."""
    # The hot path: as few dependencies as FastAPI must solve (see `authorized`); the key and
    # the unit-of-work factory are read from the request here, as their dependencies would.
    contract = contract_of(request)
    body = await _change_request(request, contract)
    idempotency_key = await idempotency_key_of(request, key)
    command = ChangeOrderStatus(
        ids=body.ids,
        target=target_of(body),
        skip_refused=on_error is OnError.SKIP,
        dry_run=dry_run,
    )
    include_rejected = on_error is OnError.SKIP or dry_run

    def render(result: ChangeStatusResult) -> dict[str, Any]:
        return change_status_body(contract, result, include_rejected=include_rejected)

    idempotency = idempotent(idempotency_key, 200, render, contract)
    result = await observed_change_status(
        uow_factory_of(request), actor, command, idempotency=idempotency
    )
    return OrjsonResponse(render(result))


versioned(
    "post",
    "/v3/orders",
    Versioned(
        body={OLDER: LegacyOrderCreateRequest, NEWER: OrderCreateRequest},
        answer={OLDER: LegacyOrderRead, NEWER: OrderRead},
        status="201",
        links={
            "getOrder": {"operationId": "getOrder", "parameters": {"id": "$response.body#/id"}},
            "getOrderStatusHistory": {
                "operationId": "getOrderStatusHistory",
                "parameters": {"id": "$response.body#/id"},
            },
        },
    ),
)


@router.post(
    "",
    operation_id="createOrder",
    status_code=201,
    summary="Create an order",
    responses={201: {"description": "The order"}, **error_responses(*CHANGING)},
)
async def create(
    request: Request,
    actor: CreateOrderActor,
    uow_factory: UowFactoryDep,
    key: IdempotencyKeyHeader = None,
) -> Response:
    """Create an order: draft without a payment method, pending with one; payment unpaid."""
    contract = contract_of(request)
    model = LegacyOrderCreateRequest if contract is OLDER else OrderCreateRequest
    body = await read_body(request, model)
    idempotency_key = await idempotency_key_of(request, key)
    order = NewOrder(
        customer_name=body.customer.name,
        customer_phone=body.customer.phone,
        customer_email=body.customer.email,
        items=[OrderItem(i.name, i.quantity, i.price) for i in body.items],
        shipping_cost=body.shipping_cost,
        payment_method=body.payment_method,
    )

    def render(record: OrderRecord) -> dict[str, Any]:
        return order_body(contract, record)

    idempotency = idempotent(idempotency_key, 201, render, contract)
    record = await create_order(uow_factory, actor, order, idempotency=idempotency)
    return OrjsonResponse(render(record), status_code=201)


versioned("get", "/v3/orders/{id}", Versioned(answer={OLDER: LegacyOrderRead, NEWER: OrderRead}))


@router.get(
    "/{id:order_ref}",
    operation_id="getOrder",
    summary="Get an order",
    responses={200: {"description": "The order"}, **error_responses(*READING, 404)},
)
async def read(
    request: Request, id: OrderPath, actor: ReadOrderActor, uow_factory: UowFactoryDep
) -> Response:
    """One order with every status field, timestamp, payment field and its status timelines."""
    record = await get_order(uow_factory, actor, order_ref(id))
    return OrjsonResponse(order_body(contract_of(request), record))
