"""Event payloads for the outbox, built from an order's state after a change."""

from __future__ import annotations

import operator
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import orjson

from orderflow.domain.events import EventType
from orderflow.domain.lifecycle import (
    PAYMENT_FIELDS,
    PAYMENT_TIME_FIELDS,
    STATUS_TIME_FIELDS,
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


# Payload keys in order; positions from _FIELDS_AT on are the order's own fields.
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
_FIELDS_AT = 5
_CREATED_KEYS = tuple(f.name for f in fields(OrderRow) if f.name != "version")
_status_fields = operator.attrgetter(*STATUS_TIME_FIELDS)
_payment_fields = operator.attrgetter(*PAYMENT_FIELDS, *PAYMENT_TIME_FIELDS)


@dataclass(frozen=True, slots=True)
class _Overrides:
    """The payload positions a change writes over the order's fields (the entered status's
    time, the payment fields given): the same for every order with the same decision and
    target, so worked out once per batch, not per order."""

    status: tuple[tuple[int, Any], ...]
    payment: tuple[tuple[int, Any], ...]


def _overrides(change: AppliedChange, now: datetime) -> _Overrides:
    d, details = change.decision, change.target.details
    status: dict[str, Any] = {}
    if d.entered_status is not None:
        status[f"{d.entered_status.value}_time"] = now
    payment = {
        name: value for name in PAYMENT_FIELDS if (value := getattr(details, name)) is not None
    }
    if d.entered_payment_status is not None:
        payment[f"{d.entered_payment_status.value}_time"] = now
    return _Overrides(
        tuple((_STATUS_KEYS.index(k), v) for k, v in status.items()),
        tuple((_PAYMENT_KEYS.index(k), v) for k, v in payment.items()),
    )


def _payload(
    keys: tuple[str, ...], values: list[Any], overrides: Iterable[tuple[int, Any]]
) -> bytes:
    for position, value in overrides:
        values[position] = value
    return _dumps(dict(zip(keys, values, strict=True)))


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


def _updated_payload(change: AppliedChange, now: datetime, sequence: int) -> bytes:
    before, target = change.before, change.target
    data: dict[str, Any] = {
        "id": before.id,
        "order_id": before.order_id,
        "last_updated_at": now,
        "status": before.status,
        "payment_status": before.payment_status,
    }
    for name in PAYMENT_FIELDS:
        given = getattr(target.details, name)
        data[name] = getattr(before, name) if given is None else given
    given_receipt = target.shipment_receipt
    data["shipment_receipt"] = before.shipment_receipt if given_receipt is None else given_receipt
    data["sequence"] = sequence
    return _dumps(data)


def change_events(changes: list[AppliedChange], now: datetime) -> Iterator[OutboxEvent]:
    """`order.status_changed` and `order.payment_status_changed` events, numbered per order;
    `order.updated` for an order whose statuses stay put and whose details change."""
    event_ids = iter(new_event_ids(sum(c.events for c in changes)))
    overrides: dict[tuple[int, int], _Overrides] = {}
    for change in changes:
        before, d = change.before, change.decision
        # Decisions and targets are shared by the orders they apply to (see change_status).
        key = (id(d), id(change.target))
        over = overrides.get(key)
        if over is None:
            over = overrides[key] = _overrides(change, now)
        sequence = before.version
        if not d.changes:
            sequence += 1
            yield OutboxEvent(
                next(event_ids),
                EventType.ORDER_UPDATED,
                before.id,
                sequence,
                _updated_payload(change, now, sequence),
                now,
            )
            continue
        if d.entered_status is not None:
            sequence += 1
            # Statuses are StrEnums: orjson writes their values.
            values = [before.id, before.order_id, now, d.status, before.status]
            values += _status_fields(before)
            values.append(sequence)
            status_over: Iterable[tuple[int, Any]] = over.status
            if change.entered_at is not None:  # entered on a day given with the change
                entered = (_STATUS_KEYS.index(f"{d.entered_status.value}_time"), change.entered_at)
                status_over = (*over.status, entered)
            yield OutboxEvent(
                next(event_ids),
                EventType.ORDER_STATUS_CHANGED,
                before.id,
                sequence,
                _payload(_STATUS_KEYS, values, status_over),
                now,
            )
        if d.entered_payment_status is not None:
            sequence += 1
            values = [before.id, before.order_id, now, d.payment_status, before.payment_status]
            values += _payment_fields(before)
            values.append(sequence)
            yield OutboxEvent(
                next(event_ids),
                EventType.ORDER_PAYMENT_STATUS_CHANGED,
                before.id,
                sequence,
                _payload(_PAYMENT_KEYS, values, over.payment),
                now,
            )


def deleted_event(order: OrderSnapshot, now: datetime) -> OutboxEvent:
    """The `order.deleted` event of an order deleted at `now` (its last event)."""
    sequence = order.version + 1
    data = {
        "id": order.id,
        "order_id": order.order_id,
        "last_updated_at": now,
        "status": order.status,
        "payment_status": order.payment_status,
        "sequence": sequence,
    }
    return OutboxEvent(
        new_event_id(), EventType.ORDER_DELETED, order.id, sequence, _dumps(data), now
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
