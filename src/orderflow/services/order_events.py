"""Event payloads for the outbox, built from an order's state after a change."""

from __future__ import annotations

import operator
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from orderflow.domain.events import EventType
from orderflow.domain.lifecycle import (
    PAYMENT_FIELDS,
    PAYMENT_TIME_FIELDS,
    STATUS_TIME_FIELDS,
    Decision,
    Target,
)
from orderflow.services.unit_of_work import AppliedChange, OutboxEvent


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


_status_times = operator.itemgetter(*STATUS_TIME_FIELDS)
_payment_values = operator.itemgetter(*PAYMENT_FIELDS, *PAYMENT_TIME_FIELDS)
_PAYMENT_KEYS = (*PAYMENT_FIELDS, *PAYMENT_TIME_FIELDS)


@dataclass(frozen=True, slots=True)
class _Overrides:
    """What a change writes over the order's fields in its events: the same for every order
    with the same decision and target, so it is worked out once per batch, not per order."""

    status: dict[str, Any]
    payment: dict[str, Any]


def _overrides(change: AppliedChange, now: datetime) -> _Overrides:
    d, details = change.decision, change.target.details
    status = {} if d.entered_status is None else {f"{d.entered_status.value}_time": now}
    payment = {
        name: value for name in PAYMENT_FIELDS if (value := getattr(details, name)) is not None
    }
    if d.entered_payment_status is not None:
        payment[f"{d.entered_payment_status.value}_time"] = now
    return _Overrides(status, payment)


def _event_count(changes: list[AppliedChange]) -> int:
    return sum(
        (c.decision.entered_status is not None) + (c.decision.entered_payment_status is not None)
        for c in changes
    )


def change_events(changes: list[AppliedChange], now: datetime) -> Iterator[OutboxEvent]:
    """`order.status_changed` and `order.payment_status_changed` events, numbered per order."""
    event_ids = iter(new_event_ids(_event_count(changes)))
    overrides: dict[tuple[Decision, Target], _Overrides] = {}
    for change in changes:
        before, d = change.before, change.decision
        over = overrides.get((d, change.target))
        if over is None:
            over = overrides[d, change.target] = _overrides(change, now)
        row = before.row
        sequence = before.version
        common = {"id": before.id, "order_id": before.order_id, "last_updated_at": now}
        if d.entered_status is not None:
            sequence += 1
            times = dict(zip(STATUS_TIME_FIELDS, _status_times(row), strict=True))
            times.update(over.status)  # an updated key keeps its place in the payload
            data = {
                **common,
                "status": d.status.value,
                "previous_status": before.status.value,
                **times,
                "sequence": sequence,
            }
            yield OutboxEvent(
                next(event_ids),
                EventType.ORDER_STATUS_CHANGED,
                before.id,
                sequence,
                _dumps(data),
                now,
            )
        if d.entered_payment_status is not None:
            sequence += 1
            fields = dict(zip(_PAYMENT_KEYS, _payment_values(row), strict=True))
            fields.update(over.payment)
            data = {
                **common,
                "payment_status": d.payment_status.value,
                "previous_payment_status": before.payment_status.value,
                **fields,
                "sequence": sequence,
            }
            yield OutboxEvent(
                next(event_ids),
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
