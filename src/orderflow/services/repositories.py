"""The repositories' protocols: what the services ask of storage. `adapters/` implements
them with SQL; a fake of one is a class with these methods."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from orderflow.domain.lifecycle import OrderStatus, PaymentStatus
from orderflow.services.records import (
    Actor,
    ApiKeyRecord,
    AppliedChange,
    BusinessRecord,
    HistoryEntry,
    IdempotencyRecord,
    Keyset,
    LaterChange,
    NewOrder,
    OrderFilter,
    OrderRecord,
    OrderRef,
    OrderRow,
    OrderSnapshot,
    OutboxEvent,
    RecordedChange,
    RequestSummary,
    StatisticsQuery,
    StatisticsRow,
    StoredResponse,
)


class OrderRepository(Protocol):
    """Orders of one business; an order of another business does not exist here."""

    async def lock_for_change(
        self, ids: Sequence[int], *, lock: bool = True
    ) -> dict[int, OrderSnapshot]: ...

    async def lock_by_uuid(
        self, uuids: Sequence[UUID], *, lock: bool = True
    ) -> dict[int, OrderSnapshot]:
        """`lock_for_change` for orders named by UUID, in one statement."""
        ...

    async def update_many(self, changes: Sequence[AppliedChange], now: datetime) -> None:
        """Write the changes: statuses, status times, version, the details each target gives
        and empties (`Target.cleared`)."""
        ...

    async def delete_many(self, ids: Sequence[int], now: datetime) -> None:
        """Mark the orders deleted at `now` (they are locked by `lock_for_change` first)."""
        ...

    async def add(
        self, order: NewOrder, order_id: str, status: OrderStatus, now: datetime
    ) -> int | None: ...

    async def get(self, ref: OrderRef) -> OrderRecord | None: ...

    async def history(self, ref: OrderRef) -> list[HistoryEntry] | None: ...

    async def ids_by_uuid(self, uuids: Sequence[UUID]) -> dict[UUID, int]:
        """The numeric ids of the orders with these UUIDs (unknown ones are absent)."""
        ...

    async def list_page(
        self, where: OrderFilter, after: Keyset | None, *, older: bool, limit: int
    ) -> list[OrderRow]:
        """Up to `limit` orders past `after` (older: newest first; newer: oldest first)."""
        ...

    def stream(self, where: OrderFilter) -> AsyncIterator[list[OrderRow]]:
        """Every matching order, newest first, in batches (never all of them in memory)."""
        ...

    async def ids_by_number(self, numbers: Sequence[str]) -> dict[str, int]: ...

    async def statistics(self, query: StatisticsQuery) -> list[StatisticsRow]:
        """The matching orders counted per status and/or period (one row without either)."""
        ...


class HistoryRepository(Protocol):
    async def add_changes(
        self,
        changes: Sequence[AppliedChange],
        actor: Actor,
        now: datetime,
        reverts: str | None = None,
    ) -> None:
        """One row per change, with what the details it writes held before it; `reverts`: the
        request id the changes revert (a revert's rows)."""
        ...

    async def add_deletions(
        self, orders: Sequence[OrderSnapshot], actor: Actor, now: datetime
    ) -> None:
        """One `deleted` row per order (its statuses as they were)."""
        ...

    async def request_changes(
        self, request_id: str, *, after: int | None = None, limit: int
    ) -> list[RecordedChange]:
        """Up to `limit` rows `request_id` wrote (past history row `after`), oldest first."""
        ...

    async def changes_after(
        self, order_ids: Sequence[int], after: int, request_id: str
    ) -> list[LaterChange]:
        """Every history row of these orders newer than row `after` that another request than
        `request_id` wrote, oldest first."""
        ...

    async def reverted_orders(self, request_id: str, order_ids: Sequence[int]) -> dict[int, str]:
        """Of these orders, those a revert of `request_id` put back, and that revert's id."""
        ...

    async def request_summary(self, request_id: str) -> RequestSummary | None:
        """What `request_id` wrote, counted (None: it wrote nothing for this business)."""
        ...

    async def add_creation(
        self,
        order_id: int,
        status: OrderStatus,
        payment_status: PaymentStatus,
        actor: Actor,
        now: datetime,
    ) -> None: ...


class Outbox(Protocol):
    async def add_many(self, events: Iterable[OutboxEvent]) -> None: ...


class TenantRepository(Protocol):
    """Businesses and their API keys (read before any business is known)."""

    async def add_business(self, name: str, now: datetime) -> int: ...

    async def get_business(self, business_id: int) -> BusinessRecord | None: ...

    async def find_business_by_name(self, name: str) -> BusinessRecord | None: ...

    async def add_api_key(
        self,
        business_id: int,
        prefix: str,
        key_hash: str,
        scopes: frozenset[str],
        contract: str,
        now: datetime,
    ) -> int: ...

    async def find_api_key(self, prefix: str) -> ApiKeyRecord | None: ...

    async def revoke_api_key(self, prefix: str, now: datetime) -> bool: ...


class IdempotencyStore(Protocol):
    """Answers stored under idempotency keys of one business (expired ones do not exist)."""

    async def find(self, key: str, now: datetime) -> IdempotencyRecord | None: ...

    async def save(
        self, key: str, fingerprint: str, response: StoredResponse, now: datetime
    ) -> None: ...


class RateCounter(Protocol):
    """Counts hits per bucket in fixed windows, shared by every server process that must agree."""

    async def hit(self, bucket: str, windows: Sequence[int], now: float) -> list[int]:
        """Count one hit in the current window of each length (seconds); the counts after it."""
        ...
