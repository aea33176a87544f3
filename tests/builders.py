"""Builders for tests: businesses with keys, and orders in any state (no mocks)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import insert, select

from orderflow.adapters.tables import order_status_history, orders
from orderflow.api.app import create_app
from orderflow.bootstrap import Container, build
from orderflow.config import Settings
from orderflow.contracts.versions import Contract
from orderflow.services.access import create_api_key, create_business
from orderflow.services.records import Actor
from tests.log_scan import remember_secret


@dataclass(frozen=True)
class Tenant:
    business_id: int
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def actor(self) -> Actor:
        return Actor(business_id=self.business_id, request_id="test")


# Most tests were written for the older contract (numeric ids); the contract tests ask for each.
DEFAULT_CONTRACT = Contract.V2025_01_01


async def make_tenant(
    container: Container, name: str = "Toko Test", contract: Contract = DEFAULT_CONTRACT
) -> Tenant:
    issued = await create_business(container.uow_factory, name, contract.value)
    remember_secret(issued.key)
    return Tenant(issued.business_id, issued.key)


async def make_key(
    container: Container, tenant: Tenant, *scopes: str, contract: Contract = DEFAULT_CONTRACT
) -> str:
    issued = await create_api_key(
        container.uow_factory, tenant.business_id, frozenset(scopes), contract.value
    )
    remember_secret(issued.key)
    return issued.key


_counter = iter(range(1, 10**9))


async def make_orders(
    container: Container,
    tenant: Tenant,
    n: int = 1,
    *,
    status: str = "pending",
    payment_status: str = "unpaid",
    payment_method: str | None = "bank_transfer",
    created_at: datetime | None = None,
    customer_name: str = "Siti",
    customer_phone: str | None = "+6281234567890",
    customer_email: str | None = "siti@example.com",
) -> list[int]:
    """Insert `n` orders directly in the given state (each with its creation history row)."""
    now = created_at or datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    remember_secret(customer_phone, customer_email)
    rows = [
        {
            "business_id": tenant.business_id,
            "order_id": f"261120{next(_counter):06d}",
            "status": status,
            "payment_status": payment_status,
            "payment_method": payment_method,
            "customer_name": customer_name,
            "customer_phone": customer_phone,
            "customer_email": customer_email,
            "subtotal": 150000,
            "shipping_cost": 12000,
            "total": 162000,
            "version": 1,
            f"{status}_time": now,
            f"{payment_status}_time": now,
            "created_at": now,
            "updated_at": now,
        }
        for _ in range(n)
    ]
    async with container.engine.begin() as conn:
        result = await conn.execute(insert(orders).returning(orders.c.id), rows)
        ids = sorted(r[0] for r in result)
        await conn.execute(
            insert(order_status_history),
            [
                {
                    "business_id": tenant.business_id,
                    "order_id": id_,
                    "to_status": status,
                    "to_payment_status": payment_status,
                    "created_at": now,
                }
                for id_ in ids
            ],
        )
    return ids


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    """The app on its own container built for `settings` (when a test needs other settings)."""
    container = build(settings)
    transport = httpx.ASGITransport(app=create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client, container
    finally:
        await container.close()


async def order_numbers(container: Container, ids: list[int]) -> list[str]:
    """The business-facing numbers (`order_id`) of the orders with these ids, in their order."""
    async with container.engine.connect() as conn:
        rows = await conn.execute(
            select(orders.c.id, orders.c.order_id).where(orders.c.id.in_(ids))
        )
        by_id = {r[0]: r[1] for r in rows}
    return [by_id[i] for i in ids]
