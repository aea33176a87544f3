"""The change path's events: one outbox row per changed order, rendered back into each event's
`data` exactly as orderflow has always sent it. No database: snapshots are built here."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson

from orderflow.domain.events import EventType
from orderflow.domain.lifecycle import (
    PAYMENT_FIELDS,
    PAYMENT_TIME_FIELDS,
    STATUS_TIME_FIELDS,
    OrderStatus,
    PaymentDetails,
    PaymentMethod,
    PaymentStatus,
    Target,
    decide,
)
from orderflow.services.order_events import change_events, deleted_event, event_data
from orderflow.services.records import AppliedChange, OrderSnapshot, OutboxEvent

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
MADE = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
Z = "2026-12-03T08:00:00Z"


def _snapshot(status: OrderStatus, payment: PaymentStatus, **given: Any) -> OrderSnapshot:
    empty = dict.fromkeys(f.name for f in fields(OrderSnapshot)[6:])
    values = {**empty, "created_at": MADE, "pending_time": MADE, "unpaid_time": MADE, **given}
    return OrderSnapshot(7, UUID(int=7), "261120ABC", status, payment, 1, **values)


def _change(before: OrderSnapshot, target: Target) -> AppliedChange:
    return AppliedChange(before, decide(before.status, before.payment_status, target), target)


def _events(row: OutboxEvent) -> list[tuple[str, str, dict[str, Any]]]:
    """What the relay makes of one row: (event id, type, data) per event."""
    kinds = [(row.event_id, row.event_type, row.sequence)]
    if row.next_event_type is not None:
        assert row.next_event_id is not None and row.sequence is not None
        kinds.append((row.next_event_id, row.next_event_type, row.sequence + 1))
    return [
        (
            event_id,
            kind,
            orjson.loads(event_data(kind, row.payload, row.order_id, seq, row.created_at)),
        )
        for event_id, kind, seq in kinds
    ]


def test_a_change_of_both_statuses_is_one_row_holding_both_events() -> None:
    details = PaymentDetails(
        payment_method=PaymentMethod.BANK_TRANSFER, payment_account_holder="Siti Aminah"
    )
    target = Target(OrderStatus.CONFIRMED, PaymentStatus.PAID, details)
    before = _snapshot(OrderStatus.PENDING, PaymentStatus.UNPAID)

    (row,) = change_events([_change(before, target)], NOW)

    (status_id, status_type, status), (paid_id, paid_type, paid) = _events(row)
    assert (status_type, paid_type) == ("order.status_changed", "order.payment_status_changed")
    assert status_id != paid_id and status_id.startswith("evt_") and paid_id.startswith("evt_")
    # every key of each event, in its order, those with no value null
    assert list(status) == [
        "id",
        "order_id",
        "last_updated_at",
        "status",
        "previous_status",
        *STATUS_TIME_FIELDS,
        "sequence",
    ]
    assert list(paid) == [
        "id",
        "order_id",
        "last_updated_at",
        "payment_status",
        "previous_payment_status",
        *PAYMENT_FIELDS,
        *PAYMENT_TIME_FIELDS,
        "sequence",
    ]
    assert status == {
        **dict.fromkeys(STATUS_TIME_FIELDS),
        "id": 7,
        "order_id": "261120ABC",
        "last_updated_at": Z,
        "status": "confirmed",
        "previous_status": "pending",
        "pending_time": "2026-11-20T03:00:00Z",
        "confirmed_time": Z,
        "sequence": 2,
    }
    assert paid == {
        **dict.fromkeys((*PAYMENT_FIELDS, *PAYMENT_TIME_FIELDS)),
        "id": 7,
        "order_id": "261120ABC",
        "last_updated_at": Z,
        "payment_status": "paid",
        "previous_payment_status": "unpaid",
        "payment_method": "bank_transfer",
        "payment_account_holder": "Siti Aminah",
        "unpaid_time": "2026-11-20T03:00:00Z",
        "paid_time": Z,
        "sequence": 3,
    }
    # the row stores neither nulls nor what the row's own columns hold
    stored = orjson.loads(row.payload)
    assert None not in stored.values()
    assert {"id", "last_updated_at", "sequence", "confirmed_time", "paid_time"}.isdisjoint(stored)


def test_a_status_entered_on_a_given_day_keeps_that_day() -> None:
    before = _snapshot(OrderStatus.READY, PaymentStatus.PAID)
    day = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    target = Target(OrderStatus.SHIPPED)
    decision = decide(before.status, before.payment_status, target)
    change = AppliedChange(before, decision, target, day)

    (row,) = change_events([change], NOW)

    ((_, _, data),) = _events(row)
    assert data["shipped_time"] == "2026-12-01T17:00:00Z" and data["last_updated_at"] == Z


def test_a_change_of_one_status_is_one_event() -> None:
    before = _snapshot(OrderStatus.CONFIRMED, PaymentStatus.PAID)

    (row,) = change_events([_change(before, Target(OrderStatus.IN_PROCESS))], NOW)

    assert row.next_event_type is None and row.next_event_id is None
    ((_, kind, data),) = _events(row)
    assert kind == "order.status_changed" and data["status"] == "in_process"
    assert "payment_status" not in data


def test_a_change_of_details_only_is_an_updated_event() -> None:
    before = _snapshot(OrderStatus.SHIPPED, PaymentStatus.PAID, payment_method="cod")
    target = Target(None, None, shipment_receipt="JNE123")

    (row,) = change_events([_change(before, target)], NOW)

    ((_, kind, data),) = _events(row)
    assert kind == EventType.ORDER_UPDATED
    assert data["shipment_receipt"] == "JNE123" and data["payment_method"] == "cod"
    assert data["transferproof_url"] is None and data["sequence"] == 2


def test_a_row_written_before_the_stored_form_comes_back_byte_for_byte() -> None:
    # an event stored whole by the release before migration 0011
    old = orjson.dumps(
        {
            "id": 7,
            "order_id": "261120ABC",
            "last_updated_at": Z,
            "status": "shipped",
            "payment_status": "paid",
            "sequence": 5,
        }
    )
    assert event_data("order.deleted", old, 7, 5, NOW) == old
    created = b'{"id":7,"anything":null}'
    assert event_data("order.created", created, 7, 1, NOW) == created


def test_a_deleted_event_renders_every_key() -> None:
    row = deleted_event(_snapshot(OrderStatus.CANCELED, PaymentStatus.UNPAID), NOW)
    ((_, kind, data),) = _events(row)
    assert kind == "order.deleted"
    assert data == {
        "id": 7,
        "order_id": "261120ABC",
        "last_updated_at": Z,
        "status": "canceled",
        "payment_status": "unpaid",
        "sequence": 2,
    }
