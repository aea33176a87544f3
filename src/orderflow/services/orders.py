"""Create and read orders."""

from __future__ import annotations

import os
import secrets
import string
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from orderflow.domain.errors import NotFound, OrderflowError
from orderflow.domain.lifecycle import PaymentStatus, initial_status
from orderflow.services.change_status import Clock, utc_now
from orderflow.services.idempotency import Idempotent, remember, replay_if_seen
from orderflow.services.order_events import created_event
from orderflow.services.records import Actor, NewOrder, OrderRecord, OrderRef
from orderflow.services.retry import retrying
from orderflow.services.unit_of_work import UnitOfWorkFactory

JAKARTA = ZoneInfo("Asia/Jakarta")
_LETTERS = string.ascii_uppercase
_ATTEMPTS = 20


def order_number(now: datetime, pick: Callable[[str], str] = secrets.choice) -> str:
    """A business-facing order number: YYMMDD in Jakarta, then 6 random uppercase letters."""
    return now.astimezone(JAKARTA).strftime("%y%m%d") + "".join(pick(_LETTERS) for _ in range(6))


def uuid7(now: datetime, random_bits: Callable[[int], bytes] = os.urandom) -> UUID:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, the version, then random bits."""
    value = (int(now.timestamp() * 1000) & (2**48 - 1)) << 80
    value |= int.from_bytes(random_bits(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # variant 10
    return UUID(int=value)


async def create_order(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    order: NewOrder,
    clock: Clock = utc_now,
    idempotency: Idempotent[OrderRecord] | None = None,
) -> OrderRecord:
    """Create an order (draft without a payment method, else pending), its history and event."""
    return await retrying(lambda: _create(uow_factory, actor, order, clock, idempotency))


async def _create(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    order: NewOrder,
    clock: Clock,
    idempotency: Idempotent[OrderRecord] | None,
) -> OrderRecord:
    status = initial_status(order.payment_method)
    key = idempotency.key.key if idempotency else None
    async with uow_factory(actor.business_id, idempotency_key=key) as uow:
        now = clock()
        if idempotency:
            await replay_if_seen(uow, idempotency.key, now)
        order = replace(order, uuid=uuid7(now))
        for _ in range(_ATTEMPTS):
            new_id = await uow.orders.add(order, order_number(now), status, now)
            if new_id is not None:
                break
        else:  # pragma: no cover - 20 collisions in 308 million a day
            raise OrderflowError("could not allocate an order number")
        await uow.history.add_creation(new_id, status, PaymentStatus.UNPAID, actor, now)
        record = await uow.orders.get(new_id)
        assert record is not None
        await uow.outbox.add_many([created_event(record.order)])
        if idempotency:
            await remember(uow, idempotency, record, now)
        await uow.commit()
    return record


async def get_order(uow_factory: UnitOfWorkFactory, actor: Actor, ref: OrderRef) -> OrderRecord:
    """One order of the caller's business, with its items and history."""
    async with uow_factory(actor.business_id, write=False) as uow:
        record = await uow.orders.get(ref)
    if record is None:
        raise NotFound(f"order {ref} not found")
    return record
