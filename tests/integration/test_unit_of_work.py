"""The unit of work's one transaction: the change path's compiled statements
(driver_statements.py) and Core statements run in it, in the order they are written, and a
write the database refuses fails at that write and leaves nothing behind. On both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, insert, select

from orderflow.adapters.sql_unit_of_work import SqlUnitOfWork
from orderflow.adapters.tables import order_status_history, orders, outbox
from orderflow.bootstrap import Container
from orderflow.domain.lifecycle import OrderStatus, Target
from orderflow.services import change_status as change_status_service
from orderflow.services.change_status import ChangeOrderStatus, change_status
from orderflow.services.order_events import change_events
from orderflow.services.records import OutboxEvent
from orderflow.services.webhook_ports import UpdateWebhook
from tests.builders import make_orders, make_tenant

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _event(event_id: str) -> OutboxEvent:
    return OutboxEvent(event_id, "order.created", None, None, b"{}", NOW)


async def _count(container: Container, table: object) -> int:
    async with container.engine.connect() as conn:
        return int((await conn.scalar(select(func.count()).select_from(table))) or 0)  # type: ignore[arg-type]


async def test_sqlalchemy_statements_see_the_writes_before_them(container: Container) -> None:
    tenant = await make_tenant(container)
    async with container.uow_factory(tenant.business_id) as uow:
        assert isinstance(uow, SqlUnitOfWork)
        await uow.outbox.add_many([_event("evt_1")])
        conn = uow._conn
        assert conn is not None
        # a read through SQLAlchemy, in the same transaction, sees the event written before it
        assert await conn.scalar(select(func.count()).select_from(outbox)) == 1
        await uow.outbox.add_many([_event("evt_2")])
        # never committed
    assert await _count(container, outbox) == 0


async def test_a_sqlalchemy_statement_first_in_the_unit_runs_inside_its_transaction(
    container: Container,
) -> None:
    tenant = await make_tenant(container)
    async with container.uow_factory(tenant.business_id) as uow:
        assert isinstance(uow, SqlUnitOfWork) and uow._conn is not None
        await uow._conn.execute(
            insert(outbox).values(
                business_id=tenant.business_id,
                event_id="evt_sa",
                event_type="order.created",
                payload="{}",
                created_at=NOW,
            )
        )
        # never committed: had it run before BEGIN, it would be there for good
    assert await _count(container, outbox) == 0


async def test_a_write_the_database_refuses_fails_the_change_and_keeps_none_of_it(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given orders, and an event without a type (the outbox INSERT breaks a NOT NULL
    # constraint, in the database, after the UPDATE and the history INSERT)
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    history_before = await _count(container, order_status_history)
    monkeypatch.setattr(change_status_service, "change_events", _refused_events)
    # when the change runs, the database's refusal reaches the caller
    with pytest.raises(sa_exc.IntegrityError):
        await change_status(
            container.uow_factory,
            tenant.actor,
            ChangeOrderStatus(ids, Target(OrderStatus.CONFIRMED)),
        )
    # and nothing of the change is left; the connection goes on working
    async with container.engine.connect() as conn:
        statuses = (await conn.scalars(select(orders.c.status).where(orders.c.id.in_(ids)))).all()
    assert statuses == ["pending"] * 3
    assert await _count(container, order_status_history) == history_before
    assert await _count(container, outbox) == 0
    monkeypatch.setattr(change_status_service, "change_events", change_events)
    result = await change_status(
        container.uow_factory, tenant.actor, ChangeOrderStatus(ids, Target(OrderStatus.CONFIRMED))
    )
    assert result.changed == 3


def _refused_events(*_: object) -> list[OutboxEvent]:
    return [OutboxEvent("evt_untyped", None, None, None, b"{}", NOW)]  # type: ignore[arg-type]


async def test_changing_another_businesss_webhook_writes_nothing(container: Container) -> None:
    # given an endpoint of one business
    owner, other = await make_tenant(container, "Toko A"), await make_tenant(container, "Toko B")
    async with container.uow_factory(owner.business_id) as uow:
        endpoint_id = await uow.webhooks.add(
            "https://example.com/hook", frozenset({"order.created"}), True, "s3cret", "v", NOW
        )
        await uow.commit()
        endpoint = await uow.webhooks.get(endpoint_id)
    assert endpoint is not None
    # when another business changes it, with other events, or rotates its secret
    hijacked = UpdateWebhook(url="https://evil.example/", events=frozenset({"order.deleted"}))
    async with container.uow_factory(other.business_id) as uow:
        assert await uow.webhooks.update(endpoint_id, hijacked, NOW) is False
        assert await uow.webhooks.set_secret(endpoint_id, "mine-now", NOW) is False
        await uow.commit()
    # then neither its row nor its subscriptions changed
    async with container.uow_factory(owner.business_id, write=False) as uow:
        assert await uow.webhooks.get(endpoint_id) == endpoint
