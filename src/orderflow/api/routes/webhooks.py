"""Webhook management: endpoints, their secrets, and their deliveries (scope webhook:manage)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from orderflow.api.contract import contract_of
from orderflow.api.deps import (
    IdempotencyKeyHeader,
    ManageWebhooksActor,
    OutboundDep,
    UowFactoryDep,
    idempotency_key_of,
)
from orderflow.api.idempotency import idempotent
from orderflow.api.openapi import CHANGING, READING, error_responses
from orderflow.api.responses import OrjsonResponse
from orderflow.api.schemas import MAX_ID
from orderflow.api.webhook_schemas import (
    DeliveryListResponse,
    DeliveryResponse,
    WebhookCreateRequest,
    WebhookListResponse,
    WebhookResponse,
    WebhookSecretResponse,
    WebhookUpdateRequest,
)
from orderflow.api.webhook_views import delivery_body, webhook_body
from orderflow.domain.webhooks import DeliveryStatus
from orderflow.services import webhooks
from orderflow.services.webhook_ports import DeliveryRecord, UpdateWebhook, WebhookEndpoint
from orderflow.services.webhooks import CreateWebhook

router = APIRouter(prefix="/v3/webhooks", tags=["webhooks"])

WebhookPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Webhook ID")]
DeliveryPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Delivery ID")]


@router.post(
    "",
    status_code=201,
    response_model=WebhookSecretResponse,
    summary="Register a webhook endpoint",
    responses=error_responses(*CHANGING),
)
async def create(
    request: Request,
    body: WebhookCreateRequest,
    actor: ManageWebhooksActor,
    uow_factory: UowFactoryDep,
    outbound: OutboundDep,
    key: IdempotencyKeyHeader = None,
) -> Response:
    """Register an endpoint; the answer carries its signing secret (shown here, and to a retry
    with the same Idempotency-Key)."""
    command = CreateWebhook(body.url, frozenset(body.events), body.contract.value, body.is_active)

    def render(endpoint: WebhookEndpoint) -> dict[str, Any]:
        return {"data": webhook_body(endpoint, with_secret=True)}

    idempotency = idempotent(
        await idempotency_key_of(request, key), 201, render, contract_of(request), secret=True
    )
    endpoint = await webhooks.create_webhook(
        uow_factory, actor, command, outbound, idempotency=idempotency
    )
    return OrjsonResponse(render(endpoint), status_code=201)


@router.get(
    "",
    response_model=WebhookListResponse,
    summary="List webhook endpoints",
    responses=error_responses(*READING),
)
async def list_all(actor: ManageWebhooksActor, uow_factory: UowFactoryDep) -> Response:
    """Every webhook endpoint of the business."""
    found = await webhooks.list_webhooks(uow_factory, actor)
    return OrjsonResponse({"data": [webhook_body(e) for e in found], "is_paginated": False})


@router.get(
    "/{id}",
    response_model=WebhookResponse,
    summary="Get a webhook endpoint",
    responses=error_responses(*READING, 404),
)
async def read(id: WebhookPath, actor: ManageWebhooksActor, uow_factory: UowFactoryDep) -> Response:
    """One webhook endpoint (without its secret)."""
    endpoint = await webhooks.get_webhook(uow_factory, actor, id)
    return OrjsonResponse({"data": webhook_body(endpoint)})


@router.patch(
    "/{id}",
    response_model=WebhookResponse,
    summary="Change a webhook endpoint",
    responses=error_responses(*CHANGING, 404),
)
async def change(
    request: Request,
    id: WebhookPath,
    body: WebhookUpdateRequest,
    actor: ManageWebhooksActor,
    uow_factory: UowFactoryDep,
    outbound: OutboundDep,
    key: IdempotencyKeyHeader = None,
) -> Response:
    """Change url, events or is_active; activating sends business.test_event (2xx required)."""
    command = UpdateWebhook(
        url=body.url,
        events=frozenset(body.events) if body.events is not None else None,
        is_active=body.is_active,
        contract=body.contract.value if body.contract is not None else None,
    )

    def render(endpoint: WebhookEndpoint) -> dict[str, Any]:
        return {"data": webhook_body(endpoint)}

    idempotency = idempotent(
        await idempotency_key_of(request, key), 200, render, contract_of(request)
    )
    endpoint = await webhooks.update_webhook(
        uow_factory, actor, id, command, outbound, idempotency=idempotency
    )
    return OrjsonResponse(render(endpoint))


@router.delete(
    "/{id}",
    status_code=204,
    summary="Delete a webhook endpoint",
    responses=error_responses(*CHANGING, 404),
)
async def remove(
    request: Request,
    id: WebhookPath,
    actor: ManageWebhooksActor,
    uow_factory: UowFactoryDep,
    key: IdempotencyKeyHeader = None,
) -> Response:
    """Delete an endpoint; events not yet delivered to it are canceled."""

    def render(_: None) -> None:
        return None  # a 204 has no body

    idempotency = idempotent(
        await idempotency_key_of(request, key), 204, render, contract_of(request)
    )
    await webhooks.delete_webhook(uow_factory, actor, id, idempotency=idempotency)
    return Response(status_code=204)


@router.post(
    "/{id}/rotate-secret",
    response_model=WebhookSecretResponse,
    summary="Rotate a webhook endpoint's signing secret",
    responses=error_responses(*CHANGING, 404),
)
async def rotate(
    request: Request,
    id: WebhookPath,
    actor: ManageWebhooksActor,
    uow_factory: UowFactoryDep,
    key: IdempotencyKeyHeader = None,
) -> Response:
    """Replace the signing secret; the answer carries the new one (shown here, and to a retry
    with the same Idempotency-Key)."""

    def render(endpoint: WebhookEndpoint) -> dict[str, Any]:
        return {"data": webhook_body(endpoint, with_secret=True)}

    idempotency = idempotent(
        await idempotency_key_of(request, key), 200, render, contract_of(request), secret=True
    )
    endpoint = await webhooks.rotate_secret(uow_factory, actor, id, idempotency=idempotency)
    return OrjsonResponse(render(endpoint))


@router.get(
    "/{id}/deliveries",
    response_model=DeliveryListResponse,
    summary="List a webhook endpoint's deliveries",
    responses=error_responses(*READING, 404),
)
async def deliveries(
    id: WebhookPath,
    actor: ManageWebhooksActor,
    uow_factory: UowFactoryDep,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many")] = 50,
    before_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only deliveries older than this ID")
    ] = None,
    status: Annotated[DeliveryStatus | None, Query(description="Only this status")] = None,
) -> Response:
    """Deliveries, newest first, each with every attempt (time, status code, latency, error)."""
    found = await webhooks.list_deliveries(
        uow_factory, actor, id, limit=limit, before_id=before_id, status=status
    )
    return OrjsonResponse({"data": [delivery_body(d) for d in found], "is_paginated": False})


@router.post(
    "/{id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryResponse,
    summary="Redeliver one delivery",
    responses=error_responses(*CHANGING, 404),
)
async def redeliver(
    request: Request,
    id: WebhookPath,
    delivery_id: DeliveryPath,
    actor: ManageWebhooksActor,
    uow_factory: UowFactoryDep,
    key: IdempotencyKeyHeader = None,
) -> Response:
    """Queue one more attempt of a delivery now (the relay sends it within a poll interval)."""

    def render(delivery: DeliveryRecord) -> dict[str, Any]:
        return {"data": delivery_body(delivery)}

    idempotency = idempotent(
        await idempotency_key_of(request, key), 202, render, contract_of(request)
    )
    delivery = await webhooks.redeliver(
        uow_factory, actor, id, delivery_id, idempotency=idempotency
    )
    return OrjsonResponse(render(delivery), status_code=202)
