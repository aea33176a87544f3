"""Per-key rate limits in fixed windows (100 per 10 s and 10,000 per hour by default)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from orderflow.domain.errors import OrderflowError
from orderflow.services.repositories import RateCounter


@dataclass(frozen=True, slots=True)
class Window:
    seconds: int
    limit: int  # requests allowed per window


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """What the X-Ratelimit-* headers say: the tightest window's limit, what is left of it, and
    how many seconds until it starts over."""

    limit: int
    remaining: int
    reset_s: int


class RateLimited(OrderflowError):
    """The key made more requests than a window allows; retry after `retry_after_s`."""

    code = "rate_limited"

    def __init__(self, state: RateLimitState) -> None:
        super().__init__(f"rate limit of {state.limit} requests exceeded; retry later")
        self.state = state
        self.retry_after_s = state.reset_s


class RateLimiter:
    """Counts each request of an API key in every window with a limit; 0 turns a window off."""

    def __init__(self, counter: RateCounter, windows: Sequence[Window]) -> None:
        self._counter = counter
        self._windows = sorted((w for w in windows if w.limit > 0), key=lambda w: w.seconds)

    @property
    def enabled(self) -> bool:
        """Whether any window has a limit."""
        return bool(self._windows)

    async def hit(self, api_key_id: int, now: float) -> RateLimitState:
        """Count one request of the key; its state, or RateLimited when a window is exceeded."""
        counts = await self._counter.hit(
            f"key:{api_key_id}", [w.seconds for w in self._windows], now
        )
        states = [
            (count > w.limit, RateLimitState(w.limit, max(0, w.limit - count), _reset(w, now)))
            for w, count in zip(self._windows, counts, strict=True)
        ]
        exceeded = [state for over, state in states if over]
        if exceeded:
            raise RateLimited(max(exceeded, key=lambda s: s.reset_s))
        # The tightest window is the one with the least left (the shorter one on a tie).
        return min((state for _, state in states), key=lambda s: s.remaining)


def _reset(window: Window, now: float) -> int:
    return max(1, math.ceil(window.seconds - now % window.seconds))
