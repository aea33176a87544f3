"""Database faults over HTTP: 503 with Retry-After (never 500, never a hang), then recovery;
body limits; deadlocks retried inside the server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from sqlalchemy import select

from orderflow.adapters.tables import orders
from orderflow.bootstrap import Container
from orderflow.config import Settings
from tests.builders import make_orders, make_tenant, serving
from tests.conftest import PG_ADMIN_URL, Database
from tests.tcp_proxy import silentable_proxy

URL = "/v3/orders/change-status"
WELL_FORMED_KEY = "sk_" + "a" * 12 + "_" + "b" * 32


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_database_is_503_with_retry_after(
    database: Database, tmp_path: Path
) -> None:
    if database.kind == "postgresql":
        url = f"postgresql://postgres@127.0.0.1:{closed_port()}/nowhere"
    else:
        url = f"sqlite:///{tmp_path}/missing-dir/orderflow.db"
    threads_before = set(threading.enumerate())
    async with serving(Settings(database_url=url, db_connect_timeout_s=2)) as (client, _):
        response = await client.get(
            "/v3/me", headers={"Authorization": f"Bearer {WELL_FORMED_KEY}"}
        )
    # aiosqlite's thread for the failed connection reports back to this event loop: let it
    # finish while the loop still runs.
    started = [
        t
        for t in threading.enumerate()
        if t not in threads_before and "_connection_worker_thread" in t.name
    ]
    await asyncio.to_thread(lambda: [t.join(10) for t in started])

    assert response.status_code == 503
    assert response.json()["error_code"] == "database_unavailable"
    assert response.headers["retry-after"] == "1"


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _wait_for_lock_waiter(admin: asyncpg.Connection, dbname: str) -> int:
    for _ in range(300):
        pid = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
            dbname,
        )
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.05)
    raise AssertionError("the request never waited for the lock")


@pytest.mark.postgresql_only
async def test_connection_lost_mid_request_is_503_then_recovers(
    settings: Settings, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    dbname = settings.database_url.rsplit("/", 1)[1]
    holder = await asyncpg.connect(_dsn(settings.database_url))
    admin = await asyncpg.connect(_dsn(PG_ADMIN_URL))
    try:
        async with serving(settings) as (client, _):
            # Given a request blocked on a row lock held elsewhere
            tx = holder.transaction()
            await tx.start()
            await holder.execute("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", ids[1])
            body = {"ids": ids, "status": "confirmed"}
            request = asyncio.create_task(client.post(URL, headers=tenant.headers, json=body))
            waiter = await _wait_for_lock_waiter(admin, dbname)

            # When its database connection is killed
            await admin.execute("SELECT pg_terminate_backend($1)", waiter)
            lost = await asyncio.wait_for(request, timeout=30)
            await tx.rollback()

            # Then it answers 503, nothing changed, and the next request works again
            assert lost.status_code == 503, lost.text
            assert lost.json()["error_code"] == "database_unavailable"
            assert lost.headers["retry-after"] == "1"
            async with container.engine.connect() as conn:
                statuses = (await conn.execute(select(orders.c.status))).scalars().all()
            assert set(statuses) == {"pending"}
            again = await client.post(URL, headers=tenant.headers, json=body)
            assert again.status_code == 200, again.text
    finally:
        await holder.close()
        await admin.close()


@pytest.mark.postgresql_only
async def test_database_down_then_back_recovers_by_itself(
    settings: Settings, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    dbname = settings.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(_dsn(PG_ADMIN_URL))
    try:
        async with serving(settings) as (client, _):
            assert (await client.get("/v3/me", headers=tenant.headers)).status_code == 200
            # Only this test's own database goes away: it refuses connections, and every
            # open one is terminated (the cluster and other databases are untouched).
            await admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                dbname,
            )
            down = await client.post(
                URL, headers=tenant.headers, json={"ids": ids, "status": "ready"}
            )
            ready = await client.get("/readyz")
            alive = await client.get("/healthz")
            await admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
            up = await client.post(
                URL, headers=tenant.headers, json={"ids": ids, "status": "ready"}
            )
    finally:
        await admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
        await admin.close()

    assert down.status_code == 503, down.text
    assert down.json()["error_code"] == "database_unavailable"
    assert down.headers["retry-after"] == "1"
    assert ready.status_code == 503 and ready.json()["error_code"] == "database_unavailable"
    assert alive.status_code == 200  # the process itself is fine: no restart needed
    assert up.status_code == 200, up.text


@pytest.mark.postgresql_only
async def test_deadlock_with_another_transaction_is_retried_not_an_error(
    settings: Settings, container: Container
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    dbname = settings.database_url.rsplit("/", 1)[1]
    other = await asyncpg.connect(_dsn(settings.database_url))
    admin = await asyncpg.connect(_dsn(PG_ADMIN_URL))
    try:
        async with serving(settings) as (client, _):
            # Given another transaction holding the second order, while the batch holds the first
            tx = other.transaction()
            await tx.start()
            await other.execute("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", ids[1])
            body = {"ids": ids, "status": "confirmed"}
            request = asyncio.create_task(client.post(URL, headers=tenant.headers, json=body))
            await _wait_for_lock_waiter(admin, dbname)
            # When that transaction now wants the first order too: a deadlock
            with contextlib.suppress(asyncpg.DeadlockDetectedError):
                await other.execute("UPDATE orders SET version = version WHERE id = $1", ids[0])
            await tx.rollback()
            response = await asyncio.wait_for(request, timeout=60)
    finally:
        await other.close()
        await admin.close()

    # Then the batch still succeeds (retried inside the server if it was the victim)
    assert response.status_code == 200, response.text
    assert {o["status"] for o in response.json()["data"]} == {"confirmed"}


@pytest.mark.parametrize("chunked", [False, True])
async def test_body_over_2_mib_is_413_before_parsing(
    client: httpx.AsyncClient, container: Container, chunked: bool
) -> None:
    tenant = await make_tenant(container)
    payload = b'{"ids": [1], "status": "confirmed", "by": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    headers = {**tenant.headers, "Content-Type": "application/json"}

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 65536):
            yield payload[start : start + 65536]

    content = chunks() if chunked else payload
    response = await client.post(URL, headers=headers, content=content)

    assert response.status_code == 413
    assert response.json()["error_code"] == "payload_too_large"


async def test_body_under_the_limit_is_parsed(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenant = await make_tenant(container)
    padding = " " * (2 * 1024 * 1024 - 100)
    payload = ('{"ids": [1], "status": "confirmed"' + padding + "}").encode()

    response = await client.post(
        URL, headers={**tenant.headers, "Content-Type": "application/json"}, content=payload
    )

    assert response.status_code == 400
    assert response.json()["error_code"] == "order_not_found"


async def test_nul_characters_are_refused_not_a_server_error(
    client: httpx.AsyncClient, container: Container, settings: Settings
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    body = {"ids": ids, "status": "confirmed", "by": "kasir\u0000"}

    changed = await client.post(URL, headers=tenant.headers, json=body)
    listed = await client.get("/v3/orders?search=abc%00", headers=tenant.headers)

    assert listed.status_code == 400 and listed.json()["errors"] == {
        "query": ["must not contain NUL (%00) characters"]
    }
    # PostgreSQL text cannot hold a NUL, so no text field takes one, on either database: the
    # document says so in each field's pattern, and the answer names the field.
    assert changed.status_code == 400, changed.text
    assert "by" in changed.json()["errors"]


@pytest.mark.postgresql_only
async def test_a_database_that_goes_silent_is_a_503_and_the_pool_recovers(
    settings: Settings, container: Container
) -> None:
    """A network that stops relaying after the pool connected (a partition, a frozen host): the
    next change still answers, 503 database_unavailable, and once the database is heard again
    the service works without a restart."""
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    url = urlsplit(settings.database_url)
    async with silentable_proxy(url.hostname or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url._replace(netloc=f"{url.username}@127.0.0.1:{proxy.port}").geturl()
        through_proxy = Settings(
            database_url=proxied, env="development", db_command_timeout_s=3, db_lock_timeout_s=2
        )
        async with serving(through_proxy) as (client, _):
            first = await client.post(
                URL, headers=tenant.headers, json={"ids": ids[:1], "status": "confirmed"}
            )
            assert first.status_code == 200, first.text

            proxy.go_silent()
            silent = await client.post(
                URL, headers=tenant.headers, json={"ids": ids[1:2], "status": "confirmed"}
            )
            assert silent.status_code == 503, silent.text
            assert silent.json()["error_code"] == "database_unavailable"
            assert silent.headers["Retry-After"] == "1"

            proxy.speak()
            for _ in range(20):  # the pool replaces what the silence broke, by itself
                again = await client.post(
                    URL, headers=tenant.headers, json={"ids": ids[2:], "status": "confirmed"}
                )
                if again.status_code == 200:
                    break
                assert again.status_code == 503, again.text
                await asyncio.sleep(0.5)
            assert again.status_code == 200, again.text


@pytest.mark.postgresql_only
async def test_several_hosts_in_the_url_the_first_down(
    settings: Settings, container: Container
) -> None:
    """The libpq form of a cluster URL, as a Patroni setup gives it: a host that is down is
    skipped for the next one."""
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1)
    url = urlsplit(settings.database_url)
    hosts = f"127.0.0.1:1,{url.hostname}:{url.port or 5432}"
    cluster = url._replace(netloc=f"{url.username}@{hosts}").geturl()
    cluster += "?target_session_attrs=read-write"
    async with serving(Settings(database_url=cluster, env="development")) as (client, _):
        response = await client.post(
            URL, headers=tenant.headers, json={"ids": ids, "status": "confirmed"}
        )
    assert response.status_code == 200, response.text


@pytest.mark.postgresql_only
@pytest.mark.parametrize("rate_limited", [True, False], ids=["rate-limited", "no-rate-limit"])
async def test_a_host_that_turned_read_only_is_a_503_and_is_left(
    settings: Settings, container: Container, rate_limited: bool
) -> None:
    """A primary demoted to a standby (or fenced) refuses writes: a 503, never a 500, and the
    connection is dropped, so once the database takes writes again the next request works.
    (With rate limits, the counter's write meets it first; without, the change itself.)"""
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    dbname = settings.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(_dsn(PG_ADMIN_URL))
    try:
        await admin.execute(f'ALTER DATABASE "{dbname}" SET default_transaction_read_only = on')
        # A server whose every new connection is read-only: as it would be on a standby.
        limits = {} if rate_limited else {"rate_limit_per_10s": 0, "rate_limit_per_hour": 0}
        fresh = Settings(database_url=settings.database_url, env="development", **limits)
        async with serving(fresh) as (client, _):
            body = {"ids": ids[:1], "status": "confirmed"}
            refused = await client.post(URL, headers=tenant.headers, json=body)
            await admin.execute(f'ALTER DATABASE "{dbname}" RESET default_transaction_read_only')
            accepted = await client.post(URL, headers=tenant.headers, json=body)
    finally:
        await admin.execute(f'ALTER DATABASE "{dbname}" RESET default_transaction_read_only')
        await admin.close()
    assert refused.status_code == 503, refused.text
    assert refused.json()["error_code"] == "database_unavailable"
    assert accepted.status_code == 200, accepted.text
