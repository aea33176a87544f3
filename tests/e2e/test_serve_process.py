"""Real processes: `orderflow serve` and `orderflow worker` stop gracefully on SIGTERM; metrics
add up across worker processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select

from orderflow.adapters.tables import order_status_history, orders
from orderflow.bootstrap import Container
from orderflow.config import Settings
from orderflow.domain.lifecycle import OrderStatus, Target
from orderflow.services.change_status import ChangeOrderStatus, change_status
from tests.builders import make_orders, make_tenant
from tests.conftest import Database
from tests.e2e.test_operations_api import sample
from tests.receiver import running_receiver
from tests.relaying import attempts_of, make_endpoint
from tests.server_process import ServerProcess, accepts_connections, orderflow_serve

BATCH = 10_000


@contextlib.asynccontextmanager
async def writes_held(database: Database, url: str, last_id: int) -> AsyncIterator[None]:
    """Block every writer until the block ends: on PostgreSQL the row of `last_id` (which a
    batch locks last, in id order), on SQLite the database's write lock."""
    if database.kind == "postgresql":
        conn = await asyncpg.connect(url)
        tx = conn.transaction()
        await tx.start()
        await conn.execute("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", last_id)
        try:
            yield
        finally:
            await tx.rollback()
            await conn.close()
    else:
        lite = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            lite.execute("ROLLBACK")
            lite.close()


async def wait_until(condition: object, what: str, within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await asyncio.to_thread(condition):  # type: ignore[arg-type]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting until {what}")


async def test_sigterm_finishes_a_10000_id_change_in_flight_then_exits(
    database: Database, settings: Settings, container: Container
) -> None:
    # Given a server, and 10,000 pending orders
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, BATCH)
    body = {"ids": ids, "status": "confirmed", "by": "shutdown-test"}
    slow_env = {"ORDERFLOW_SQLITE_BUSY_TIMEOUT_MS": "120000"}
    with orderflow_serve(settings.database_url, env=slow_env) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=180) as client:
            async with writes_held(database, settings.database_url, ids[-1]):
                # When the change is in flight (started, and unable to finish while writes
                # are held)
                request = asyncio.create_task(
                    client.post(
                        "/v3/orders/change-status",
                        headers={**tenant.headers, "X-Request-ID": "in-flight-1"},
                        json=body,
                    )
                )
                await asyncio.to_thread(
                    server.wait_for_log,
                    lambda e: (
                        e.get("message") == "request started"
                        and e.get("request_id") == "in-flight-1"
                    ),
                )
                # and the server is told to stop
                server.terminate()
                await wait_until(
                    lambda: not accepts_connections(server.port), "the server stops accepting"
                )
                assert not request.done()
            # Then (writes released) the request completes, the server exits cleanly,
            response = await request
        code = await asyncio.to_thread(server.wait_exit)

    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == BATCH
    assert server.stopped_cleanly(code), "\n".join(server.lines)
    # and all 10,000 changes are committed with their history
    async with container.engine.connect() as conn:
        confirmed = await conn.scalar(
            select(func.count()).select_from(orders).where(orders.c.status == "confirmed")
        )
        history = await conn.scalar(
            select(func.count())
            .select_from(order_status_history)
            .where(order_status_history.c.request_id == "in-flight-1")
        )
    assert confirmed == BATCH and history == BATCH
    access = _access_line(server, "in-flight-1")
    assert access["status"] == 200 and access["batch_size"] == BATCH
    assert tenant.key not in "\n".join(server.lines)


def _access_line(server: ServerProcess, request_id: str) -> dict[str, object]:
    return server.wait_for_log(
        lambda e: (
            e.get("logger") == "orderflow.access"
            and e.get("request_id") == request_id
            and "status" in e
        ),
        timeout=5,
    )


@pytest.mark.postgresql_only
async def test_metrics_add_up_across_worker_processes(
    settings: Settings, container: Container
) -> None:
    tenant = await make_tenant(container)
    [id_] = await make_orders(container, tenant, 1)
    requests = 30
    with orderflow_serve(settings.database_url, "--workers", "2") as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            for _ in range(requests):
                # a fresh connection each time, so both workers get some
                answer = await client.get(
                    f"/v3/orders/{id_}", headers={**tenant.headers, "Connection": "close"}
                )
                assert answer.status_code == 200
            scrapes = [(await client.get("/metrics")).text for _ in range(4)]
        server.terminate()
        assert server.stopped_cleanly(await asyncio.to_thread(server.wait_exit))

    for text in scrapes:  # whichever worker answered the scrape counts every worker's requests
        total = sample(text, "orderflow_http_requests_total", route="/v3/orders/{id}", status="200")
        assert total == requests


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    """`orderflow worker`, its log lines kept on a pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "orderflow", "worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


async def test_sigterm_lets_the_relay_finish_the_delivery_in_flight(
    settings: Settings, container: Container
) -> None:
    # Given `orderflow worker` relaying to a receiver that holds the first delivery open
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    env = {
        **os.environ,
        "ORDERFLOW_DATABASE_URL": settings.database_url,
        "ORDERFLOW_ENV": "development",
        "ORDERFLOW_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "ORDERFLOW_WEBHOOK_POLL_INTERVAL_S": "0.05",
    }
    with running_receiver() as receiver:
        await make_endpoint(container, tenant, receiver.url)
        receiver.hold = threading.Event()
        worker = start_worker(env)
        try:
            changed = await change_status(
                container.uow_factory,
                tenant.actor,
                ChangeOrderStatus(ids, Target(OrderStatus.CONFIRMED)),
            )
            assert changed.changed == 1
            assert await asyncio.to_thread(receiver.hold.wait, 60), "no delivery arrived"
            # When the worker is told to stop while that delivery is in flight
            worker.send_signal(signal.SIGTERM)
            receiver.release.set()
            code = await asyncio.to_thread(worker.wait, 60)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)
            output = worker.stderr.read() if worker.stderr else ""
            if worker.stderr:
                worker.stderr.close()

    # Then it exits cleanly, and the delivery it was making is recorded as made
    assert code == 0, output
    [(_, attempts)] = (await attempts_of(container)).items()
    assert attempts == [(1, 200)]
    assert [r.status for r in receiver.all() if r.json["event"] != "business.test_event"] == [200]
