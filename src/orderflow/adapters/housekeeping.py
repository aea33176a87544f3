"""Periodic clean-up: expired idempotency keys (and old rate-limit windows) are deleted."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from orderflow.adapters.tables import idempotency_keys, rate_limit_counters
from orderflow.adapters.tenancy import across_businesses

PURGE_INTERVAL_S = 600.0
log = logging.getLogger("orderflow.housekeeping")


async def purge_expired(engine: AsyncEngine, now: datetime) -> int:
    """Delete expired idempotency keys and rate-limit windows; how many rows went."""
    async with engine.begin() as conn:
        keys = await conn.execute(
            delete(idempotency_keys)
            .where(idempotency_keys.c.expires_at <= now)
            .execution_options(**across_businesses("expired keys of every business are purged"))
        )
        windows = await conn.execute(
            delete(rate_limit_counters).where(
                rate_limit_counters.c.expires_at <= int(now.timestamp())
            )
        )
    return int(keys.rowcount or 0) + int(windows.rowcount or 0)


async def purge_forever(engine: AsyncEngine, interval_s: float = PURGE_INTERVAL_S) -> None:
    """Purge every `interval_s` seconds until cancelled; a failed round is logged, not fatal."""
    while True:
        try:
            await purge_expired(engine, datetime.now(UTC))
        except Exception:
            log.warning("purging expired idempotency keys failed", exc_info=True)
        await asyncio.sleep(interval_s)
