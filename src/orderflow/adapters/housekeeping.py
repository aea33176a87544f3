"""Housekeeping: what the service keeps only for a while is deleted, in small batches.

- Expired idempotency keys and old rate-limit windows.
- Webhook events older than the event retention whose every delivery ended (delivered, dead,
  canceled, or no endpoint wanted the event), with their deliveries and attempts. An event still
  waiting for its fan-out or for a delivery is never deleted, however old.
- Order history older than the history retention, only when one is set: the history is the
  audit trail and is kept forever by default.

Old rows are found by a read, in id order (ids grow with time), a batch at a time; each batch is
then deleted in a short transaction of its own that checks the conditions again, so a delivery
queued again in between keeps its event. A read never takes SQLite's write lock, so a round with
nothing to purge never waits for (or holds up) a batch of changes. On PostgreSQL one process
purges at a time (a transaction-scoped advisory lock); the others skip the batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from orderflow.adapters.db import reading
from orderflow.adapters.sql_dialect import sql_dialect
from orderflow.adapters.tables import (
    idempotency_keys,
    order_status_history,
    outbox,
    outbox_pending,
    rate_limit_counters,
    webhook_attempts,
    webhook_deliveries,
)
from orderflow.adapters.tenancy import across_businesses
from orderflow.config import Settings
from orderflow.domain.webhooks import DeliveryStatus

PURGE_INTERVAL_S = 600.0
PURGE_LOCK = 0x6F726466_6C6F7702  # any constant; advisory locks are per database
BATCH = 1_000
log = logging.getLogger("orderflow.housekeeping")
_EVERY_BUSINESS = across_businesses("housekeeping purges what every business has outlived")
_PENDING = DeliveryStatus.PENDING.value


@dataclass(frozen=True, slots=True)
class Retention:
    """How long what is purged is kept, in days (`history_days` None: forever)."""

    event_days: float = 30.0
    history_days: float | None = None
    batch: int = BATCH


def retention(settings: Settings) -> Retention:
    """The retention `settings` ask for."""
    return Retention(settings.event_retention_days, settings.history_retention_days)


@dataclass(slots=True)
class Purged:
    """How many rows one round deleted, per kind."""

    idempotency_keys: int = 0
    rate_limit_windows: int = 0
    events: int = 0
    deliveries: int = 0
    attempts: int = 0
    history: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


async def housekeeping_round(engine: AsyncEngine, retention: Retention, now: datetime) -> Purged:
    """Purge everything that is due at `now`, in batches; how many rows went."""
    purged = Purged()
    await _purge_expired(engine, now, purged)
    event_cutoff = now - timedelta(days=retention.event_days)
    await _in_batches(engine, outbox, event_cutoff, retention.batch, _delete_events, purged)
    if retention.history_days is not None:
        history_cutoff = now - timedelta(days=retention.history_days)
        await _in_batches(
            engine, order_status_history, history_cutoff, retention.batch, _delete_history, purged
        )
    return purged


Work = Callable[[AsyncConnection, Sequence[int], Purged], Awaitable[None]]


async def _in_batches(
    engine: AsyncEngine, table: Table, cutoff: datetime, batch: int, work: Work, purged: Purged
) -> None:
    """`work` on the rows of `table` created before `cutoff`, `batch` ids at a time."""
    after, more = 0, True
    while more:
        old, after, more = await _old_ids(engine, table, cutoff, after, batch)
        if old and not await _in_purge_transaction(engine, work, old, purged):
            return  # another process is purging


async def _old_ids(
    engine: AsyncEngine, table: Table, cutoff: datetime, after: int, limit: int
) -> tuple[list[int], int, bool]:
    """The ids of `table` past `after` created before `cutoff`, from the next `limit` rows in
    id order; the last id read; and whether to read on (no row at or past the cutoff yet)."""
    async with reading(engine) as conn:
        rows = (
            await conn.execute(
                select(table.c.id, table.c.created_at)
                .where(table.c.id > after)
                .order_by(table.c.id)
                .limit(limit)
                .execution_options(**_EVERY_BUSINESS)
            )
        ).all()
    old = [id_ for id_, created_at in rows if created_at < cutoff]
    last = rows[-1][0] if rows else after
    return old, last, len(rows) == limit and len(old) == len(rows)


async def _in_purge_transaction(
    engine: AsyncEngine, work: Work, ids: Sequence[int], purged: Purged
) -> bool:
    """Run `work(conn, ids, purged)` in a transaction of its own; False when another process
    holds the purge lock (PostgreSQL)."""
    async with engine.begin() as conn:
        lock = sql_dialect(conn).try_lock(PURGE_LOCK)
        if lock is not None and not (await conn.execute(lock)).scalar_one():
            return False
        await work(conn, ids, purged)
    await asyncio.sleep(0)  # let requests in between batches
    return True


async def _delete_events(conn: AsyncConnection, ids: Sequence[int], purged: Purged) -> None:
    D, A, OB, P = webhook_deliveries, webhook_attempts, outbox, outbox_pending
    ended = (D.c.outbox_id.in_(ids), D.c.status != _PENDING)
    attempts = await conn.execute(
        delete(A)
        .where(A.c.delivery_id.in_(select(D.c.id).where(*ended)))
        .execution_options(**_EVERY_BUSINESS)
    )
    deliveries = await conn.execute(delete(D).where(*ended).execution_options(**_EVERY_BUSINESS))
    # An event goes once nothing waits for it: not queued for fan-out, no delivery left.
    events = await conn.execute(
        delete(OB)
        .where(
            OB.c.id.in_(ids),
            ~exists().where(P.c.outbox_id == OB.c.id),
            ~exists().where(D.c.outbox_id == OB.c.id),
        )
        .execution_options(**_EVERY_BUSINESS)
    )
    purged.attempts += int(attempts.rowcount or 0)
    purged.deliveries += int(deliveries.rowcount or 0)
    purged.events += int(events.rowcount or 0)


async def _delete_history(conn: AsyncConnection, ids: Sequence[int], purged: Purged) -> None:
    h = order_status_history
    result = await conn.execute(
        delete(h).where(h.c.id.in_(ids)).execution_options(**_EVERY_BUSINESS)
    )
    purged.history += int(result.rowcount or 0)


async def _purge_expired(engine: AsyncEngine, now: datetime, purged: Purged) -> None:
    keys = idempotency_keys.c.expires_at <= now
    windows = rate_limit_counters.c.expires_at <= int(now.timestamp())
    async with reading(engine) as conn:  # a write only when there is something to delete
        due = await conn.scalar(
            select(func.count())
            .select_from(idempotency_keys)
            .where(keys)
            .execution_options(**_EVERY_BUSINESS)
        )
        due = int(due or 0) + int(
            await conn.scalar(select(func.count()).select_from(rate_limit_counters).where(windows))
            or 0
        )
    if not due:
        return
    async with engine.begin() as conn:
        deleted_keys = await conn.execute(
            delete(idempotency_keys).where(keys).execution_options(**_EVERY_BUSINESS)
        )
        deleted_windows = await conn.execute(delete(rate_limit_counters).where(windows))
    purged.idempotency_keys += int(deleted_keys.rowcount or 0)
    purged.rate_limit_windows += int(deleted_windows.rowcount or 0)


async def purge_forever(
    engine: AsyncEngine, retention: Retention, interval_s: float = PURGE_INTERVAL_S
) -> None:
    """A housekeeping round every `interval_s` seconds until cancelled; a failed round is
    logged, not fatal."""
    while True:
        try:
            purged = await housekeeping_round(engine, retention, datetime.now(UTC))
            if any(purged.as_dict().values()):
                log.info("housekeeping purged old rows", extra=purged.as_dict())
        except Exception:
            log.warning("a housekeeping round failed", exc_info=True)
        await asyncio.sleep(interval_s)
