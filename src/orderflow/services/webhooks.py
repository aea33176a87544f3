"""Webhook endpoints: register, change, activate (after a test event), rotate, delete, redeliver."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from orderflow.domain.errors import InvalidInput, NotFound
from orderflow.domain.webhooks import (
    SECRET_PREFIX,
    SUBSCRIBABLE_EVENTS,
    DeliveryStatus,
)
from orderflow.services.change_status import Clock, utc_now
from orderflow.services.idempotency import Idempotent, remember, replay_if_seen
from orderflow.services.records import Actor
from orderflow.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from orderflow.services.webhook_outbound import Outbound, check_url, send_test_event
from orderflow.services.webhook_ports import (
    DeliveryRecord,
    UpdateWebhook,
    WebhookEndpoint,
)

SECRET_BYTES = 24
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class CreateWebhook:
    url: str
    events: frozenset[str]
    contract: str  # the contract version its payloads follow (the caller checked it is one)
    is_active: bool = True


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: `whsec_` + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _check_events(events: frozenset[str]) -> None:
    unknown = sorted(events - SUBSCRIBABLE_EVENTS)
    if unknown or not events:
        raise InvalidInput(
            "invalid webhook events",
            {"events": [f"unknown event {e}" for e in unknown] or ["give at least one event"]},
        )


async def _replay_early(
    uow_factory: UnitOfWorkFactory, actor: Actor, idempotency: Idempotent[R] | None, clock: Clock
) -> None:
    """A retry whose first answer is stored is replayed before any test event goes out."""
    if idempotency is not None:
        async with uow_factory(actor.business_id, write=False) as uow:
            await replay_if_seen(uow, idempotency.key, clock())


async def _changing(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    idempotency: Idempotent[R] | None,
    clock: Clock,
    work: Callable[[UnitOfWork, datetime], Awaitable[R]],
) -> R:
    """`work` in one unit of work, which (with a key) also replays or stores the answer."""
    key = idempotency.key.key if idempotency is not None else None
    async with uow_factory(actor.business_id, idempotency_key=key) as uow:
        now = clock()
        if idempotency is not None:
            await replay_if_seen(uow, idempotency.key, now)
        result = await work(uow, now)
        if idempotency is not None:
            await remember(uow, idempotency, result, now)
        await uow.commit()
    return result


async def create_webhook(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: CreateWebhook,
    outbound: Outbound,
    clock: Clock = utc_now,
    idempotency: Idempotent[WebhookEndpoint] | None = None,
) -> WebhookEndpoint:
    """Register an endpoint; an active one must first answer `business.test_event` with 2xx."""
    _check_events(command.events)
    await _replay_early(uow_factory, actor, idempotency, clock)
    address = await check_url(command.url, outbound)
    secret = new_secret()
    if command.is_active:
        await send_test_event(outbound, actor.business_id, command.url, secret, address, clock)

    async def add(uow: UnitOfWork, now: datetime) -> WebhookEndpoint:
        endpoint_id = await uow.webhooks.add(
            command.url, command.events, command.is_active, secret, command.contract, now
        )
        endpoint = await uow.webhooks.get(endpoint_id)
        assert endpoint is not None
        return endpoint

    return await _changing(uow_factory, actor, idempotency, clock, add)


async def list_webhooks(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[WebhookEndpoint]:
    """Every endpoint of the caller's business."""
    async with uow_factory(actor.business_id, write=False) as uow:
        return await uow.webhooks.list_all()


async def get_webhook(
    uow_factory: UnitOfWorkFactory, actor: Actor, webhook_id: int
) -> WebhookEndpoint:
    """One endpoint of the caller's business (another business's is not found)."""
    async with uow_factory(actor.business_id, write=False) as uow:
        endpoint = await uow.webhooks.get(webhook_id)
    if endpoint is None:
        raise NotFound(f"webhook {webhook_id} not found")
    return endpoint


async def update_webhook(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    webhook_id: int,
    command: UpdateWebhook,
    outbound: Outbound,
    clock: Clock = utc_now,
    idempotency: Idempotent[WebhookEndpoint] | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; activating it (or moving an active one) needs a 2xx test event.

    Only the fields `command` sets are written, so a rotation of the secret (or another change)
    landing while the test event is out is kept.
    """
    await _replay_early(uow_factory, actor, idempotency, clock)
    current = await get_webhook(uow_factory, actor, webhook_id)
    if command.events is not None:
        _check_events(command.events)
    url = command.url if command.url is not None else current.url
    active = command.is_active if command.is_active is not None else current.is_active
    testing = active and (not current.is_active or url != current.url)
    if url != current.url or testing:
        address = await check_url(url, outbound)
    if testing:
        await send_test_event(outbound, actor.business_id, url, current.secret, address, clock)

    async def change(uow: UnitOfWork, now: datetime) -> WebhookEndpoint:
        if not await uow.webhooks.update(webhook_id, command, now):
            raise NotFound(f"webhook {webhook_id} not found")
        changed = await uow.webhooks.get(webhook_id)
        assert changed is not None
        return changed

    return await _changing(uow_factory, actor, idempotency, clock, change)


async def rotate_secret(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    webhook_id: int,
    clock: Clock = utc_now,
    idempotency: Idempotent[WebhookEndpoint] | None = None,
) -> WebhookEndpoint:
    """Give an endpoint a new signing secret; deliveries from now on are signed with it."""

    async def rotate(uow: UnitOfWork, now: datetime) -> WebhookEndpoint:
        if not await uow.webhooks.set_secret(webhook_id, new_secret(), now):
            raise NotFound(f"webhook {webhook_id} not found")
        rotated = await uow.webhooks.get(webhook_id)
        assert rotated is not None
        return rotated

    return await _changing(uow_factory, actor, idempotency, clock, rotate)


async def delete_webhook(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    webhook_id: int,
    clock: Clock = utc_now,
    idempotency: Idempotent[None] | None = None,
) -> None:
    """Delete an endpoint; its undelivered events are canceled (its delivery log is kept)."""

    async def delete(uow: UnitOfWork, now: datetime) -> None:
        if not await uow.webhooks.delete(webhook_id, now):
            raise NotFound(f"webhook {webhook_id} not found")

    await _changing(uow_factory, actor, idempotency, clock, delete)


async def list_deliveries(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    webhook_id: int,
    *,
    limit: int = 50,
    before_id: int | None = None,
    status: DeliveryStatus | None = None,
) -> list[DeliveryRecord]:
    """An endpoint's deliveries, newest first, each with every attempt."""
    async with uow_factory(actor.business_id, write=False) as uow:
        if await uow.webhooks.get(webhook_id) is None:
            raise NotFound(f"webhook {webhook_id} not found")
        return await uow.webhooks.deliveries(webhook_id, limit, before_id, status)


async def redeliver(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    webhook_id: int,
    delivery_id: int,
    clock: Clock = utc_now,
    idempotency: Idempotent[DeliveryRecord] | None = None,
) -> DeliveryRecord:
    """Queue one more attempt of a delivery, now (the relay sends it on its next round)."""

    async def queue(uow: UnitOfWork, now: datetime) -> DeliveryRecord:
        if await uow.webhooks.get(webhook_id) is None:
            raise NotFound(f"webhook {webhook_id} not found")
        delivery = await uow.webhooks.redeliver(webhook_id, delivery_id, now)
        if delivery is None:
            raise NotFound(f"delivery {delivery_id} not found")
        return delivery

    return await _changing(uow_factory, actor, idempotency, clock, queue)
