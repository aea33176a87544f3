"""The webhook backlog, measured in the database when metrics are scraped (no process keeps it)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from orderflow.adapters.db import reading
from orderflow.adapters.db_errors import database_fault
from orderflow.adapters.tables import outbox, outbox_pending, webhook_deliveries
from orderflow.adapters.tenancy import across_businesses
from orderflow.domain.webhooks import DeliveryStatus

Gauges = dict[str, tuple[str, float]]
log = logging.getLogger("orderflow.backlog")
_EVERY_BUSINESS = across_businesses("the backlog gauges count every business's events")


async def measure_backlog(engine: AsyncEngine, timeout_s: float = 2.0) -> Gauges:
    """Outbox events not yet handed to the relay, and deliveries still to be made (empty when
    the database does not answer in `timeout_s`: the scrape still shows every counter)."""
    try:
        async with asyncio.timeout(timeout_s), reading(engine) as conn:
            waiting, oldest = (
                await conn.execute(
                    select(func.count(), func.min(outbox.c.created_at))
                    .select_from(
                        outbox_pending.join(outbox, outbox.c.id == outbox_pending.c.outbox_id)
                    )
                    .execution_options(**_EVERY_BUSINESS)
                )
            ).one()
            pending = await conn.scalar(
                select(func.count())
                .select_from(webhook_deliveries)
                .where(webhook_deliveries.c.status == DeliveryStatus.PENDING.value)
                .execution_options(**_EVERY_BUSINESS)
            )
    except Exception as exc:
        if not database_fault(exc):
            # A bug: logged with its traceback (and the request's id); the scrape goes on.
            log.exception("measuring the webhook backlog failed")
        return {}
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
    return {
        "orderflow_outbox_backlog": (
            "Outbox rows (one per order change, holding its events) written but not yet "
            "turned into webhook deliveries by a relay.",
            float(waiting),
        ),
        "orderflow_outbox_oldest_age_seconds": (
            "Age of the oldest outbox event still waiting for a relay (0 when none waits).",
            max(age, 0.0),
        ),
        "orderflow_webhook_deliveries_pending": (
            "Webhook deliveries waiting for their first attempt, a retry, or an earlier event.",
            float(pending or 0),
        ),
    }
