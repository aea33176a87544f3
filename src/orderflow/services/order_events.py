"""Event payloads for the outbox, built from an order's state after a change."""

from __future__ import annotations

import operator
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

import orjson

from orderflow.domain.events import EventType
from orderflow.domain.lifecycle import (
    PAYMENT_FIELDS,
    PAYMENT_TIME_FIELDS,
    STATUS_TIME_FIELDS,
    OrderStatus,
    PaymentStatus,
)
from orderflow.services.records import AppliedChange, OrderRow, OrderSnapshot, OutboxEvent


def new_event_id() -> str:
    """A unique event id, `evt_` and 24 hex digits."""
    return "evt_" + secrets.token_hex(12)


def new_event_ids(n: int) -> list[str]:
    """`n` ids like `new_event_id()`'s, from one read of the system's randomness, not `n`."""
    digits = secrets.token_hex(12 * n)
    return ["evt_" + digits[i : i + 24] for i in range(0, 24 * n, 24)]


def _dumps(data: Mapping[str, Any]) -> bytes:
    # orjson returns its whole write buffer (about 8 KB) as the bytes object; a batch holds
    # thousands of payloads until they are inserted, so keep a right-sized copy instead.
    return bytes(memoryview(orjson.dumps(data, option=orjson.OPT_UTC_Z)))


# Each event's keys, in the order its webhook `data` has them.
_STATUS_KEYS = (
    "id",
    "order_id",
    "last_updated_at",
    "status",
    "previous_status",
    *STATUS_TIME_FIELDS,
    "sequence",
)
_PAYMENT_KEYS = (
    "id",
    "order_id",
    "last_updated_at",
    "payment_status",
    "previous_payment_status",
    *PAYMENT_FIELDS,
    *PAYMENT_TIME_FIELDS,
    "sequence",
)
# `order.updated`: the order's statuses and every detail a change can write, after the change.
_UPDATED_KEYS = (
    "id",
    "order_id",
    "last_updated_at",
    "status",
    "payment_status",
    *PAYMENT_FIELDS,
    "shipment_receipt",
    "sequence",
)
_DELETED_KEYS = ("id", "order_id", "last_updated_at", "status", "payment_status", "sequence")
_EVENT_KEYS: dict[str, tuple[str, ...]] = {
    EventType.ORDER_STATUS_CHANGED: _STATUS_KEYS,
    EventType.ORDER_PAYMENT_STATUS_CHANGED: _PAYMENT_KEYS,
    EventType.ORDER_UPDATED: _UPDATED_KEYS,
    EventType.ORDER_DELETED: _DELETED_KEYS,
}
_CREATED_KEYS = tuple(f.name for f in fields(OrderRow) if f.name != "version")
_status_times = operator.attrgetter(*STATUS_TIME_FIELDS)
_payment_fields = operator.attrgetter(*PAYMENT_FIELDS, *PAYMENT_TIME_FIELDS)
# What the relay knows without the payload: the outbox row's order id and time, the delivery's
# sequence number.
_FROM_THE_ROW = frozenset({"id", "last_updated_at", "sequence"})


def _stored(data: dict[str, Any]) -> bytes:
    """The stored form of change events' data: without what the row holds (and the time of a
    status entered at the row's time), without nulls."""
    return _dumps({k: v for k, v in data.items() if v is not None and k not in _FROM_THE_ROW})


def event_data(
    event_type: str, stored: bytes, order_id: int | None, sequence: int | None, at: datetime
) -> bytes:
    """One event's `data` (the object orderflow has always sent) from its outbox row's stored
    form: the event's keys in order, those the row holds filled in, those left out null. Rows
    written before migration 0011 stored every key: they come back as they are."""
    keys = _EVENT_KEYS.get(event_type)
    if keys is None:  # `order.created` and anything else is stored whole
        return stored
    data = orjson.loads(stored)
    data.setdefault("id", order_id)
    data.setdefault("last_updated_at", at)
    data.setdefault("sequence", sequence)
    # The status a change event entered was entered at the row's time unless stored otherwise.
    if event_type == EventType.ORDER_STATUS_CHANGED:
        data.setdefault(f"{data['status']}_time", at)
    elif event_type == EventType.ORDER_PAYMENT_STATUS_CHANGED:
        data.setdefault(f"{data['payment_status']}_time", at)
    return _dumps({k: data.get(k) for k in keys})


def _status_part(change: AppliedChange, entered: OrderStatus) -> dict[str, Any]:
    before = change.before
    data: dict[str, Any] = {"status": entered, "previous_status": before.status}
    data.update(zip(STATUS_TIME_FIELDS, _status_times(before), strict=True))
    # Entered on the day given with the change, or now: the row's own time, not stored again.
    data[f"{entered.value}_time"] = change.entered_at
    return data


def _payment_part(change: AppliedChange, entered: PaymentStatus) -> dict[str, Any]:
    before, details = change.before, change.target.details
    data: dict[str, Any] = {
        "payment_status": entered,
        "previous_payment_status": before.payment_status,
    }
    data.update(zip((*PAYMENT_FIELDS, *PAYMENT_TIME_FIELDS), _payment_fields(before), strict=True))
    for name in PAYMENT_FIELDS:
        if (given := getattr(details, name)) is not None:
            data[name] = given
    for name in change.target.cleared:
        if name in data:
            data[name] = None
    data[f"{entered.value}_time"] = None  # entered now: the row's own time, not stored again
    return data


def _updated_part(change: AppliedChange) -> dict[str, Any]:
    before, target = change.before, change.target
    data: dict[str, Any] = {"status": before.status, "payment_status": before.payment_status}
    for name in PAYMENT_FIELDS:
        given = getattr(target.details, name)
        data[name] = getattr(before, name) if given is None else given
    given_receipt = target.shipment_receipt
    data["shipment_receipt"] = before.shipment_receipt if given_receipt is None else given_receipt
    for name in target.cleared:
        data[name] = None
    return data


def change_events(changes: list[AppliedChange], now: datetime) -> Iterator[OutboxEvent]:
    """One outbox row per changed order: `order.status_changed` and/or
    `order.payment_status_changed`, numbered on from the order's version, both in one row when
    both statuses move; `order.updated` for an order whose statuses stay put and whose details
    change."""
    event_ids = iter(new_event_ids(sum(c.events for c in changes)))
    for change in changes:
        before, d = change.before, change.decision
        data: dict[str, Any] = {"order_id": before.order_id}
        types: list[str] = []
        if not d.changes:
            data.update(_updated_part(change))
            types.append(EventType.ORDER_UPDATED)
        if d.entered_status is not None:
            data.update(_status_part(change, d.entered_status))
            types.append(EventType.ORDER_STATUS_CHANGED)
        if d.entered_payment_status is not None:
            data.update(_payment_part(change, d.entered_payment_status))
            types.append(EventType.ORDER_PAYMENT_STATUS_CHANGED)
        first = next(event_ids)
        second = next(event_ids) if len(types) == 2 else None
        yield OutboxEvent(
            first,
            types[0],
            before.id,
            before.version + 1,
            _stored(data),
            now,
            next_event_type=types[1] if second else None,
            next_event_id=second,
        )


def deleted_event(order: OrderSnapshot, now: datetime) -> OutboxEvent:
    """The `order.deleted` event of an order deleted at `now` (its last event)."""
    sequence = order.version + 1
    data = {
        "order_id": order.order_id,
        "status": order.status,
        "payment_status": order.payment_status,
    }
    return OutboxEvent(
        new_event_id(), EventType.ORDER_DELETED, order.id, sequence, _stored(data), now
    )


def created_event(order: OrderRow) -> OutboxEvent:
    """The `order.created` event of a new order (sequence 1): every field of the order but its
    version, then the sequence."""
    data = {name: getattr(order, name) for name in _CREATED_KEYS}
    data["sequence"] = 1
    return OutboxEvent(
        new_event_id(),
        EventType.ORDER_CREATED,
        order.id,
        1,
        orjson.dumps(data, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS, default=str),
        order.created_at,
    )
