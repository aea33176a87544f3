"""The unit of work: one transaction for one command, and the factory that opens one."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from orderflow.services.repositories import (
    HistoryRepository,
    IdempotencyStore,
    OrderRepository,
    Outbox,
    TenantRepository,
)
from orderflow.services.webhook_ports import DeliveryQueue, WebhookRepository


class UnitOfWork(Protocol):
    """One transaction for one command; `commit()` is the only way anything is kept.

    `orders`, `history`, `outbox` and `webhooks` are scoped to the unit's business; `tenants`
    and `deliveries` (the relay's queue, across businesses) are not.
    """

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def history(self) -> HistoryRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def tenants(self) -> TenantRepository: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def deliveries(self) -> DeliveryQueue: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work for one business (or none, for tenant administration).

    With `idempotency_key`, the unit also claims that key of the business for as long as it
    runs: opening it raises `IdempotencyKeyInUse` while another unit holds the same key.
    """

    def __call__(
        self,
        business_id: int | None = None,
        *,
        write: bool = True,
        idempotency_key: str | None = None,
    ) -> UnitOfWork: ...
