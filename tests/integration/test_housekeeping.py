"""Housekeeping on both databases: old webhook events whose deliveries all ended go, with their
deliveries and attempts; an event still waiting never goes; history goes only when asked."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from orderflow.adapters.housekeeping import Retention, housekeeping_round
from orderflow.adapters.tables import (
    order_status_history,
    outbox,
    outbox_pending,
    webhook_attempts,
    webhook_deliveries,
)
from orderflow.adapters.webhook_sender import HttpxWebhookSender
from orderflow.bootstrap import Container, build
from orderflow.config import Settings
from orderflow.domain.lifecycle import OrderStatus, Target
from orderflow.services.change_status import ChangeOrderStatus, change_status
from orderflow.services.webhook_relay import relay_round
from tests.builders import Tenant, make_orders, make_tenant
from tests.conftest import Database
from tests.receiver import always, running_receiver
from tests.relaying import drain, fast_config, make_endpoint

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=40)


async def _confirm(container: Container, tenant: Tenant, order_id: int) -> None:
    command = ChangeOrderStatus([order_id], Target(OrderStatus.CONFIRMED))
    await change_status(container.uow_factory, tenant.actor, command)


async def _age_everything(container: Container) -> None:
    async with container.engine.begin() as conn:
        await conn.execute(update(outbox).values(created_at=OLD))
        await conn.execute(update(order_status_history).values(created_at=OLD))


async def _events_of(container: Container) -> dict[int, int]:
    """Outbox events per order."""
    async with container.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.order_id, func.count()).group_by(outbox.c.order_id)
        )
        return {order_id: n for order_id, n in rows}


async def _count(container: Container, table: object) -> int:
    async with container.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


@pytest.mark.parametrize("batch", [1_000, 2])
async def test_old_events_go_once_nothing_waits_for_them(container: Container, batch: int) -> None:
    tenant = await make_tenant(container)
    delivered, retrying, queued, young = await make_orders(container, tenant, 4)
    with running_receiver(always(204)) as receiver:
        await make_endpoint(container, tenant, receiver.url, frozenset({"order.status_changed"}))
        # an event delivered (and one no endpoint wanted: order.updated is not subscribed)
        await _confirm(container, tenant, delivered)
        await drain(container)
        # an event whose delivery failed once and waits for its retry
        receiver.answer = always(500)
        await _confirm(container, tenant, retrying)
        async with HttpxWebhookSender(5.0) as sender:
            await relay_round(container.uow_factory, sender, fast_config(retries=3))
        # an event not fanned out yet
        await _confirm(container, tenant, queued)
        await _age_everything(container)
        # and a young one
        await _confirm(container, tenant, young)
        before = await _events_of(container)
        attempts_before = await _count(container, webhook_attempts)

        purged = await housekeeping_round(container.engine, Retention(batch=batch), NOW)

        after = await _events_of(container)
        assert delivered not in after and before[delivered] == purged.events
        assert {o: after[o] for o in (retrying, queued, young)} == {
            o: before[o] for o in (retrying, queued, young)
        }
        assert purged.deliveries == 1 and purged.attempts >= 1
        assert await _count(container, webhook_attempts) == attempts_before - purged.attempts
        # history is the audit trail: untouched without a history retention
        assert purged.history == 0 and await _count(container, order_status_history) == 8

        # once the retry is delivered and the queued event fanned out, they go too
        receiver.answer = always(204)
        await drain(container)
        await _age_everything(container)  # (the young one too, now)
        again = await housekeeping_round(container.engine, Retention(batch=batch), NOW)
    assert again.events == sum(before[o] for o in (retrying, queued, young))
    assert await _events_of(container) == {}
    assert await _count(container, webhook_deliveries) == 0
    assert await _count(container, outbox_pending) == 0


async def test_history_goes_only_past_its_retention(container: Container) -> None:
    tenant = await make_tenant(container)
    first, second = await make_orders(container, tenant, 2)
    await _confirm(container, tenant, first)
    await _age_everything(container)
    await _confirm(container, tenant, second)  # the only row younger than 30 days

    kept = await housekeeping_round(container.engine, Retention(), NOW)
    purged = await housekeeping_round(container.engine, Retention(history_days=30), NOW)

    assert kept.history == 0
    assert purged.history == 3
    async with container.engine.connect() as conn:
        left = await conn.execute(
            select(order_status_history.c.order_id, order_status_history.c.to_status)
        )
        assert [tuple(r) for r in left] == [(second, "confirmed")]


async def test_a_round_with_nothing_due_never_takes_the_sqlite_write_lock(
    sqlite_database: Database, tmp_path: Path
) -> None:
    # A busy timeout of 0: a write behind the held lock would fail at once ("database is
    # locked"); a round that only reads does not notice the writer.
    url = sqlite_database.fresh_url(tmp_path)
    container = build(Settings(database_url=url, sqlite_busy_timeout_ms=0))
    writer = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        purged = await housekeeping_round(container.engine, Retention(history_days=1), NOW)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        await container.close()
    assert not any(purged.as_dict().values())
