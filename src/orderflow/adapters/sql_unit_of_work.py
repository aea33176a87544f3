"""The unit of work over one SQLAlchemy connection: one transaction, committed in one place.

SQLAlchemy owns the transaction. `__aenter__` takes a pooled connection and begins it (on
SQLite, `BEGIN IMMEDIATE` for a writer and `BEGIN DEFERRED` for a reader, see db.py; on
PostgreSQL asyncpg sends BEGIN with the first statement). Every repository runs its statements
on that one connection, each awaited where it is written, so they run in the order the service
calls them. `commit()` commits; `__aexit__` rolls back whatever did not commit and returns the
connection to the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from datetime import timedelta
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from orderflow.adapters.db import SQLITE_BEGIN_OPTION
from orderflow.adapters.db_errors import storage_error
from orderflow.adapters.delivery_queue import SqlDeliveryQueue
from orderflow.adapters.history_repository import SqlHistoryRepository
from orderflow.adapters.idempotency_store import SqlIdempotencyStore
from orderflow.adapters.order_repository import SqlOrderRepository
from orderflow.adapters.outbox import SqlOutbox
from orderflow.adapters.secret_box import SecretBox
from orderflow.adapters.sql_dialect import sql_dialect
from orderflow.adapters.tenant_repository import SqlTenantRepository
from orderflow.adapters.webhook_repository import SqlWebhookRepository
from orderflow.services.storage_errors import IdempotencyKeyInUse, StorageUnavailable

DEFAULT_IDEMPOTENCY_TTL = timedelta(hours=24)
_KEY_IN_USE = "a request with this Idempotency-Key is still being processed"


def advisory_lock_id(business_id: int, key: str) -> int:
    """A signed 64-bit number for (business, key), for PostgreSQL's advisory locks."""
    digest = hashlib.blake2b(f"{business_id}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _NoBusiness:
    """Stands in for the business-scoped repositories of an unscoped unit of work."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError("this unit of work is not scoped to a business")


class SqlUnitOfWork:
    """`UnitOfWork` on a pooled connection. Rolls back on exit unless `commit()` ran."""

    orders: SqlOrderRepository
    history: SqlHistoryRepository
    outbox: SqlOutbox
    tenants: SqlTenantRepository
    idempotency: SqlIdempotencyStore
    webhooks: SqlWebhookRepository
    deliveries: SqlDeliveryQueue

    def __init__(
        self,
        engine: AsyncEngine,
        business_id: int | None,
        *,
        write: bool,
        write_lock: asyncio.Lock | None,
        idempotency_key: str | None = None,
        claimed_keys: set[tuple[int, str]] | None = None,
        idempotency_ttl: timedelta = DEFAULT_IDEMPOTENCY_TTL,
        secrets: SecretBox,
    ) -> None:
        self._engine = engine
        self._secrets = secrets
        self._business_id = business_id
        self._write = write
        self._write_lock = write_lock
        self._conn: AsyncConnection | None = None
        self._holds_lock = False
        self._claim = (
            None
            if idempotency_key is None or business_id is None
            else (business_id, idempotency_key)
        )
        self._claimed_keys = claimed_keys
        self._holds_claim = False
        self._ttl = idempotency_ttl

    async def __aenter__(self) -> Self:
        self._claim_in_process()
        try:
            if self._write_lock is not None:
                await self._write_lock.acquire()
                self._holds_lock = True
            conn = await self._connect()
            try:
                await self._claim_in_database(conn)
            except BaseException:
                await _discard(conn)
                raise
        except BaseException:
            self._release_lock()
            raise
        self._conn = conn
        self.tenants = SqlTenantRepository(conn)
        self.deliveries = SqlDeliveryQueue(conn, self._secrets)
        if self._business_id is None:
            self.orders = self.history = self.outbox = _NoBusiness()  # type: ignore[assignment]
            self.idempotency = self.webhooks = _NoBusiness()  # type: ignore[assignment]
        else:
            self.orders = SqlOrderRepository(conn, self._business_id)
            self.history = SqlHistoryRepository(conn, self._business_id)
            self.outbox = SqlOutbox(conn, self._business_id)
            self.idempotency = SqlIdempotencyStore(
                conn, self._business_id, self._ttl, self._secrets
            )
            self.webhooks = SqlWebhookRepository(conn, self._business_id, self._secrets)
        return self

    async def _connect(self) -> AsyncConnection:
        try:
            conn = await self._engine.connect()
        except Exception as exc:
            raise (storage_error(exc, connecting=True) or exc) from exc
        try:
            if not self._write:
                # A reader on SQLite takes no write lock: it reads a snapshot (db.py).
                await conn.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
            await conn.begin()
        except BaseException as exc:
            await _discard(conn)
            if isinstance(exc, Exception):
                raise (storage_error(exc, connecting=True) or exc) from exc
            raise
        return conn

    def _claim_in_process(self) -> None:
        # SQLite: one process, so a set is enough, and it is checked before waiting for the
        # write lock (behind which a duplicate would otherwise just queue).
        if self._claim is None or self._claimed_keys is None:
            return
        if self._claim in self._claimed_keys:
            raise IdempotencyKeyInUse(_KEY_IN_USE)
        self._claimed_keys.add(self._claim)
        self._holds_claim = True

    async def _claim_in_database(self, conn: AsyncConnection) -> None:
        # PostgreSQL: a transaction-scoped advisory lock, held until commit or rollback, and
        # released by the server if this process dies, so a crash never leaves a key stuck.
        if self._claim is None or self._claimed_keys is not None:
            return
        try:
            lock = sql_dialect(conn).try_lock(advisory_lock_id(*self._claim))
            got = lock is None or (await conn.execute(lock)).scalar_one()
        except Exception as exc:
            raise (storage_error(exc) or exc) from exc
        if not got:
            raise IdempotencyKeyInUse(_KEY_IN_USE)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        translated = storage_error(exc) if isinstance(exc, Exception) else None
        try:
            if conn is not None:
                # A connection that met an unavailable database (a timeout, a host that is a
                # standby now) is not trusted again: dropped, so the pool connects anew.
                await _discard(conn, drop=isinstance(translated, StorageUnavailable))
        finally:
            self._release_lock()
        if translated is not None:
            raise translated from exc

    async def commit(self) -> None:
        """Make everything done in this unit of work permanent, at once."""
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work")
        await self._conn.commit()

    def _release_lock(self) -> None:
        if self._holds_claim and self._claimed_keys is not None and self._claim is not None:
            self._holds_claim = False
            self._claimed_keys.discard(self._claim)
        if self._holds_lock and self._write_lock is not None:
            self._holds_lock = False
            self._write_lock.release()


async def _discard(conn: AsyncConnection, *, drop: bool = False) -> None:
    """Roll back what is left and return the connection; a dead one (or, with `drop`, any) is
    dropped instead."""
    try:
        if drop:
            await conn.invalidate()
        elif conn.in_transaction():
            await conn.rollback()
    except Exception:
        await conn.invalidate()
    finally:
        with contextlib.suppress(Exception):  # already invalidated
            await conn.close()


class SqlUnitOfWorkFactory:
    """Opens `SqlUnitOfWork`s on one engine; on SQLite, writers queue in-process, not in SQLite."""

    def __init__(
        self,
        engine: AsyncEngine,
        secrets: SecretBox,
        idempotency_ttl: timedelta = DEFAULT_IDEMPOTENCY_TTL,
    ) -> None:
        self.engine = engine
        self.secrets = secrets
        self.idempotency_ttl = idempotency_ttl
        one_writer = sql_dialect(engine).one_writer
        # SQLite has one writer at a time; waiting on an asyncio lock is fair and costs nothing,
        # while SQLite's busy handler sleeps and retries. Other processes still get busy_timeout.
        self._write_lock = asyncio.Lock() if one_writer else None
        self._claimed_keys: set[tuple[int, str]] | None = set() if one_writer else None

    def __call__(
        self,
        business_id: int | None = None,
        *,
        write: bool = True,
        idempotency_key: str | None = None,
    ) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            business_id,
            write=write,
            write_lock=self._write_lock if write else None,
            idempotency_key=idempotency_key,
            claimed_keys=self._claimed_keys,
            idempotency_ttl=self.idempotency_ttl,
            secrets=self.secrets,
        )
