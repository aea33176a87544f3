"""The relay's queue in SQL: outbox rows fanned out to deliveries, leased, and recorded.

Several relays may run at once. On PostgreSQL, fan-out is serialised by a transaction-scoped
advisory lock (so deliveries of one order are always created in the outbox's order) and leases are
claimed with `FOR UPDATE SKIP LOCKED`; on SQLite, `BEGIN IMMEDIATE` serialises every writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, case, cast, delete, exists, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Integer, String

from orderflow.adapters.secret_box import SecretBox
from orderflow.adapters.sql_dialect import sql_dialect
from orderflow.adapters.tables import (
    businesses,
    orders,
    outbox,
    outbox_pending,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoint_events,
    webhook_endpoints,
)
from orderflow.adapters.tenancy import across_businesses
from orderflow.adapters.types import UTCDateTime
from orderflow.domain.webhooks import DeliveryStatus
from orderflow.observability.metrics import WEBHOOK_DELIVERIES, WEBHOOK_LATENCY
from orderflow.services.webhook_ports import ClaimedDelivery, DeliveryOutcome

OB, P, E, S, D, A = (
    outbox,
    outbox_pending,
    webhook_endpoints,
    webhook_endpoint_events,
    webhook_deliveries,
    webhook_attempts,
)
PENDING = DeliveryStatus.PENDING.value
FAN_OUT_LOCK = 0x6F726466_6C6F7701  # any constant; advisory locks are per database
MAX_ERROR_CHARS = 500
# One relay serves every business: its statements join an event to its own business's endpoints.
_RELAY = across_businesses("the relay fans out and delivers every business's events")
# The metric's outcome of an attempt, by the state it leaves its delivery in.
_OUTCOMES = {
    DeliveryStatus.SUCCEEDED: "succeeded",
    DeliveryStatus.PENDING: "retry",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.CANCELED: "canceled",
}


class SqlDeliveryQueue:
    """The `DeliveryQueue` port over one connection (in one transaction)."""

    def __init__(self, conn: AsyncConnection, secrets: SecretBox) -> None:
        self._conn = conn
        self._dialect = sql_dialect(conn)
        self._secrets = secrets

    async def fan_out(self, limit: int, max_attempts: int, now: datetime) -> int:
        """Make deliveries for up to `limit` new outbox rows, one per subscribed active endpoint."""
        lock = self._dialect.try_lock(FAN_OUT_LOCK)
        if lock is not None and not (await self._conn.execute(lock)).scalar_one():
            return 0  # another relay is fanning out right now
        ids = (
            await self._conn.scalars(select(P.c.outbox_id).order_by(P.c.outbox_id).limit(limit))
        ).all()
        if not ids:
            return 0
        # A row holds one event, or two (`next_event_type`, numbered one on): one delivery per
        # event and subscribed active endpoint.
        second = S.c.event_type == OB.c.next_event_type
        source = (
            select(
                E.c.id,
                OB.c.business_id,
                OB.c.id,
                case((second, OB.c.next_event_id), else_=OB.c.event_id),
                S.c.event_type,
                OB.c.order_id,
                OB.c.sequence + case((second, 1), else_=0),
                cast(literal(PENDING), String(16)),
                cast(literal(0), Integer),
                cast(literal(max_attempts), Integer),
                literal(now, UTCDateTime()),
                literal(now, UTCDateTime()),
                literal(now, UTCDateTime()),
            )
            .select_from(
                OB.join(E, E.c.business_id == OB.c.business_id).join(
                    S,
                    (S.c.endpoint_id == E.c.id)
                    & S.c.event_type.in_([OB.c.event_type, OB.c.next_event_type]),
                )
            )
            .where(OB.c.id.in_(ids), E.c.is_active.is_(True), E.c.deleted_at.is_(None))
            .order_by(OB.c.id, second, E.c.id)
        )
        names = [
            "endpoint_id",
            "business_id",
            "outbox_id",
            "event_id",
            "event_type",
            "order_id",
            "sequence",
            "status",
            "attempts",
            "max_attempts",
            "next_attempt_at",
            "created_at",
            "updated_at",
        ]
        # An event fanned out already (by a relay of the release before migration 0007, which
        # marked it in outbox.dispatched_at instead) keeps the deliveries it has.
        fan = self._dialect.insert(D).from_select(names, source)
        await self._conn.execute(fan.on_conflict_do_nothing().execution_options(**_RELAY))
        # Deleting the queue entries writes no new row version (migration 0007 says why).
        await self._conn.execute(delete(P).where(P.c.outbox_id.in_(ids)))
        return len(ids)

    async def claim(
        self, limit: int, now: datetime, lease_until: datetime
    ) -> list[ClaimedDelivery]:
        """Lease up to `limit` due deliveries, each the earliest pending one of its order+endpoint.

        A leased delivery stays pending (so later events of its order keep waiting) until the
        relay records the attempt; if the relay dies first, the lease runs out and it is retried.
        """
        earlier = D.alias("earlier")
        waits = exists().where(
            earlier.c.endpoint_id == D.c.endpoint_id,
            earlier.c.order_id == D.c.order_id,
            earlier.c.status == PENDING,
            # Earlier in the outbox, or the first event of the same row.
            (earlier.c.outbox_id < D.c.outbox_id)
            | ((earlier.c.outbox_id == D.c.outbox_id) & (earlier.c.sequence < D.c.sequence)),
        )
        due = (
            select(D.c.id)
            .join(E, (E.c.id == D.c.endpoint_id) & (E.c.business_id == D.c.business_id))
            .where(
                D.c.status == PENDING,
                D.c.next_attempt_at <= now,
                E.c.is_active.is_(True),
                E.c.deleted_at.is_(None),
                ~waits,
            )
            .order_by(D.c.next_attempt_at, D.c.id)
            .limit(limit)
        )
        due = self._dialect.skip_locked(due, of=D)
        ids = (await self._conn.scalars(due.execution_options(**_RELAY))).all()
        if not ids:
            return []
        await self._conn.execute(
            update(D)
            .where(D.c.id.in_(ids))
            .values(attempts=D.c.attempts + 1, next_attempt_at=lease_until, updated_at=now)
            .execution_options(**_RELAY)
        )
        rows = await self._conn.execute(
            select(
                D.c.id,
                D.c.attempts,
                D.c.max_attempts,
                E.c.url,
                E.c.secret,
                D.c.event_id,
                D.c.event_type,
                D.c.sequence,
                OB.c.created_at,
                OB.c.payload,
                OB.c.order_id,
                OB.c.business_id,
                E.c.contract,
                businesses.c.name.label("business_name"),
                orders.c.uuid.label("order_uuid"),
                orders.c.created_at.label("order_created_at"),
            )
            # Every join also on the business: what a sharded database needs (docs/scaling.md).
            .join(E, (E.c.id == D.c.endpoint_id) & (E.c.business_id == D.c.business_id))
            .join(OB, (OB.c.id == D.c.outbox_id) & (OB.c.business_id == D.c.business_id))
            .join(businesses, businesses.c.id == OB.c.business_id)
            # The order's UUID and creation time are what 2026-07-21 payloads add: read here,
            # once per delivery, instead of being written into every event by the change path.
            .outerjoin(
                orders, (orders.c.id == OB.c.order_id) & (orders.c.business_id == OB.c.business_id)
            )
            .where(D.c.id.in_(ids))
            .order_by(D.c.id)
            .execution_options(**_RELAY)
        )
        return [
            ClaimedDelivery(
                id=r.id,
                attempt=r.attempts,
                max_attempts=r.max_attempts,
                url=r.url,
                secret=self._secrets.open(r.secret, r.business_id),
                event_id=r.event_id,
                event_type=r.event_type,
                occurred_at=r.created_at,
                sequence=r.sequence,
                data=r.payload.encode(),
                contract=r.contract,
                order_id=r.order_id,
                business_id=r.business_id,
                business_name=r.business_name,
                order_uuid=str(r.order_uuid) if r.order_uuid is not None else None,
                order_created_at=r.order_created_at,
            )
            for r in rows
        ]

    async def record(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
        """Log each attempt and move its delivery on, unless another relay has re-leased it."""
        if not outcomes:
            return
        await self._conn.execute(
            insert(A),
            [
                {
                    "delivery_id": o.delivery_id,
                    "number": o.attempt.number,
                    "attempted_at": o.attempt.attempted_at,
                    "status_code": o.attempt.status_code,
                    "latency_ms": o.attempt.latency_ms,
                    "error": o.attempt.error[:MAX_ERROR_CHARS] if o.attempt.error else None,
                }
                for o in outcomes
            ],
        )
        await self._conn.execute(
            update(D)
            .where(
                D.c.id == bindparam("d_id"),
                D.c.attempts == bindparam("d_attempt"),
                D.c.status == PENDING,
            )
            .values(
                status=bindparam("d_status"),
                next_attempt_at=bindparam("d_next", type_=UTCDateTime()),
                delivered_at=bindparam("d_delivered", type_=UTCDateTime()),
                updated_at=now,
            )
            .execution_options(**_RELAY),
            [
                {
                    "d_id": o.delivery_id,
                    "d_attempt": o.attempt.number,
                    "d_status": o.status.value,
                    "d_next": o.next_attempt_at,
                    "d_delivered": (
                        o.attempt.attempted_at if o.status is DeliveryStatus.SUCCEEDED else None
                    ),
                }
                for o in outcomes
            ],
        )
        for o in outcomes:
            WEBHOOK_DELIVERIES.labels(outcome=_OUTCOMES[o.status]).inc()
            WEBHOOK_LATENCY.observe(o.attempt.latency_ms / 1000)
