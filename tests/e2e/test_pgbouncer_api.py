"""orderflow behind a real PgBouncer in transaction mode (`ORDERFLOW_DB_PGBOUNCER=true`).

In transaction mode each transaction may run on another server connection, so a statement
prepared in one transaction is unknown in the next, and PgBouncer refuses startup parameters it
does not know. The pool here has fewer server connections than orderflow has clients, so
transactions move between them all the time.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from orderflow.adapters.migrate import upgrade
from orderflow.api.app import create_app
from orderflow.bootstrap import build
from orderflow.config import Settings
from tests.builders import make_orders, make_tenant
from tests.conftest import IN_CI, PG_ADMIN_URL, Database
from tests.failover.cluster import as_postgres_user, give_to_postgres
from tests.servers import free_port, stop_process

SERVER_CONNECTIONS = 3
CLIENTS = 40


@contextlib.contextmanager
def _pgbouncer(database: str) -> Iterator[int]:
    # Debian puts it in /usr/sbin, which a user's PATH may not hold.
    binary = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
    if binary is None:
        message = "THE PGBOUNCER TEST DID NOT RUN: pgbouncer not found (apt-get install pgbouncer)"
        if IN_CI:
            pytest.fail(message + "; CI needs it")
        pytest.skip(message)
    admin = PG_ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
    host, _, port = admin.rsplit("@", 1)[-1].partition(":")
    root = Path(tempfile.mkdtemp(prefix="orderflow-pgbouncer-"))
    give_to_postgres(root)
    listen = free_port()
    (root / "users.txt").write_text('"postgres" ""\n')
    (root / "pgbouncer.ini").write_text(
        f"[databases]\n{database} = host={host or '127.0.0.1'} port={port or 5432} "
        f"dbname={database}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {listen}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {root / 'users.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {SERVER_CONNECTIONS}\n"
        "max_client_conn = 200\n"
        # What asyncpg sends at connect besides the parameters PgBouncer knows.
        "ignore_startup_parameters = extra_float_digits\n"
        f"logfile = {root / 'pgbouncer.log'}\npidfile = {root / 'pgbouncer.pid'}\n"
    )
    for path in root.iterdir():
        give_to_postgres(path)
    process = subprocess.Popen(
        [*as_postgres_user(), binary, str(root / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", listen), 1):
                break
            assert process.poll() is None, (root / "pgbouncer.log").read_text()
            assert time.monotonic() < deadline, "pgbouncer did not listen"
            time.sleep(0.1)
        yield listen
    finally:
        stop_process(process)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def bouncer(postgres_database: Database) -> AsyncIterator[str]:
    """The URL of a fresh, migrated database through PgBouncer in transaction mode."""
    name = f"orderflow_pgbouncer_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    # What the startup parameter would have set: on the database, for every connection to it.
    await admin.execute(f"ALTER DATABASE \"{name}\" SET lock_timeout = '10s'")
    direct = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        migrating = build(Settings(database_url=direct))
        await upgrade(migrating.engine)
        await migrating.close()
        with _pgbouncer(name) as port:
            yield f"postgresql://postgres@127.0.0.1:{port}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _settings(url: str, pgbouncer: bool) -> Settings:
    return Settings(
        database_url=url,
        env="development",
        db_pgbouncer=pgbouncer,
        db_pool_size=CLIENTS,
        db_connect_timeout_s=3,
        rate_limit_per_10s=100_000,  # counted, in the database, and never reached
    )


async def test_behind_pgbouncer_in_transaction_mode_every_request_works(bouncer: str) -> None:
    # given orderflow with the setting on, more clients than PgBouncer has server connections
    container = build(_settings(bouncer, pgbouncer=True))
    try:
        tenant = await make_tenant(container)
        ids = await make_orders(container, tenant, CLIENTS)
        transport = httpx.ASGITransport(app=create_app(container=container))
        async with httpx.AsyncClient(transport=transport, base_url="http://orderflow.test") as c:

            async def change(id_: int, status: str) -> int:
                body = {"ids": [id_], "status": status, "payment_status": "paid"}
                # With a key: claimed under a transaction-scoped advisory lock, stored with it.
                headers = {**tenant.headers, "Idempotency-Key": f"k-{id_}-{status}"}
                answer = await c.post("/v3/orders/change-status", json=body, headers=headers)
                listed = await c.get("/v3/orders", params={"page_size": 5}, headers=tenant.headers)
                return answer.status_code * 1000 + listed.status_code

            # when each client changes its order twice and lists orders, all at once
            first = await asyncio.gather(*(change(id_, "confirmed") for id_ in ids))
            second = await asyncio.gather(*(change(id_, "shipped") for id_ in ids))
            ready = await c.get("/readyz")
            again = await c.post(
                "/v3/orders/change-status",
                json={"ids": [ids[0]], "status": "shipped", "payment_status": "paid"},
                headers={**tenant.headers, "Idempotency-Key": f"k-{ids[0]}-shipped"},
            )
        # then every request was answered, as without PgBouncer, and a retry is replayed
        assert set(first) == set(second) == {200_200}
        assert ready.status_code == 200, ready.text
        assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    finally:
        await container.close()


async def test_without_the_setting_pgbouncer_is_refused_with_a_503(bouncer: str) -> None:
    # given orderflow through PgBouncer without the setting (it sends lock_timeout at connect)
    container = build(_settings(bouncer, pgbouncer=False))
    try:
        transport = httpx.ASGITransport(app=create_app(container=container))
        async with httpx.AsyncClient(transport=transport, base_url="http://orderflow.test") as c:
            ready = await c.get("/readyz")
        # then it cannot work, and says the database is unavailable rather than failing oddly
        assert ready.status_code == 503, ready.text
    finally:
        await container.close()
