"""One round of the outbox relay: fan new events out to endpoints, lease due deliveries, POST them.

At-least-once: a delivery is leased (it stays pending, so later events of its order wait), sent,
and only then recorded. A relay that dies after sending but before recording leaves the lease to
run out, and the delivery is sent again with the same `webhook-id`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from orderflow.domain.webhooks import DeliveryStatus, RetrySchedule, envelope, signed_headers
from orderflow.services.change_status import Clock, utc_now
from orderflow.services.order_events import event_data
from orderflow.services.unit_of_work import UnitOfWorkFactory
from orderflow.services.webhook_ports import (
    ClaimedDelivery,
    DeliveryAttempt,
    DeliveryOutcome,
    SendResult,
    UrlCheck,
    UrlGuard,
    WebhookSender,
)


def stored_data(delivery: ClaimedDelivery) -> bytes:
    """The event's data as orderflow has always sent it (a relay that knows no contract
    versions), from its outbox row."""
    return event_data(
        delivery.event_type,
        delivery.data,
        delivery.order_id,
        delivery.sequence,
        delivery.occurred_at,
    )


@dataclass(frozen=True, slots=True)
class RelayConfig:
    schedule: RetrySchedule
    # The `data` a delivery sends: the stored event rendered in its endpoint's contract version.
    render: Callable[[ClaimedDelivery], bytes] = stored_data
    batch_size: int = 100  # deliveries leased and sent per round
    concurrency: int = 20  # POSTs in flight at once
    lease_s: float = 60.0  # longer than the send timeout: an unrecorded lease is retried after it
    fan_out_batch: int = 1000  # outbox rows turned into deliveries per transaction


async def fan_out(
    uow_factory: UnitOfWorkFactory, config: RelayConfig, clock: Clock = utc_now
) -> int:
    """Turn up to `fan_out_batch` new outbox rows into deliveries; how many rows were taken."""
    async with uow_factory() as uow:
        taken = await uow.deliveries.fan_out(
            config.fan_out_batch, config.schedule.max_attempts, clock()
        )
        await uow.commit()
    return taken


def outcome(
    claimed: ClaimedDelivery,
    sent_at: datetime,
    result: SendResult,
    schedule: RetrySchedule,
    rand: Callable[[], float],
) -> DeliveryOutcome:
    """What one attempt means: delivered, retried later, or given up (dead letter)."""
    attempt = DeliveryAttempt(
        claimed.attempt, sent_at, result.status_code, result.latency_ms, result.error
    )
    if result.ok:
        return DeliveryOutcome(claimed.id, attempt, DeliveryStatus.SUCCEEDED, sent_at)
    retry_at = schedule.next_attempt(claimed.attempt, claimed.max_attempts, sent_at, rand)
    if retry_at is None:
        return DeliveryOutcome(claimed.id, attempt, DeliveryStatus.FAILED, sent_at)
    return DeliveryOutcome(claimed.id, attempt, DeliveryStatus.PENDING, retry_at)


async def deliver_due(
    uow_factory: UnitOfWorkFactory,
    sender: WebhookSender,
    config: RelayConfig,
    clock: Clock = utc_now,
    rand: Callable[[], float] = random.random,
    guard: UrlGuard | None = None,
) -> int:
    """Lease up to `batch_size` due deliveries, POST them, record every attempt; how many.

    With a `guard`, a URL it refuses is not contacted: the attempt fails with its reason.
    """
    now = clock()
    async with uow_factory() as uow:
        claimed = await uow.deliveries.claim(
            config.batch_size, now, now + timedelta(seconds=config.lease_s)
        )
        await uow.commit()
    if not claimed:
        return 0
    gate = asyncio.Semaphore(config.concurrency)
    checks: dict[str, UrlCheck] = {}
    if guard is not None:
        for url in {d.url for d in claimed}:
            checks[url] = await guard(url)

    async def attempt(delivery: ClaimedDelivery) -> DeliveryOutcome:
        async with gate:
            body = envelope(
                delivery.event_type,
                delivery.event_id,
                delivery.occurred_at,
                config.render(delivery),
            )
            sent_at = clock()
            headers = signed_headers(delivery.secret, delivery.event_id, sent_at, body)
            check = checks.get(delivery.url, UrlCheck())
            if check.refused is not None:
                result = SendResult(None, 0, f"not sent: {check.refused}")
            else:  # to the address the guard checked, not to whatever the name resolves to now
                result = await sender.post(delivery.url, body, headers, check.address)
            return outcome(delivery, sent_at, result, config.schedule, rand)

    outcomes = await asyncio.gather(*(attempt(d) for d in claimed))
    async with uow_factory() as uow:
        await uow.deliveries.record(outcomes, clock())
        await uow.commit()
    return len(claimed)


async def relay_round(
    uow_factory: UnitOfWorkFactory,
    sender: WebhookSender,
    config: RelayConfig,
    clock: Clock = utc_now,
    rand: Callable[[], float] = random.random,
    guard: UrlGuard | None = None,
) -> int:
    """Fan out, then deliver one batch; the number of rows and deliveries handled (0: idle)."""
    fanned = await fan_out(uow_factory, config, clock)
    return fanned + await deliver_due(uow_factory, sender, config, clock, rand, guard)
