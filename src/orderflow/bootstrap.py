"""The composition root: builds the engine and the unit-of-work factory from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from orderflow.adapters.db import create_engine
from orderflow.adapters.rate_counters import MemoryRateCounter, SqlRateCounter
from orderflow.adapters.secret_box import SecretBox
from orderflow.adapters.sql_unit_of_work import SqlUnitOfWorkFactory
from orderflow.adapters.webhook_sender import HttpxWebhookSender, resolve_host
from orderflow.config import Settings
from orderflow.services.access import KeyCache
from orderflow.services.rate_limits import RateLimiter, Window
from orderflow.services.webhook_outbound import Outbound


@dataclass(frozen=True, slots=True)
class Container:
    """What every entry point (API, CLI, worker) runs on."""

    settings: Settings
    engine: AsyncEngine
    uow_factory: SqlUnitOfWorkFactory
    rate_limiter: RateLimiter
    key_cache: KeyCache

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    def outbound(self) -> Outbound:
        """How webhooks reach receivers from this process."""
        timeout_s = self.settings.webhook_timeout_s
        return Outbound(
            open_sender=lambda: HttpxWebhookSender(timeout_s),
            resolve=resolve_host,
            allow_private_urls=self.settings.webhook_allow_private_urls,
        )


def build(settings: Settings | None = None) -> Container:
    """Wire orderflow for `settings` (read from the environment when not given)."""
    settings = settings or Settings()
    engine = create_engine(settings)
    uow_factory = SqlUnitOfWorkFactory(
        engine,
        SecretBox(settings.encryption_key_bytes),
        idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours),
    )
    # Several server processes need one shared count (PostgreSQL); SQLite runs one process.
    counter = MemoryRateCounter() if settings.is_sqlite else SqlRateCounter(engine)
    rate_limiter = RateLimiter(
        counter,
        [Window(10, settings.rate_limit_per_10s), Window(3600, settings.rate_limit_per_hour)],
    )
    return Container(
        settings=settings,
        engine=engine,
        uow_factory=uow_factory,
        rate_limiter=rate_limiter,
        key_cache=KeyCache(settings.auth_cache_s),
    )
