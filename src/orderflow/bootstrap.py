"""The composition root: builds the engine and the unit-of-work factory from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from orderflow.adapters.db import create_engine
from orderflow.adapters.sql_unit_of_work import SqlUnitOfWorkFactory
from orderflow.config import Settings


@dataclass(frozen=True, slots=True)
class Container:
    """What every entry point (API, CLI, worker) runs on."""

    settings: Settings
    engine: AsyncEngine
    uow_factory: SqlUnitOfWorkFactory

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def build(settings: Settings | None = None) -> Container:
    """Wire orderflow for `settings` (read from the environment when not given)."""
    settings = settings or Settings()
    engine = create_engine(settings)
    uow_factory = SqlUnitOfWorkFactory(
        engine, idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours)
    )
    return Container(settings=settings, engine=engine, uow_factory=uow_factory)
