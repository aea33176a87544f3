"""Stored answers under idempotency keys, scoped by business like every other query."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from orderflow.adapters.sql_dialect import sql_dialect
from orderflow.adapters.tables import idempotency_keys
from orderflow.adapters.tenancy import Scope
from orderflow.services.records import IdempotencyRecord, StoredResponse


class SqlIdempotencyStore:
    """The `IdempotencyStore` port over one connection and one business."""

    def __init__(self, conn: AsyncConnection, business_id: int, ttl: timedelta) -> None:
        self._conn = conn
        self._scope = Scope(business_id)
        self._ttl = ttl

    async def find(self, key: str, now: datetime) -> IdempotencyRecord | None:
        """The unexpired answer stored under `key`, if any."""
        t = idempotency_keys
        row = (
            await self._conn.execute(
                self._scope.select(t, t.c.fingerprint, t.c.status_code, t.c.body).where(
                    t.c.key == key, t.c.expires_at > now
                )
            )
        ).first()
        if row is None:
            return None
        return IdempotencyRecord(row.fingerprint, StoredResponse(row.status_code, bytes(row.body)))

    async def save(
        self, key: str, fingerprint: str, response: StoredResponse, now: datetime
    ) -> None:
        """Store the answer under `key` (replacing an expired one not purged yet)."""
        values = {
            "fingerprint": fingerprint,
            "status_code": response.status_code,
            "body": response.body,
            "created_at": now,
            "expires_at": now + self._ttl,
        }
        stmt = self._scope.upsert(idempotency_keys, sql_dialect(self._conn)).values(
            key=key, **values
        )
        await self._conn.execute(
            stmt.on_conflict_do_update(index_elements=["business_id", "key"], set_=values)
        )
