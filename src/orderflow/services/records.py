"""Typed records that cross between the services and storage: what is read and written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from orderflow.domain.lifecycle import (
    ChangeKind,
    Decision,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Target,
)

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


@dataclass(slots=True)  # not frozen: a 10,000-order batch builds 10,000 (3.3 µs each frozen, 0.4)
class OrderSnapshot:
    """An order as the change path sees it, read while its row is locked: its state and every
    field its events carry. The fields are in the order the snapshot statement reads them
    (`change_statements.SNAPSHOT_NAMES` is made from them). Nothing changes one once read."""

    id: int
    uuid: UUID
    order_id: str
    status: OrderStatus
    payment_status: PaymentStatus
    version: int
    payment_method: str | None
    financial_entity_id: int | None
    payment_account_holder: str | None
    payment_account_number: str | None
    transfer_time: datetime | None
    transferproof_url: str | None
    rtsproof_url: str | None
    draft_time: datetime | None
    pending_time: datetime | None
    confirmed_time: datetime | None
    in_process_time: datetime | None
    ready_time: datetime | None
    shipped_time: datetime | None
    completed_time: datetime | None
    canceled_time: datetime | None
    rts_time: datetime | None
    closed_time: datetime | None
    unpaid_time: datetime | None
    paid_time: datetime | None
    conflict_time: datetime | None
    settled_time: datetime | None
    shipment_receipt: str | None
    created_at: datetime


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
    """One outbox row: an event, or the two events of one order change that moves both
    statuses (`order.status_changed` numbered `sequence`, then `next_event_type` numbered
    `sequence + 1`). `payload` is the stored form the relay renders each event from (see
    `order_events.event_data`)."""

    event_id: str
    event_type: str
    order_id: int | None
    sequence: int | None
    payload: bytes
    created_at: datetime
    next_event_type: str | None = None
    next_event_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One line of an order, as it is created and read."""

    name: str
    quantity: int
    price: Decimal


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A validated order to create."""

    customer_name: str
    customer_phone: str | None
    customer_email: str | None
    items: Sequence[OrderItem]
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
    kind: ChangeKind
    shipment_receipt: str | None
    # The payment details given with the change (None: not given).
    payment_method: str | None
    financial_entity_id: int | None
    payment_account_holder: str | None
    payment_account_number: str | None
    transfer_time: datetime | None
    transferproof_url: str | None
    rtsproof_url: str | None
    reverts: str | None = None  # on a revert's row: the request id it reverted


@dataclass(frozen=True, slots=True)
class RecordedChange:
    """One history row of a request, with the order it changed, as a revert and the request's
    own page read it."""

    history_id: int
    order_id: int
    order_uuid: UUID
    order_number: str
    kind: ChangeKind
    from_status: OrderStatus | None  # None: the row made the order
    to_status: OrderStatus
    from_payment_status: PaymentStatus | None
    to_payment_status: PaymentStatus
    # The details the change gave (a name absent: not given), and the values the details it
    # wrote held before it (a detail it wrote, absent here: held none; None: it wrote none, or
    # it was recorded before migration 0012).
    given: dict[str, Any]
    previous: dict[str, Any] | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LaterChange:
    """A history row of an order after some row: who changed it since, and whether it was a
    revert (of which request)."""

    order_id: int
    history_id: int
    request_id: str | None
    reverts: str | None


@dataclass(frozen=True, slots=True)
class RequestSummary:
    """What one request did, counted: its rows, the orders they changed, when, by whom."""

    request_id: str
    changes: int
    orders: int
    first_at: datetime
    last_at: datetime
    by: str | None
    api_key_prefix: str | None
    reverts: str | None  # the request it reverted, if it was a revert
    reverted_by: list[str]  # the requests that reverted (some of) it


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


@dataclass(slots=True)  # not frozen, like OrderSnapshot: an export builds one per row
class OrderRow:
    """Every column of an order but its business, as lists, exports and reads show it; in the
    table's column order (`order_listing.ORDER_ROW_COLUMNS` is made from these names)."""

    id: int
    uuid: UUID
    order_id: str
    status: str
    payment_status: str
    payment_method: str | None
    customer_name: str
    customer_phone: str | None
    customer_email: str | None
    subtotal: Decimal
    shipping_cost: Decimal
    total: Decimal
    financial_entity_id: int | None
    payment_account_holder: str | None
    payment_account_number: str | None
    transfer_time: datetime | None
    transferproof_url: str | None
    rtsproof_url: str | None
    draft_time: datetime | None
    pending_time: datetime | None
    confirmed_time: datetime | None
    in_process_time: datetime | None
    ready_time: datetime | None
    shipped_time: datetime | None
    completed_time: datetime | None
    canceled_time: datetime | None
    rts_time: datetime | None
    closed_time: datetime | None
    unpaid_time: datetime | None
    paid_time: datetime | None
    conflict_time: datetime | None
    settled_time: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    shipment_receipt: str | None
    deleted_at: datetime | None  # None wherever an order is read: a deleted one is absent


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """A whole order for reading: its columns, items and history."""

    order: OrderRow
    items: list[OrderItem]
    history: list[HistoryEntry]


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


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The answer to a request with an idempotency key, exactly as it was sent."""

    status_code: int
    body: bytes
    secret: bool = False  # it holds a secret: stored sealed (adapters/idempotency_store.py)


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    fingerprint: str
    response: StoredResponse
