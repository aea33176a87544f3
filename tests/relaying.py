"""Running the outbox relay in tests: endpoints, a fast retry schedule, and draining the queue."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from orderflow.adapters.tables import outbox_pending, webhook_attempts, webhook_deliveries
from orderflow.adapters.webhook_sender import HttpxWebhookSender
from orderflow.bootstrap import Container
from orderflow.contracts.versions import Contract
from orderflow.domain.webhooks import SUBSCRIBABLE_EVENTS, RetrySchedule
from orderflow.services.webhook_ports import WebhookEndpoint
from orderflow.services.webhook_relay import RelayConfig, relay_round
from orderflow.services.webhooks import CreateWebhook, create_webhook
from orderflow.worker.outbox_relay import rendered
from tests.builders import DEFAULT_CONTRACT, Tenant
from tests.log_scan import remember_secret

ALL_EVENTS = SUBSCRIBABLE_EVENTS  # all seven of Scalev's order events
DRAIN_LIMIT_S = 120  # a safety net against a hung test, not a timing assertion


def fast_config(retries: int = 3, **overrides: object) -> RelayConfig:
    """Retries 50 ms apart, no jitter: a failing receiver is retried within the test."""
    options: dict[str, object] = {
        "batch_size": 100,
        "lease_s": 30.0,
        "render": rendered,
        **overrides,
    }
    return RelayConfig(RetrySchedule((0.05,) * retries, jitter=0.0), **options)  # type: ignore[arg-type]


async def make_endpoint(
    container: Container,
    tenant: Tenant,
    url: str,
    events: frozenset[str] = ALL_EVENTS,
    contract: Contract = DEFAULT_CONTRACT,
) -> WebhookEndpoint:
    """An active endpoint (its receiver gets `business.test_event` first)."""
    command = CreateWebhook(url, events, contract.value)
    endpoint = await create_webhook(
        container.uow_factory, tenant.actor, command, container.outbound()
    )
    remember_secret(endpoint.secret)  # the suite-wide log scan looks for it (tests/log_scan.py)
    return endpoint


async def queued(container: Container) -> int:
    """Outbox rows not yet fanned out plus deliveries still pending."""
    async with container.engine.connect() as conn:
        undispatched = (
            await conn.execute(select(func.count()).select_from(outbox_pending))
        ).scalar_one()
        pending = (
            await conn.execute(
                select(func.count())
                .select_from(webhook_deliveries)
                .where(webhook_deliveries.c.status == "pending")
            )
        ).scalar_one()
    return int(undispatched) + int(pending)


async def drain(container: Container, config: RelayConfig | None = None) -> None:
    """Run relay rounds until nothing is queued (waiting out retry delays and leases)."""
    config = config or fast_config()
    deadline = time.monotonic() + DRAIN_LIMIT_S
    async with HttpxWebhookSender(5.0) as sender:
        while True:
            if await relay_round(container.uow_factory, sender, config):
                continue
            if not await queued(container):
                return
            assert time.monotonic() < deadline, "the relay did not drain its queue"
            await asyncio.sleep(0.02)


async def attempts_of(container: Container) -> dict[int, list[tuple[int, int | None]]]:
    """Per delivery id: its recorded attempts as (number, status code)."""
    found: dict[int, list[tuple[int, int | None]]] = {}
    async with container.engine.connect() as conn:
        rows = await conn.execute(
            select(
                webhook_attempts.c.delivery_id,
                webhook_attempts.c.number,
                webhook_attempts.c.status_code,
            ).order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.number)
        )
        for delivery_id, number, status_code in rows:
            found.setdefault(delivery_id, []).append((number, status_code))
    return found
