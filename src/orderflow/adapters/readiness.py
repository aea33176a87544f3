"""Readiness: the database answers and its schema is the one this code was written for."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache

from sqlalchemy.ext.asyncio import AsyncEngine

from orderflow.adapters.migrate import current_revision, head_revision


@dataclass(frozen=True, slots=True)
class Readiness:
    """What `/readyz` reports."""

    database: bool
    current: str | None
    head: str | None

    @property
    def ready(self) -> bool:
        """True when the database answers and is at the newest migration."""
        return self.database and self.current == self.head


@cache
def _head() -> str | None:
    # The migrations shipped with the code do not change while it runs: read them once.
    return head_revision()


async def check_readiness(engine: AsyncEngine, timeout_s: float = 3.0) -> Readiness:
    """Ask the database for its schema revision, giving up after `timeout_s`."""
    head = _head()
    try:
        async with asyncio.timeout(timeout_s):
            current = await current_revision(engine)
    except Exception:
        return Readiness(database=False, current=None, head=head)
    return Readiness(database=True, current=current, head=head)
