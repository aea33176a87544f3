"""The change-status service on a real database: what it writes, and what it never writes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from orderflow.adapters import outbox as outbox_adapter
from orderflow.adapters.tables import order_status_history, orders, outbox
from orderflow.bootstrap import Container
from orderflow.domain.errors import BatchRefused
from orderflow.domain.lifecycle import (
    OrderStatus,
    PaymentDetails,
    PaymentMethod,
    PaymentStatus,
    Target,
)
from orderflow.services.change_status import ChangeOrderStatus, ChangeOrderStatuses, change_status
from orderflow.services.unit_of_work import UnitOfWorkFactory
from tests.builders import make_orders, make_tenant
from tests.outbox_events import outbox_events

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


async def _count(container: Container, table: object) -> int:
    async with container.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def _order(container: Container, id_: int) -> dict[str, object]:
    async with container.engine.connect() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == id_))).mappings().one()
        return dict(row)


async def test_applied_change_updates_stamps_and_writes_history_and_outbox(
    container: Container,
) -> None:
    # given two pending unpaid orders
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    details = PaymentDetails(
        payment_method=PaymentMethod.BANK_TRANSFER,
        financial_entity_id=14,
        payment_account_holder="Siti Aminah",
        payment_account_number="1234567890",
        transfer_time=datetime(2026, 11, 27, 7, 15, tzinfo=UTC),
        transferproof_url="https://cdn.example.com/proof.jpg",
    )
    target = Target(OrderStatus.CONFIRMED, PaymentStatus.PAID, details, by="admin@toko")
    # when they are confirmed and paid
    result = await change_status(
        container.uow_factory, tenant.actor, ChangeOrderStatus(ids, target), clock=lambda: NOW
    )
    # then both changed, with stamps, payment fields, history and events
    assert result.changed == 2 and not result.rejected
    for id_ in ids:
        order = await _order(container, id_)
        assert order["status"] == "confirmed" and order["payment_status"] == "paid"
        assert order["confirmed_time"] == NOW and order["paid_time"] == NOW
        assert order["pending_time"] == datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
        assert order["payment_account_holder"] == "Siti Aminah"
        assert order["financial_entity_id"] == 14
        assert order["transfer_time"] == details.transfer_time
        assert order["updated_at"] == NOW and order["version"] == 3
    async with container.engine.connect() as conn:
        history = (
            (
                await conn.execute(
                    select(order_status_history)
                    .where(order_status_history.c.from_status.is_not(None))
                    .order_by(order_status_history.c.id)
                )
            )
            .mappings()
            .all()
        )
        events = await outbox_events(conn)
    assert [(h["order_id"], h["from_status"], h["to_status"]) for h in history] == [
        (ids[0], "pending", "confirmed"),
        (ids[1], "pending", "confirmed"),
    ]
    assert all(h["by"] == "admin@toko" and h["request_id"] == "test" for h in history)
    assert all(h["to_payment_status"] == "paid" for h in history)
    assert all(h["transferproof_url"] == details.transferproof_url for h in history)
    assert [(e.order_id, e.event_type, e.sequence) for e in events] == [
        (ids[0], "order.status_changed", 2),
        (ids[0], "order.payment_status_changed", 3),
        (ids[1], "order.status_changed", 2),
        (ids[1], "order.payment_status_changed", 3),
    ]
    # one outbox row per order holds both of its events
    assert await _count(container, outbox) == 2
    status_event = events[0].data
    assert status_event["status"] == "confirmed"
    assert status_event["previous_status"] == "pending"
    assert status_event["confirmed_time"] == "2026-11-27T08:00:00Z"
    assert status_event["last_updated_at"] == "2026-11-27T08:00:00Z"
    payment_event = events[1].data
    assert payment_event["payment_status"] == "paid"
    assert payment_event["payment_method"] == "bank_transfer"
    assert payment_event["transferproof_url"] == details.transferproof_url


async def test_reentering_a_status_overwrites_its_stamp_and_others_are_kept(
    container: Container,
) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 1, status="shipped")
    uow = container.uow_factory
    await change_status(
        uow, tenant.actor, ChangeOrderStatus(ids, Target(OrderStatus.RTS)), clock=lambda: NOW
    )
    await change_status(
        uow, tenant.actor, ChangeOrderStatus(ids, Target(OrderStatus.SHIPPED)), clock=lambda: LATER
    )
    order = await _order(container, ids[0])
    assert order["status"] == "shipped"
    assert order["shipped_time"] == LATER  # re-entered: overwritten
    assert order["rts_time"] == NOW  # left behind: kept


async def test_same_status_is_a_no_op_without_history(container: Container) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3, status="confirmed")
    history_before = await _count(container, order_status_history)
    result = await change_status(
        container.uow_factory, tenant.actor, ChangeOrderStatus(ids, Target(OrderStatus.CONFIRMED))
    )
    assert result.changed == 0 and [s.status for s in result.data] == ["confirmed"] * 3
    assert await _count(container, order_status_history) == history_before
    assert await _count(container, outbox) == 0


@pytest.mark.parametrize("unknown", [True, False])
async def test_all_or_nothing_changes_nothing_when_one_order_fails(
    container: Container, unknown: bool
) -> None:
    tenant = await make_tenant(container)
    good = await make_orders(container, tenant, 3)
    bad = [10**9] if unknown else await make_orders(container, tenant, 1, status="canceled")
    with pytest.raises(BatchRefused) as refused:
        await change_status(
            container.uow_factory,
            tenant.actor,
            ChangeOrderStatus([*good, *bad], Target(OrderStatus.CONFIRMED)),
        )
    assert refused.value.code == ("order_not_found" if unknown else "invalid_transition")
    assert [r.id for r in refused.value.rejected] == bad
    for id_ in good:
        assert (await _order(container, id_))["status"] == "pending"
    assert await _count(container, outbox) == 0


async def test_skip_applies_the_valid_ones(container: Container) -> None:
    tenant = await make_tenant(container)
    good = await make_orders(container, tenant, 2)
    closed = await make_orders(container, tenant, 1, status="closed")
    result = await change_status(
        container.uow_factory,
        tenant.actor,
        ChangeOrderStatus([closed[0], *good], Target(OrderStatus.CANCELED), skip_refused=True),
    )
    assert [s.id for s in result.data] == good and result.changed == 2
    assert [(r.id, r.error_code) for r in result.rejected] == [(closed[0], "invalid_transition")]
    assert (await _order(container, closed[0]))["status"] == "closed"


async def test_dry_run_reports_and_writes_nothing(container: Container) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    history_before = await _count(container, order_status_history)
    result = await change_status(
        container.uow_factory,
        tenant.actor,
        ChangeOrderStatus(
            [*ids, 10**9], Target(OrderStatus.SHIPPED), skip_refused=True, dry_run=True
        ),
    )
    assert [s.status for s in result.data] == ["shipped", "shipped"] and result.changed == 2
    assert [r.id for r in result.rejected] == [10**9]
    assert [(await _order(container, i))["status"] for i in ids] == ["pending", "pending"]
    assert await _count(container, order_status_history) == history_before
    assert await _count(container, outbox) == 0


async def test_rows_with_their_own_targets_and_duplicates_keep_the_first(
    container: Container,
) -> None:
    tenant = await make_tenant(container)
    a, b = await make_orders(container, tenant, 2)
    result = await change_status(
        container.uow_factory,
        tenant.actor,
        ChangeOrderStatuses(
            [
                (b, Target(OrderStatus.SHIPPED)),
                (a, Target(OrderStatus.CANCELED)),
                (b, Target(OrderStatus.CANCELED)),
            ]
        ),
    )
    assert [(s.id, s.status) for s in result.data] == [(b, "shipped"), (a, "canceled")]


async def test_other_business_orders_look_missing_and_stay_untouched(
    container: Container,
) -> None:
    seller_a = await make_tenant(container, "A")
    seller_b = await make_tenant(container, "B")
    theirs = await make_orders(container, seller_b, 1)
    ours = await make_orders(container, seller_a, 1)
    with pytest.raises(BatchRefused) as refused:
        await change_status(
            container.uow_factory,
            seller_a.actor,
            ChangeOrderStatus([*ours, *theirs], Target(OrderStatus.CANCELED)),
        )
    assert refused.value.rejected[0].error == f"order {theirs[0]} not found"
    result = await change_status(
        container.uow_factory,
        seller_a.actor,
        ChangeOrderStatus([*ours, *theirs], Target(OrderStatus.CANCELED), skip_refused=True),
    )
    assert [s.id for s in result.data] == ours
    assert (await _order(container, theirs[0]))["status"] == "pending"


class _FailingOutbox:
    async def add_many(self, events: object) -> None:
        raise RuntimeError("the outbox write failed")


def _outbox_fails(factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """The real units of work, whose outbox write fails after the orders and history are written."""

    @contextlib.asynccontextmanager
    async def open_(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async with factory(*args, **kwargs) as uow:
            uow.outbox = _FailingOutbox()  # type: ignore[assignment]
            yield uow

    return open_  # type: ignore[return-value]


async def test_a_failure_after_the_writes_rolls_all_of_them_back(container: Container) -> None:
    # given orders and a unit of work that fails after the UPDATE and the history INSERT ran
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    history_before = await _count(container, order_status_history)
    # when the change fails
    with pytest.raises(RuntimeError, match="outbox write failed"):
        await change_status(
            _outbox_fails(container.uow_factory),
            tenant.actor,
            ChangeOrderStatus(ids, Target(OrderStatus.CONFIRMED)),
        )
    # then nothing of it is left, and the pooled connections carry no open transaction
    for id_ in ids:
        assert (await _order(container, id_))["status"] == "pending"
    assert await _count(container, order_status_history) == history_before
    assert await _count(container, outbox) == 0
    result = await change_status(
        container.uow_factory, tenant.actor, ChangeOrderStatus(ids, Target(OrderStatus.CONFIRMED))
    )
    assert result.changed == 3
    assert await _count(container, order_status_history) == history_before + 3


async def test_events_written_in_several_inserts_keep_their_order(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a batch whose events take several INSERTs (three rows, one per order, each)
    monkeypatch.setattr(outbox_adapter, "EVENTS_PER_INSERT", 3)
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 5)
    # when every order is confirmed and paid (two events each)
    await change_status(
        container.uow_factory,
        tenant.actor,
        ChangeOrderStatus(ids, Target(OrderStatus.CONFIRMED, PaymentStatus.PAID)),
    )
    # then all ten events are there, numbered in the order they were made
    async with container.engine.connect() as conn:
        events = await outbox_events(conn)
    assert [(e.order_id, e.sequence) for e in events] == [
        (id_, seq) for id_ in sorted(ids) for seq in (2, 3)
    ]


async def _uuids(container: Container, ids: list[int]) -> list[UUID]:
    async with container.engine.connect() as conn:
        rows = await conn.execute(select(orders.c.id, orders.c.uuid).where(orders.c.id.in_(ids)))
        found = {id_: UUID(str(uuid)) for id_, uuid in rows}
    return [found[i] for i in ids]


async def test_a_batch_named_by_uuids_changes_them_and_refuses_unknown_and_foreign_ones(
    container: Container,
) -> None:
    # given two orders of ours, one of another business, and a UUID that names nothing
    seller_a = await make_tenant(container, "A")
    seller_b = await make_tenant(container, "B")
    ours = await _uuids(container, await make_orders(container, seller_a, 2))
    theirs = await _uuids(container, await make_orders(container, seller_b, 1))
    nothing = UUID("01948092-9b80-7f91-b23d-1a8686278331")
    asked = [ours[1], theirs[0], ours[0], nothing, ours[1]]
    # when all of them are asked to be confirmed, skipping the refused ones
    result = await change_status(
        container.uow_factory,
        seller_a.actor,
        ChangeOrderStatus(asked, Target(OrderStatus.CONFIRMED), skip_refused=True),
    )
    # then ours change, in the order asked (the repeat counts once), and the others are not
    # found, named as they were sent
    assert [s.uuid for s in result.data] == [ours[1], ours[0]]
    assert [(r.id, r.error_code) for r in result.rejected] == [
        (theirs[0], "order_not_found"),
        (nothing, "order_not_found"),
    ]
    for uuid in ours:
        async with container.engine.connect() as conn:
            status = await conn.scalar(select(orders.c.status).where(orders.c.uuid == uuid))
        assert status == "confirmed"
    async with container.engine.connect() as conn:
        theirs_status = await conn.scalar(select(orders.c.status).where(orders.c.uuid == theirs[0]))
    assert theirs_status == "pending"
