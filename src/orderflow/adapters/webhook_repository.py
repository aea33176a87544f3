"""Webhook endpoints and their deliveries, of one business: every statement on them is built
by its scope (tenancy.py); an endpoint's subscriptions and a delivery's attempts are reached
through an endpoint or delivery found in that scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from orderflow.adapters.secret_box import SecretBox
from orderflow.adapters.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoint_events,
    webhook_endpoints,
)
from orderflow.adapters.tenancy import Scope, across_businesses
from orderflow.domain.webhooks import DeliveryStatus
from orderflow.services.webhook_ports import (
    DeliveryAttempt,
    DeliveryRecord,
    UpdateWebhook,
    WebhookEndpoint,
)

E, D, A, S = webhook_endpoints, webhook_deliveries, webhook_attempts, webhook_endpoint_events


def _delivery(row: Row[tuple[object, ...]], attempts: list[DeliveryAttempt]) -> DeliveryRecord:
    m = row._mapping
    return DeliveryRecord(
        id=m["id"],
        endpoint_id=m["endpoint_id"],
        event_id=m["event_id"],
        event_type=m["event_type"],
        order_id=m["order_id"],
        sequence=m["sequence"],
        status=DeliveryStatus(m["status"]),
        attempts=m["attempts"],
        max_attempts=m["max_attempts"],
        next_attempt_at=m["next_attempt_at"],
        created_at=m["created_at"],
        delivered_at=m["delivered_at"],
        attempt_log=attempts,
    )


class SqlWebhookRepository:
    """The `WebhookRepository` port over one connection and one business."""

    def __init__(self, conn: AsyncConnection, business_id: int, secrets: SecretBox) -> None:
        self._conn = conn
        self._scope = Scope(business_id)
        self._secrets = secrets  # secrets are sealed at rest (secret_box.py)

    async def add(
        self,
        url: str,
        events: frozenset[str],
        is_active: bool,
        secret: str,
        contract: str,
        now: datetime,
    ) -> int:
        """Store a new endpoint and its subscriptions; return its id."""
        result = await self._conn.execute(
            self._scope.insert(E)
            .values(
                url=url,
                secret=self._secrets.seal(secret, self._scope.business_id),
                is_active=is_active,
                contract=contract,
                created_at=now,
                updated_at=now,
            )
            .returning(E.c.id)
        )
        endpoint_id = int(result.scalar_one())
        await self._set_events(endpoint_id, events)
        return endpoint_id

    async def _set_events(self, endpoint_id: int, events: frozenset[str]) -> None:
        await self._conn.execute(delete(S).where(S.c.endpoint_id == endpoint_id))
        await self._conn.execute(
            insert(S), [{"endpoint_id": endpoint_id, "event_type": e} for e in sorted(events)]
        )

    async def _read(self, *where: ColumnElement[bool]) -> list[WebhookEndpoint]:
        rows = (
            await self._conn.execute(
                self._scope.select(E).where(E.c.deleted_at.is_(None), *where).order_by(E.c.id)
            )
        ).all()
        if not rows:
            return []
        subscriptions: dict[int, set[str]] = {r.id: set() for r in rows}
        for endpoint_id, event_type in await self._conn.execute(
            select(S.c.endpoint_id, S.c.event_type).where(S.c.endpoint_id.in_(subscriptions))
        ):
            subscriptions[endpoint_id].add(event_type)
        return [
            WebhookEndpoint(
                id=r.id,
                url=r.url,
                events=frozenset(subscriptions[r.id]),
                is_active=bool(r.is_active),
                secret=self._secrets.open(r.secret, self._scope.business_id),
                contract=r.contract,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
            for r in rows
        ]

    async def get(self, id: int) -> WebhookEndpoint | None:
        """The endpoint, unless it is another business's or deleted."""
        found = await self._read(E.c.id == id)
        return found[0] if found else None

    async def list_all(self) -> list[WebhookEndpoint]:
        """Every endpoint of the business, oldest first."""
        return await self._read()

    async def update(self, id: int, changes: UpdateWebhook, now: datetime) -> bool:
        """Write the fields `changes` sets (and the time), nothing else; False (and nothing
        written) when this business has no such endpoint."""
        fields = {"url": changes.url, "is_active": changes.is_active, "contract": changes.contract}
        values = {name: value for name, value in fields.items() if value is not None}
        if not await self._update_endpoint(id, updated_at=now, **values):
            return False
        if changes.events is not None:
            await self._set_events(id, changes.events)
        return True

    async def set_secret(self, id: int, secret: str, now: datetime) -> bool:
        """Replace the endpoint's signing secret; False when this business has no such one."""
        sealed = self._secrets.seal(secret, self._scope.business_id)
        return await self._update_endpoint(id, secret=sealed, updated_at=now)

    async def _update_endpoint(self, id: int, **values: object) -> bool:
        result = await self._conn.execute(
            self._scope.update(E).where(E.c.deleted_at.is_(None), E.c.id == id).values(**values)
        )
        return bool(result.rowcount)

    async def delete(self, id: int, now: datetime) -> bool:
        """Delete an endpoint: it stops receiving, its pending deliveries are canceled (kept)."""
        result = await self._conn.execute(
            self._scope.update(E)
            .where(E.c.deleted_at.is_(None), E.c.id == id)
            .values(deleted_at=now, is_active=False, updated_at=now)
        )
        if not result.rowcount:
            return False
        await self._conn.execute(
            self._scope.update(D)
            .where(D.c.endpoint_id == id, D.c.status == DeliveryStatus.PENDING.value)
            .values(status=DeliveryStatus.CANCELED.value, updated_at=now)
        )
        return True

    async def deliveries(
        self, endpoint_id: int, limit: int, before_id: int | None, status: DeliveryStatus | None
    ) -> list[DeliveryRecord]:
        """The endpoint's deliveries, newest first, each with its attempts."""
        stmt = self._scope.select(D).where(D.c.endpoint_id == endpoint_id)
        if before_id is not None:
            stmt = stmt.where(D.c.id < before_id)
        if status is not None:
            stmt = stmt.where(D.c.status == status.value)
        rows = (await self._conn.execute(stmt.order_by(D.c.id.desc()).limit(limit))).all()
        attempts = await self._attempts([r.id for r in rows])
        return [_delivery(r, attempts.get(r.id, [])) for r in rows]

    async def _attempts(self, delivery_ids: Sequence[int]) -> dict[int, list[DeliveryAttempt]]:
        found: dict[int, list[DeliveryAttempt]] = {}
        if not delivery_ids:
            return found
        rows = await self._conn.execute(
            select(A).where(A.c.delivery_id.in_(delivery_ids)).order_by(A.c.delivery_id, A.c.number)
        )
        for r in rows:
            found.setdefault(r.delivery_id, []).append(
                DeliveryAttempt(r.number, r.attempted_at, r.status_code, r.latency_ms, r.error)
            )
        return found

    async def redeliver(
        self, endpoint_id: int, delivery_id: int, now: datetime
    ) -> DeliveryRecord | None:
        """Queue a finished delivery for one more attempt, now; a pending one is left as it is."""
        mine = (D.c.endpoint_id == endpoint_id, D.c.id == delivery_id)
        await self._conn.execute(
            self._scope.update(D)
            .where(*mine, D.c.status != DeliveryStatus.PENDING.value)
            .values(
                status=DeliveryStatus.PENDING.value,
                next_attempt_at=now,
                max_attempts=D.c.attempts + 1,
                updated_at=now,
            )
        )
        row = (await self._conn.execute(self._scope.select(D).where(*mine))).first()
        if row is None:
            return None
        attempts = await self._attempts([row.id])
        return _delivery(row, attempts.get(row.id, []))


async def reseal_secrets(engine: AsyncEngine, secrets: SecretBox) -> int:
    """Seal every endpoint's secret with the first key (and any stored before sealing, for the
    first time), in one transaction; how many were sealed again. Part of a key rotation."""
    every = across_businesses("a key rotation seals every business's webhook secrets again")
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                select(E.c.id, E.c.business_id, E.c.secret).execution_options(**every)
            )
        ).all()
        stale = [r for r in rows if not secrets.is_current(r.secret)]
        for r in stale:
            sealed = secrets.seal(secrets.open(r.secret, r.business_id), r.business_id)
            await conn.execute(
                update(E).where(E.c.id == r.id).values(secret=sealed).execution_options(**every)
            )
    return len(stale)
