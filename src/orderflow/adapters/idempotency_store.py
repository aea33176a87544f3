"""Stored answers under idempotency keys, scoped by business like every other query."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from orderflow.adapters.secret_box import PREFIX, SecretBox
from orderflow.adapters.sql_dialect import sql_dialect
from orderflow.adapters.tables import idempotency_keys
from orderflow.adapters.tenancy import Scope
from orderflow.services.records import IdempotencyRecord, StoredResponse

SEALED = PREFIX.encode()


class SqlIdempotencyStore:
    """The `IdempotencyStore` port over one connection and one business."""

    def __init__(
        self, conn: AsyncConnection, business_id: int, ttl: timedelta, secrets: SecretBox
    ) -> None:
        self._conn = conn
        self._scope = Scope(business_id)
        self._ttl = ttl
        self._secrets = secrets

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
        body = bytes(row.body)
        if body.startswith(SEALED):  # an answer that holds a secret (a webhook's)
            body = self._secrets.open(body.decode(), self._scope.business_id).encode()
        return IdempotencyRecord(row.fingerprint, StoredResponse(row.status_code, body))

    async def save(
        self, key: str, fingerprint: str, response: StoredResponse, now: datetime
    ) -> None:
        """Store the answer under `key` (replacing an expired one not purged yet)."""
        body = response.body
        if response.secret:  # sealed like the secret itself, never stored in the clear
            body = self._secrets.seal(body.decode(), self._scope.business_id).encode()
        values = {
            "fingerprint": fingerprint,
            "status_code": response.status_code,
            "body": body,
            "created_at": now,
            "expires_at": now + self._ttl,
        }
        stmt = self._scope.upsert(idempotency_keys, sql_dialect(self._conn)).values(
            key=key, **values
        )
        await self._conn.execute(
            stmt.on_conflict_do_update(index_elements=["business_id", "key"], set_=values)
        )
