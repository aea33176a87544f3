"""How webhooks reach receivers: the URL check (no private address unless allowed, and the
address to connect to, against DNS rebinding) and the signed test event an activation sends."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson

from orderflow.domain.errors import InvalidInput, WebhookTestFailed
from orderflow.domain.events import EventType
from orderflow.domain.webhooks import envelope, is_public_address, signed_headers
from orderflow.services.change_status import Clock, utc_now
from orderflow.services.order_events import new_event_id
from orderflow.services.webhook_ports import AddressResolver, SenderFactory, UrlCheck, UrlGuard


@dataclass(frozen=True, slots=True)
class Outbound:
    """How this process reaches receivers, and whether it may reach private addresses."""

    open_sender: SenderFactory
    resolve: AddressResolver
    allow_private_urls: bool


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
