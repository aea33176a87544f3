"""Relays as processes: a killed `orderflow worker` loses nothing; two relays never send twice."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections import Counter

from sqlalchemy import select

from orderflow.adapters.tables import webhook_deliveries
from orderflow.bootstrap import Container, build
from orderflow.config import Settings
from orderflow.domain.lifecycle import OrderStatus, PaymentDetails, PaymentStatus, Target
from orderflow.services.change_status import ChangeOrderStatus, change_status
from tests.builders import make_orders, make_tenant
from tests.conftest import Database, _truncate
from tests.receiver import fail_first, running_receiver
from tests.relaying import attempts_of, drain, fast_config, make_endpoint


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    """`orderflow worker` as its own process, with a short lease so a lost one is retried soon."""
    env = {
        **os.environ,
        "ORDERFLOW_ENV": "development",
        "ORDERFLOW_DATABASE_URL": settings.database_url,
        "ORDERFLOW_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "ORDERFLOW_WEBHOOK_TIMEOUT_S": "5",
        "ORDERFLOW_WEBHOOK_LEASE_S": "6",
        "ORDERFLOW_WEBHOOK_POLL_INTERVAL_S": "0.05",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "orderflow", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_a_relay_killed_between_sending_and_recording_loses_nothing(
    settings: Settings, container: Container
) -> None:
    # given a worker process, and a receiver that holds the first delivery it gets
    tenant = await make_tenant(container)
    [order_id] = await make_orders(container, tenant, 1)
    with running_receiver() as receiver:
        await make_endpoint(container, tenant, receiver.url)
        receiver.hold = threading.Event()
        worker = _worker(settings)
        try:
            await change_status(
                container.uow_factory,
                tenant.actor,
                ChangeOrderStatus(
                    [order_id], Target(OrderStatus.CONFIRMED, None, PaymentDetails())
                ),
            )
            # when the worker is killed after the receiver has the event, before it is recorded
            assert await asyncio.to_thread(receiver.hold.wait, 60), "the worker never delivered"
            worker.kill()
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
        receiver.release.set()
        assert await attempts_of(container) == {}  # nothing was recorded
        # and another relay runs (it waits out the dead worker's lease)
        await drain(container)
        got = [r for r in receiver.all() if r.json["event"] == "order.status_changed"]
    # then the event was delivered again, under the same webhook-id: nothing lost
    assert len(got) == 2
    assert got[0].webhook_id == got[1].webhook_id and got[0].body == got[1].body
    [(_, attempts)] = (await attempts_of(container)).items()
    assert attempts == [(2, 200)]


async def test_two_relays_on_postgresql_never_deliver_the_same_attempt_twice(
    postgres_database: Database,
) -> None:
    # given two relays with their own connection pools, on one PostgreSQL database
    await _truncate(postgres_database.url)
    settings = Settings(
        database_url=postgres_database.url, env="development", webhook_allow_private_urls=True
    )
    first, second = build(settings), build(settings)
    try:
        tenant = await make_tenant(first)
        ids = await make_orders(first, tenant, 150)
        with running_receiver() as receiver:
            await make_endpoint(first, tenant, receiver.url)
            receiver.answer = fail_first(1)
            # when 300 events (each failing once) are relayed by both at once, in small batches
            await change_status(
                first.uow_factory,
                tenant.actor,
                ChangeOrderStatus(
                    ids, Target(OrderStatus.CONFIRMED, PaymentStatus.PAID, PaymentDetails())
                ),
            )
            config = fast_config(batch_size=10, concurrency=5)
            await asyncio.gather(drain(first, config), drain(second, config))
            got = [r for r in receiver.all() if r.json["event"] != "business.test_event"]
        # then every event came exactly twice (the failure and the retry), never a third time
        per_event = Counter(r.webhook_id for r in got)
        assert len(per_event) == 300 and set(per_event.values()) == {2}
        # and each delivery has exactly attempts 1 and 2 recorded, in order per order
        attempts = await attempts_of(first)
        assert len(attempts) == 300
        assert all(a == [(1, 500), (2, 200)] for a in attempts.values())
        sequences: dict[int, list[int]] = {}
        for r in got:
            if r.status == 200:
                data = r.json["data"]
                sequences.setdefault(data["id"], []).append(data["sequence"])
        assert all(s == [2, 3] for s in sequences.values())
        async with first.engine.connect() as conn:
            statuses = set((await conn.scalars(select(webhook_deliveries.c.status))).all())
        assert statuses == {"succeeded"}
    finally:
        await first.close()
        await second.close()
