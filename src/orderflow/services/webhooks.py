"""Webhook endpoints: register, change, activate (after a test event), rotate, delete, redeliver."""

from __future__ import annotations

import base64
import ipaddress
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson

from orderflow.domain.errors import InvalidInput, NotFound, WebhookTestFailed
from orderflow.domain.events import EventType
from orderflow.domain.webhooks import (
    SECRET_PREFIX,
    SUBSCRIBABLE_EVENTS,
    DeliveryStatus,
    envelope,
    is_public_address,
    signed_headers,
)
from orderflow.services.change_status import Clock, utc_now
from orderflow.services.order_events import new_event_id
from orderflow.services.records import Actor
from orderflow.services.unit_of_work import UnitOfWorkFactory
from orderflow.services.webhook_ports import (
    AddressResolver,
    DeliveryRecord,
    SenderFactory,
    UpdateWebhook,
    UrlCheck,
    UrlGuard,
    WebhookEndpoint,
)

SECRET_BYTES = 24


@dataclass(frozen=True, slots=True)
class Outbound:
    """How this process reaches receivers, and whether it may reach private addresses."""

    open_sender: SenderFactory
    resolve: AddressResolver
    allow_private_urls: bool


@dataclass(frozen=True, slots=True)
class CreateWebhook:
    url: str
    events: frozenset[str]
    contract: str  # the contract version its payloads follow (the caller checked it is one)
    is_active: bool = True


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: `whsec_` + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _refuse_url(message: str) -> InvalidInput:
    return InvalidInput(f"invalid webhook url: {message}", {"url": [message]})


async def check_url(url: str, outbound: Outbound) -> str | None:
    """Refuse a non-http(s) URL, and one that reaches a private address unless that is allowed.

    Returns the address a POST to `url` must connect to: the one checked here, so that a name
    that resolves to a public address now and to a private one a moment later (DNS rebinding)
    still reaches only the public one. None: connect by name (an IP literal, or private
    addresses allowed).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse_url("must be an http(s) URL with a host")
    if outbound.allow_private_urls:
        return None
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        raise _refuse_url("must not be a loopback or private address")
    try:
        literal = str(ipaddress.ip_address(host))
    except ValueError:
        literal = None
    addresses = [literal] if literal is not None else await outbound.resolve(host)
    if not addresses:
        raise _refuse_url(f"the host {host} does not resolve")
    if not all(is_public_address(a) for a in addresses):
        raise _refuse_url("must not be a loopback or private address")
    return None if literal is not None else addresses[0]


def url_guard(outbound: Outbound) -> UrlGuard:
    """`check_url` at send time: a host may resolve to a private address after registration."""

    async def check(url: str) -> UrlCheck:
        try:
            return UrlCheck(address=await check_url(url, outbound))
        except InvalidInput as exc:
            return UrlCheck(refused=exc.message)

    return check


def _check_events(events: frozenset[str]) -> None:
    unknown = sorted(events - SUBSCRIBABLE_EVENTS)
    if unknown or not events:
        raise InvalidInput(
            "invalid webhook events",
            {"events": [f"unknown event {e}" for e in unknown] or ["give at least one event"]},
        )


async def send_test_event(
    outbound: Outbound,
    business_id: int,
    url: str,
    secret: str,
    address: str | None,
    clock: Clock = utc_now,
) -> None:
    """POST `business.test_event` to `url` (at `address`, from `check_url`); raise
    WebhookTestFailed unless it answers 2xx."""
    now = clock()
    event_id = new_event_id()
    data = orjson.dumps({"business_id": business_id, "message": "orderflow webhook test"})
    body = envelope(EventType.BUSINESS_TEST_EVENT, event_id, now, data)
    async with outbound.open_sender() as sender:
        result = await sender.post(url, body, signed_headers(secret, event_id, now, body), address)
    if not result.ok:
        got = f"HTTP {result.status_code}" if result.status_code is not None else result.error
        raise WebhookTestFailed(
            f"the endpoint must answer business.test_event with 2xx to be active; got {got}"
        )


async def create_webhook(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: CreateWebhook,
    outbound: Outbound,
    clock: Clock = utc_now,
) -> WebhookEndpoint:
    """Register an endpoint; an active one must first answer `business.test_event` with 2xx."""
    _check_events(command.events)
    address = await check_url(command.url, outbound)
    secret = new_secret()
    if command.is_active:
        await send_test_event(outbound, actor.business_id, command.url, secret, address, clock)
    async with uow_factory(actor.business_id) as uow:
        endpoint_id = await uow.webhooks.add(
            command.url, command.events, command.is_active, secret, command.contract, clock()
        )
        endpoint = await uow.webhooks.get(endpoint_id)
        await uow.commit()
    assert endpoint is not None
    return endpoint


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
) -> WebhookEndpoint:
    """Change an endpoint; activating it (or moving an active one) needs a 2xx test event.

    Only the fields `command` sets are written, so a rotation of the secret (or another change)
    landing while the test event is out is kept.
    """
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
    async with uow_factory(actor.business_id) as uow:
        if not await uow.webhooks.update(webhook_id, command, clock()):
            raise NotFound(f"webhook {webhook_id} not found")
        changed = await uow.webhooks.get(webhook_id)
        await uow.commit()
    assert changed is not None
    return changed


async def rotate_secret(
    uow_factory: UnitOfWorkFactory, actor: Actor, webhook_id: int, clock: Clock = utc_now
) -> WebhookEndpoint:
    """Give an endpoint a new signing secret; deliveries from now on are signed with it."""
    async with uow_factory(actor.business_id) as uow:
        if not await uow.webhooks.set_secret(webhook_id, new_secret(), clock()):
            raise NotFound(f"webhook {webhook_id} not found")
        rotated = await uow.webhooks.get(webhook_id)
        await uow.commit()
    assert rotated is not None
    return rotated


async def delete_webhook(
    uow_factory: UnitOfWorkFactory, actor: Actor, webhook_id: int, clock: Clock = utc_now
) -> None:
    """Delete an endpoint; its undelivered events are canceled (its delivery log is kept)."""
    async with uow_factory(actor.business_id) as uow:
        if not await uow.webhooks.delete(webhook_id, clock()):
            raise NotFound(f"webhook {webhook_id} not found")
        await uow.commit()


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
) -> DeliveryRecord:
    """Queue one more attempt of a delivery, now (the relay sends it on its next round)."""
    async with uow_factory(actor.business_id) as uow:
        if await uow.webhooks.get(webhook_id) is None:
            raise NotFound(f"webhook {webhook_id} not found")
        delivery = await uow.webhooks.redeliver(webhook_id, delivery_id, clock())
        if delivery is None:
            raise NotFound(f"delivery {delivery_id} not found")
        await uow.commit()
    return delivery
