"""Ports of the webhook services: endpoint storage, the delivery queue, and the HTTP sender."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from orderflow.domain.webhooks import DeliveryStatus


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: int
    url: str
    events: frozenset[str]
    is_active: bool
    secret: str
    created_at: datetime
    updated_at: datetime
    contract: str  # the contract version its payloads follow


@dataclass(frozen=True, slots=True)
class UpdateWebhook:
    """The fields a change of an endpoint sets; None leaves a field as it is. The secret is not
    one of them: only a rotation changes it."""

    url: str | None = None
    events: frozenset[str] | None = None
    is_active: bool | None = None
    contract: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One POST of a delivery: when, what came back (or why nothing did) and how long it took."""

    number: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One event for one endpoint, with every attempt made so far."""

    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    order_id: int | None
    sequence: int | None
    status: DeliveryStatus
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[DeliveryAttempt] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery leased to one relay for one attempt (`attempt` is that attempt's number)."""

    id: int
    attempt: int
    max_attempts: int
    url: str
    secret: str
    event_id: str
    event_type: str
    occurred_at: datetime
    sequence: int | None  # the event's number in its order's history
    data: bytes  # the outbox row's payload as stored (see `order_events.event_data`)
    contract: str  # the endpoint's contract version, which renders `data`
    order_id: int | None  # the order's numeric id
    order_uuid: str | None  # and its UUID and creation time, read with the delivery
    order_created_at: datetime | None
    business_id: int
    business_name: str


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """One attempt, to be recorded, and the state its delivery moves to."""

    delivery_id: int
    attempt: DeliveryAttempt
    status: DeliveryStatus
    next_attempt_at: datetime


class WebhookRepository(Protocol):
    """Endpoints and their deliveries, of one business; another business's do not exist here."""

    async def add(
        self,
        url: str,
        events: frozenset[str],
        is_active: bool,
        secret: str,
        contract: str,
        now: datetime,
    ) -> int: ...

    async def get(self, id: int) -> WebhookEndpoint | None: ...

    async def list_all(self) -> list[WebhookEndpoint]: ...

    async def update(self, id: int, changes: UpdateWebhook, now: datetime) -> bool: ...

    async def set_secret(self, id: int, secret: str, now: datetime) -> bool: ...

    async def delete(self, id: int, now: datetime) -> bool: ...

    async def deliveries(
        self, endpoint_id: int, limit: int, before_id: int | None, status: DeliveryStatus | None
    ) -> list[DeliveryRecord]: ...

    async def redeliver(
        self, endpoint_id: int, delivery_id: int, now: datetime
    ) -> DeliveryRecord | None: ...


class DeliveryQueue(Protocol):
    """Every business's deliveries, for the relay: fan the outbox out, lease, record."""

    async def fan_out(self, limit: int, max_attempts: int, now: datetime) -> int: ...

    async def claim(
        self, limit: int, now: datetime, lease_until: datetime
    ) -> list[ClaimedDelivery]: ...

    async def record(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class SendResult:
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    """POSTs a body to a receiver and says what happened (never raises for its faults)."""

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], address: str | None = None
    ) -> SendResult:
        """`address`: the IP address to connect to (the one `check_url` approved), keeping the
        URL's host name for the Host header and TLS; None: connect by name."""
        ...


class SenderFactory(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[WebhookSender]: ...


@dataclass(frozen=True, slots=True)
class UrlCheck:
    """Whether a receiver URL may be sent to right now (checked again at send time), and where."""

    refused: str | None = None  # why not
    address: str | None = None  # the IP address the POST must connect to; None: by name


UrlGuard = Callable[[str], Awaitable[UrlCheck]]


class AddressResolver(Protocol):
    """The IP addresses a host name resolves to (empty when it does not resolve)."""

    async def __call__(self, host: str) -> list[str]: ...
