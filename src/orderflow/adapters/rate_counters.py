"""Rate-limit counters: in PostgreSQL (shared by every server process) or in process memory."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from orderflow.adapters.db_errors import storage_error

_PRUNE_EVERY = 1024


def _window_start(seconds: int, now: float) -> int:
    return int(now // seconds) * seconds


class SqlRateCounter:
    """`RateCounter` on PostgreSQL: one upsert per request for all its windows."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def hit(self, bucket: str, windows: Sequence[int], now: float) -> list[int]:
        """Count one hit in each window; the counts after it, in the order of `windows`."""
        if not windows:
            return []
        params: dict[str, object] = {}
        rows = []
        for i, seconds in enumerate(windows):
            start = _window_start(seconds, now)
            params |= {f"b{i}": f"{bucket}:{seconds}", f"s{i}": start, f"e{i}": start + seconds}
            rows.append(f"(:b{i}, :s{i}, 1, :e{i})")
        # Rows are always upserted in the same order, so concurrent hits cannot deadlock.
        stmt = text(
            "INSERT INTO rate_limit_counters (bucket, window_start, hits, expires_at) "
            f"VALUES {', '.join(rows)} ON CONFLICT (bucket, window_start) "
            "DO UPDATE SET hits = rate_limit_counters.hits + 1 RETURNING bucket, hits"
        )
        try:
            # In a transaction of its own, not autocommitted: behind PgBouncer in transaction
            # mode, a statement outside a transaction is prepared on one server connection and
            # may be run on another.
            async with self._engine.begin() as conn:
                try:
                    result = await conn.execute(stmt, params)
                    hits = {row.bucket: int(row.hits) for row in result}
                except Exception:
                    await conn.invalidate()  # not trusted again (a standby now, a timeout)
                    raise
        except Exception as exc:
            raise (storage_error(exc, connecting=True) or exc) from exc
        return [hits[f"{bucket}:{seconds}"] for seconds in windows]


class MemoryRateCounter:
    """`RateCounter` in this process (the embedded SQLite setup runs one server process)."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, int, int], int] = {}
        self._calls = 0

    async def hit(self, bucket: str, windows: Sequence[int], now: float) -> list[int]:
        """Count one hit in each window; the counts after it, in the order of `windows`."""
        self._calls += 1
        if self._calls % _PRUNE_EVERY == 0:
            self._prune(now)
        counts = []
        for seconds in windows:
            key = (bucket, seconds, _window_start(seconds, now))
            self._hits[key] = count = self._hits.get(key, 0) + 1
            counts.append(count)
        return counts

    def _prune(self, now: float) -> None:
        for key in [k for k in self._hits if k[2] + k[1] <= now]:
            del self._hits[key]
