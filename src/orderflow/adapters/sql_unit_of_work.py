"""The unit of work over one SQLAlchemy connection: one transaction, committed in one place."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from orderflow.adapters.db import SQLITE_BEGIN_OPTION
from orderflow.adapters.history_repository import SqlHistoryRepository
from orderflow.adapters.order_repository import SqlOrderRepository
from orderflow.adapters.outbox import SqlOutbox
from orderflow.adapters.tenant_repository import SqlTenantRepository


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

    def __init__(
        self,
        engine: AsyncEngine,
        business_id: int | None,
        *,
        write: bool,
        write_lock: asyncio.Lock | None,
    ) -> None:
        self._engine = engine
        self._business_id = business_id
        self._write = write
        self._write_lock = write_lock
        self._conn: AsyncConnection | None = None
        self._holds_lock = False

    async def __aenter__(self) -> Self:
        if self._write_lock is not None:
            await self._write_lock.acquire()
            self._holds_lock = True
        try:
            conn = await self._engine.connect()
            if self._engine.dialect.name == "sqlite":
                await conn.execution_options(
                    **{SQLITE_BEGIN_OPTION: "IMMEDIATE" if self._write else "DEFERRED"}
                )
            await conn.begin()
        except BaseException:
            self._release_lock()
            raise
        self._conn = conn
        self.tenants = SqlTenantRepository(conn)
        if self._business_id is None:
            self.orders = self.history = self.outbox = _NoBusiness()  # type: ignore[assignment]
        else:
            self.orders = SqlOrderRepository(conn, self._business_id)
            self.history = SqlHistoryRepository(conn, self._business_id)
            self.outbox = SqlOutbox(conn, self._business_id)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        try:
            if conn is not None:
                try:
                    if conn.in_transaction():
                        await conn.rollback()
                finally:
                    await conn.close()
        finally:
            self._release_lock()

    async def commit(self) -> None:
        """Make everything done in this unit of work permanent, at once."""
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work")
        await self._conn.commit()

    def _release_lock(self) -> None:
        if self._holds_lock and self._write_lock is not None:
            self._holds_lock = False
            self._write_lock.release()


class SqlUnitOfWorkFactory:
    """Opens `SqlUnitOfWork`s on one engine; on SQLite, writers queue in-process, not in SQLite."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # SQLite has one writer at a time; waiting on an asyncio lock is fair and costs nothing,
        # while SQLite's busy handler sleeps and retries. Other processes still get busy_timeout.
        self._write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    def __call__(self, business_id: int | None = None, *, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            business_id,
            write=write,
            write_lock=self._write_lock if write else None,
        )
