"""Webhook payloads in each contract version, rendered from the event as the outbox stores it.

The outbox keeps the object orderflow has always sent (the order's numeric `id` and the fields it
has); the order's UUID and creation time are read with the delivery. 2025-01-01 receives that
object as stored. 2026-07-21 receives `id` as the UUID and every key of Scalev's payload examples,
those orderflow has no value for as null (or false), so a receiver written against Scalev's
examples finds each key it reads.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson

from orderflow.contracts.versions import Contract, parse_contract, shown_method
from orderflow.domain.events import EventType
from orderflow.domain.lifecycle import PAYMENT_TIME_FIELDS

# Keys of Scalev's examples orderflow has no value for: what each is when absent.
_ABSENT: dict[str, Any] = {
    "payment_link_id": None,
    "is_from_payment_link": False,
    "is_probably_spam": False,
    "mark_as_spam_by": None,
    "payment_account_id": None,
    "epayment_provider": None,
    "financial_entity": None,
    "pg_payment_info": None,
    "pg_reference_id": None,
    "pg_paid_info": None,
}
_PAYMENT_EVENT = EventType.ORDER_PAYMENT_STATUS_CHANGED.value


def username(name: str) -> str:
    """A business name as a username: lower case, words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "business"


def _payment_history(data: dict[str, Any]) -> list[dict[str, Any]]:
    # The order's row keeps when it last entered each payment status: that is its timeline.
    entered = [
        (time, name.removesuffix("_time"))
        for name in PAYMENT_TIME_FIELDS
        if isinstance(time := data.get(name), str)
    ]
    return [{"status": status, "time": time, "by": None} for time, status in sorted(entered)]


def render_data(
    contract: str,
    event_type: str,
    stored: bytes,
    business_id: int,
    business_name: str,
    order_uuid: str | None,
    order_created_at: datetime | None,
) -> bytes:
    """The `data` of a webhook for an endpoint of `contract`, from the event `stored`."""
    if event_type == EventType.BUSINESS_TEST_EVENT.value:
        return stored
    version = parse_contract(contract) or Contract.V2025_01_01
    if version is Contract.V2025_01_01 and event_type == EventType.ORDER_STATUS_CHANGED.value:
        return stored  # nothing in it differs between the versions: the bytes as stored
    data: dict[str, Any] = orjson.loads(stored)
    if version is Contract.V2025_01_01:
        data.pop("uuid", None)  # new orders' created events store it
        if "payment_method" in data:
            data["payment_method"] = shown_method(version, data["payment_method"])
        return orjson.dumps(data)
    stored_uuid = data.pop("uuid", None)  # created events store it; the others take the order's
    rendered: dict[str, Any] = {"id": order_uuid or stored_uuid or data["id"]}
    rendered.update((k, v) for k, v in data.items() if k != "id")
    if order_created_at is not None:
        rendered.setdefault("created_at", order_created_at)
    if "updated_at" in data:  # a created event stores the order's row: Scalev's name for it
        rendered.setdefault("last_updated_at", data["updated_at"])
    for key, absent in _ABSENT.items():
        rendered.setdefault(key, absent)
    rendered.setdefault("business", {"username": username(business_name), "id": business_id})
    if event_type == _PAYMENT_EVENT:
        rendered.setdefault("payment_status_history", _payment_history(data))
    return orjson.dumps(rendered, option=orjson.OPT_UTC_Z)
