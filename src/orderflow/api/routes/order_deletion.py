"""Delete many orders at once: only drafts and canceled orders, all-or-nothing by default."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from orderflow.api.bodies import read_body
from orderflow.api.contract import contract_of
from orderflow.api.deletion_schemas import (
    DeleteOrdersRequest,
    DeleteOrdersResponse,
    LegacyDeleteOrdersResponse,
)
from orderflow.api.deps import (
    DeleteOrdersActor,
    IdempotencyKeyHeader,
    UowFactoryDep,
    idempotency_key_of,
)
from orderflow.api.idempotency import idempotent
from orderflow.api.openapi import CHANGING, Versioned, error_responses, versioned
from orderflow.api.responses import OrjsonResponse
from orderflow.api.schemas import OnError
from orderflow.api.views import delete_body
from orderflow.contracts.versions import Contract
from orderflow.services.order_deletion import DeleteOrders, DeleteResult, delete_orders

router = APIRouter(prefix="/v3/orders", tags=["orders"])

versioned(
    "post",
    "/v3/orders/delete",
    Versioned(
        body={Contract.V2025_01_01: DeleteOrdersRequest, Contract.V2026_07_21: DeleteOrdersRequest},
        answer={
            Contract.V2025_01_01: LegacyDeleteOrdersResponse,
            Contract.V2026_07_21: DeleteOrdersResponse,
        },
    ),
)


@router.post(
    "/delete",
    operation_id="deleteOrders",
    summary="Delete orders in bulk",
    responses={
        200: {"description": "Orders deleted successfully"},
        **error_responses(*CHANGING),
    },
)
async def delete(
    request: Request,
    actor: DeleteOrdersActor,
    uow_factory: UowFactoryDep,
    key: IdempotencyKeyHeader = None,
    on_error: Annotated[
        OnError, Query(description="fail: all-or-nothing (default); skip: delete the others")
    ] = OnError.FAIL,
    dry_run: Annotated[bool, Query(description="Validate and report, delete nothing")] = False,
) -> Response:
    """Delete up to 10,000 draft or canceled orders. Each leaves a `deleted` row in its status
    history (which still answers) and an `order.deleted` event; the order itself answers 404
    from then on. Any other order refuses (`order_not_deletable`)."""
    contract = contract_of(request)
    body = await read_body(request, DeleteOrdersRequest)
    idempotency_key = await idempotency_key_of(request, key)
    command = DeleteOrders(body.ids, skip_refused=on_error is OnError.SKIP, dry_run=dry_run)
    include_rejected = on_error is OnError.SKIP or dry_run

    def render(result: DeleteResult) -> dict[str, Any]:
        return delete_body(contract, result, include_rejected=include_rejected)

    idempotency = idempotent(idempotency_key, 200, render, contract)
    result = await delete_orders(uow_factory, actor, command, idempotency=idempotency)
    return OrjsonResponse(render(result))
