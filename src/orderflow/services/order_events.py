"""Event payloads for the outbox, built from an order's state after a change."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import orjson

from orderflow.domain.events import EventType
from orderflow.domain.lifecycle import (
    PAYMENT_FIELDS,
    PAYMENT_TIME_FIELDS,
    STATUS_TIME_FIELDS,
)
from orderflow.services.unit_of_work import AppliedChange, OutboxEvent


def new_event_id() -> str:
    """A unique event id, `evt_` and 24 hex digits."""
    return "evt_" + secrets.token_hex(12)


def _dumps(data: Mapping[str, Any]) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_UTC_Z)


def _after(change: AppliedChange, now: datetime) -> dict[str, Any]:
    """The order's columns as they are once `change` is applied at `now`."""
    row = dict(change.before.row)
    d, details = change.decision, change.target.details
    row["status"] = d.status.value
    row["payment_status"] = d.payment_status.value
    row["updated_at"] = now
    if d.entered_status is not None:
        row[f"{d.entered_status.value}_time"] = now
    if d.entered_payment_status is not None:
        row[f"{d.entered_payment_status.value}_time"] = now
    for name in PAYMENT_FIELDS:
        value = getattr(details, name)
        if value is not None:
            row[name] = value
    return row


def change_events(changes: list[AppliedChange], now: datetime) -> Iterator[OutboxEvent]:
    """`order.status_changed` and `order.payment_status_changed` events, numbered per order."""
    for change in changes:
        before, d = change.before, change.decision
        row = _after(change, now)
        sequence = before.version
        common = {"id": before.id, "order_id": before.order_id, "last_updated_at": now}
        if d.entered_status is not None:
            sequence += 1
            data = {
                **common,
                "status": d.status.value,
                "previous_status": before.status.value,
                **{name: row[name] for name in STATUS_TIME_FIELDS},
                "sequence": sequence,
            }
            yield OutboxEvent(
                new_event_id(),
                EventType.ORDER_STATUS_CHANGED,
                before.id,
                sequence,
                _dumps(data),
                now,
            )
        if d.entered_payment_status is not None:
            sequence += 1
            data = {
                **common,
                "payment_status": d.payment_status.value,
                "previous_payment_status": before.payment_status.value,
                **{name: row[name] for name in PAYMENT_FIELDS},
                **{name: row[name] for name in PAYMENT_TIME_FIELDS},
                "sequence": sequence,
            }
            yield OutboxEvent(
                new_event_id(),
                EventType.ORDER_PAYMENT_STATUS_CHANGED,
                before.id,
                sequence,
                _dumps(data),
                now,
            )


def created_event(order: Mapping[str, Any]) -> OutboxEvent:
    """The `order.created` event of a new order (sequence 1)."""
    data = {name: value for name, value in order.items() if name not in ("business_id", "version")}
    data["sequence"] = 1
    return OutboxEvent(
        new_event_id(),
        EventType.ORDER_CREATED,
        order["id"],
        1,
        orjson.dumps(data, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS, default=str),
        order["created_at"],
    )
