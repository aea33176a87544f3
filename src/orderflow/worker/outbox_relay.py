"""The outbox relay as a long-running task: `orderflow worker`, or inside `orderflow serve`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from orderflow.bootstrap import Container
from orderflow.config import Settings
from orderflow.contracts.payloads import render_data
from orderflow.domain.webhooks import RetrySchedule
from orderflow.services.unit_of_work import UnitOfWorkFactory
from orderflow.services.webhook_outbound import url_guard
from orderflow.services.webhook_ports import (
    ClaimedDelivery,
    SenderFactory,
    UrlGuard,
    WebhookSender,
)
from orderflow.services.webhook_relay import RelayConfig, relay_round, stored_data

log = logging.getLogger("orderflow.relay")


def rendered(delivery: ClaimedDelivery) -> bytes:
    """A delivery's data in its endpoint's contract version."""
    return render_data(
        delivery.contract,
        delivery.event_type,
        stored_data(delivery),
        delivery.business_id,
        delivery.business_name,
        delivery.order_uuid,
        delivery.order_created_at,
    )


def relay_config(settings: Settings) -> RelayConfig:
    """The relay's knobs, from `ORDERFLOW_WEBHOOK_*`."""
    return RelayConfig(
        schedule=RetrySchedule(
            tuple(settings.webhook_retry_schedule_s), settings.webhook_retry_jitter
        ),
        batch_size=settings.webhook_batch_size,
        concurrency=settings.webhook_concurrency,
        lease_s=settings.webhook_lease_s,
        render=rendered,
    )


class OutboxRelay:
    """Runs relay rounds until stopped: busy rounds follow each other, idle ones wait a poll."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        open_sender: SenderFactory,
        config: RelayConfig,
        poll_interval_s: float,
        guard: UrlGuard | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._open_sender = open_sender
        self._config = config
        self._poll_interval_s = poll_interval_s
        self._guard = guard
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Relay until `request_stop()`; the round in flight is finished and recorded first."""
        async with self._open_sender() as sender:
            while not self._stopping.is_set():
                busy = await self._round(sender)
                if not busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), self._poll_interval_s)

    async def _round(self, sender: WebhookSender) -> int:
        try:
            return await relay_round(self._uow_factory, sender, self._config, guard=self._guard)
        except Exception:
            # A database or network hiccup must not end the relay: leases make a retry safe.
            log.exception("webhook relay round failed; retrying after the poll interval")
            return 0

    def start(self) -> asyncio.Task[None]:
        """Run in the background (the in-process relay of `orderflow serve`)."""
        self._task = asyncio.create_task(self.run(), name="orderflow-outbox-relay")
        return self._task

    def request_stop(self) -> None:
        """Ask the relay to stop after the current round (safe from a signal handler)."""
        self._stopping.set()

    async def stop(self) -> None:
        """Stop after the current round: its deliveries are finished and recorded."""
        self.request_stop()
        if self._task is not None:
            await self._task


def build_relay(container: Container) -> OutboxRelay:
    """The relay for a container's database and settings."""
    settings = container.settings
    outbound = container.outbound()
    return OutboxRelay(
        container.uow_factory,
        outbound.open_sender,
        relay_config(settings),
        settings.webhook_poll_interval_s,
        url_guard(outbound),
    )
