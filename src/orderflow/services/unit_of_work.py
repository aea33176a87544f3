"""Ports: what the services need from storage. `adapters/` implements them with SQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from orderflow.domain.errors import OrderflowError
from orderflow.domain.lifecycle import (
    ChangeKind,
    Decision,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Target,
)
from orderflow.services.webhook_ports import DeliveryQueue, WebhookRepository


class StorageUnavailable(OrderflowError):
    """The database cannot be reached or dropped the connection: retry after a moment."""

    code = "database_unavailable"


class IdempotencyKeyInUse(OrderflowError):
    """Another request with the same idempotency key is still running."""

    code = "idempotency_key_in_use"


class StorageConflict(OrderflowError):
    """The database aborted the transaction to settle a conflict (serialization failure,
    deadlock, lock timeout); running the command again can succeed."""

    code = "database_busy"


# How a caller names an order: its UUIDv7 (today's contract) or its legacy numeric id.
OrderRef = int | UUID
# Numeric ids are positive 64-bit integers; a number outside names no order.
MAX_ORDER_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, for history and scoping: the business, its API key and the request."""

    business_id: int
    api_key_id: int | None = None
    api_key_prefix: str | None = None
    request_id: str | None = None


@dataclass(slots=True)
class OrderSnapshot:
    """An order as the change path sees it, read while its row is locked."""

    id: int
    uuid: UUID
    order_id: str
    status: OrderStatus
    payment_status: PaymentStatus
    version: int
    row: Mapping[str, Any]  # the state and every field its events carry, by column name


@dataclass(frozen=True, slots=True)
class AppliedChange:
    """One order that changes: its state before, the decision, and what was asked. An order
    whose status and payment status stay put changes its details only (`decision.changes` is
    False). `entered_at`: when it entered its new status, if not at the time of the change."""

    before: OrderSnapshot
    decision: Decision
    target: Target
    entered_at: datetime | None = None

    @property
    def kind(self) -> ChangeKind:
        return ChangeKind.STATUS if self.decision.changes else ChangeKind.DETAILS

    @property
    def events(self) -> int:
        """How many events the change makes: one per status that moves, or `order.updated`."""
        d = self.decision
        return (d.entered_status is not None) + (d.entered_payment_status is not None) or 1


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    event_id: str
    event_type: str
    order_id: int | None
    sequence: int | None
    payload: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewItem:
    name: str
    quantity: int
    price: Decimal


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A validated order to create."""

    customer_name: str
    customer_phone: str | None
    customer_email: str | None
    items: Sequence[NewItem]
    shipping_cost: Decimal
    payment_method: PaymentMethod | None
    uuid: UUID | None = None  # made by the service (UUIDv7); the database makes one without


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One applied change of an order, as the history shows it."""

    from_status: str | None
    to_status: str
    from_payment_status: str | None
    to_payment_status: str
    by: str | None
    api_key_prefix: str | None
    request_id: str | None
    created_at: datetime
    payment: dict[str, Any] = field(default_factory=dict)
    kind: ChangeKind = ChangeKind.STATUS
    shipment_receipt: str | None = None


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Which orders of a business a list or export shows (every given part must match)."""

    statuses: frozenset[OrderStatus] = frozenset()
    payment_status: PaymentStatus | None = None
    payment_method: PaymentMethod | None = None
    created_since: datetime | None = None  # inclusive
    created_until: datetime | None = None  # exclusive
    search: str | None = None  # order number, customer name, phone or email; partial, any case
    # The one order column `search` looks in (order_id, shipment_receipt, customer_name,
    # customer_email or customer_phone), or None for the search document (all but the receipt).
    search_field: str | None = None
    shipment_receipt: str | None = None  # exactly this tracking number


@dataclass(frozen=True, slots=True)
class StatisticsQuery:
    """What to count of the orders matching `where`: per status, per period of `time_field`
    (the `<status>_time` an order entered that status) in `tz`, both, or neither."""

    where: OrderFilter
    by_status: bool = False
    period: str | None = None  # "day", "week" (starting Monday) or "month"
    time_field: str = "draft_time"
    tz: str = "Asia/Jakarta"


@dataclass(frozen=True, slots=True)
class StatisticsRow:
    """Orders counted together, and their gross revenue (the sum of their totals)."""

    count: int
    gross_revenue: Decimal
    status: OrderStatus | None = None
    period: date | None = None  # the first day of the period, in the query's time zone


@dataclass(frozen=True, slots=True)
class Keyset:
    """A position in the newest-first order of orders: (created_at, id), both descending."""

    created_at: datetime
    id: int


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """A whole order for reading: its columns, items and history."""

    columns: dict[str, Any]
    items: list[dict[str, Any]]
    history: list[HistoryEntry]


class OrderRepository(Protocol):
    """Orders of one business; an order of another business does not exist here."""

    async def lock_for_change(
        self, ids: Sequence[int], *, lock: bool = True
    ) -> dict[int, OrderSnapshot]: ...

    async def lock_by_uuid(
        self, uuids: Sequence[UUID], *, lock: bool = True
    ) -> dict[int, OrderSnapshot]:
        """`lock_for_change` for orders named by UUID, in one statement."""
        ...

    async def update_many(self, changes: Sequence[AppliedChange], now: datetime) -> None: ...

    async def delete_many(self, ids: Sequence[int], now: datetime) -> None:
        """Mark the orders deleted at `now` (they are locked by `lock_for_change` first)."""
        ...

    async def add(
        self, order: NewOrder, order_id: str, status: OrderStatus, now: datetime
    ) -> int | None: ...

    async def get(self, ref: OrderRef) -> OrderRecord | None: ...

    async def history(self, ref: OrderRef) -> list[HistoryEntry] | None: ...

    async def ids_by_uuid(self, uuids: Sequence[UUID]) -> dict[UUID, int]:
        """The numeric ids of the orders with these UUIDs (unknown ones are absent)."""
        ...

    async def list_page(
        self, where: OrderFilter, after: Keyset | None, *, older: bool, limit: int
    ) -> list[dict[str, Any]]:
        """Up to `limit` orders past `after` (older: newest first; newer: oldest first)."""
        ...

    def stream(self, where: OrderFilter) -> AsyncIterator[list[dict[str, Any]]]:
        """Every matching order, newest first, in batches (never all of them in memory)."""
        ...

    async def ids_by_number(self, numbers: Sequence[str]) -> dict[str, int]: ...

    async def statistics(self, query: StatisticsQuery) -> list[StatisticsRow]:
        """The matching orders counted per status and/or period (one row without either)."""
        ...


class HistoryRepository(Protocol):
    async def add_changes(
        self, changes: Sequence[AppliedChange], actor: Actor, now: datetime
    ) -> None: ...

    async def add_deletions(
        self, orders: Sequence[OrderSnapshot], actor: Actor, now: datetime
    ) -> None:
        """One `deleted` row per order (its statuses as they were)."""
        ...

    async def add_creation(
        self,
        order_id: int,
        status: OrderStatus,
        payment_status: PaymentStatus,
        actor: Actor,
        now: datetime,
    ) -> None: ...


class Outbox(Protocol):
    async def add_many(self, events: Iterable[OutboxEvent]) -> None: ...


@dataclass(frozen=True, slots=True)
class BusinessRecord:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: int
    business_id: int
    prefix: str
    key_hash: str
    scopes: frozenset[str]
    revoked: bool
    contract: str  # the contract version it answers in by default


class TenantRepository(Protocol):
    """Businesses and their API keys (read before any business is known)."""

    async def add_business(self, name: str, now: datetime) -> int: ...

    async def get_business(self, business_id: int) -> BusinessRecord | None: ...

    async def find_business_by_name(self, name: str) -> BusinessRecord | None: ...

    async def add_api_key(
        self,
        business_id: int,
        prefix: str,
        key_hash: str,
        scopes: frozenset[str],
        contract: str,
        now: datetime,
    ) -> int: ...

    async def find_api_key(self, prefix: str) -> ApiKeyRecord | None: ...

    async def revoke_api_key(self, prefix: str, now: datetime) -> bool: ...


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The answer to a request with an idempotency key, exactly as it was sent."""

    status_code: int
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    fingerprint: str
    response: StoredResponse


class IdempotencyStore(Protocol):
    """Answers stored under idempotency keys of one business (expired ones do not exist)."""

    async def find(self, key: str, now: datetime) -> IdempotencyRecord | None: ...

    async def save(
        self, key: str, fingerprint: str, response: StoredResponse, now: datetime
    ) -> None: ...


class UnitOfWork(Protocol):
    """One transaction for one command; `commit()` is the only way anything is kept.

    `orders`, `history`, `outbox` and `webhooks` are scoped to the unit's business; `tenants`
    and `deliveries` (the relay's queue, across businesses) are not.
    """

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def history(self) -> HistoryRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def tenants(self) -> TenantRepository: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def deliveries(self) -> DeliveryQueue: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work for one business (or none, for tenant administration).

    With `idempotency_key`, the unit also claims that key of the business for as long as it
    runs: opening it raises `IdempotencyKeyInUse` while another unit holds the same key.
    """

    def __call__(
        self,
        business_id: int | None = None,
        *,
        write: bool = True,
        idempotency_key: str | None = None,
    ) -> UnitOfWork: ...


class RateCounter(Protocol):
    """Counts hits per bucket in fixed windows, shared by every server process that must agree."""

    async def hit(self, bucket: str, windows: Sequence[int], now: float) -> list[int]:
        """Count one hit in the current window of each length (seconds); the counts after it."""
        ...
