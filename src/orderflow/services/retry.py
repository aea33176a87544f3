"""Running a command again when the database aborted it to settle a conflict."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from orderflow.services.storage_errors import StorageConflict

T = TypeVar("T")
ATTEMPTS = 6
_BASE_DELAY_S = 0.01


async def retrying(command: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """Run `command`; on `StorageConflict` run it again (with jittered backoff), up to
    `attempts` times, then let the last conflict through."""
    for attempt in range(1, attempts + 1):
        try:
            return await command()
        except StorageConflict:
            if attempt == attempts:
                raise
            # Full jitter: colliding transactions rarely collide again on the next try.
            await asyncio.sleep(random.uniform(0, _BASE_DELAY_S * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover
