"""Reverting a request on a real database: what goes back, what is refused, one transaction,
the history chains under concurrent changes."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text

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
from orderflow.services.change_status import ChangeOrderStatus, change_status
from orderflow.services.records import Actor
from orderflow.services.revert import RequestNotFound, RevertChanges, revert_request
from tests.builders import Tenant, make_orders, make_tenant
from tests.outbox_events import StoredEvent, outbox_events

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
PAID = PaymentDetails(
    payment_method=PaymentMethod.BANK_TRANSFER,
    financial_entity_id=14,
    payment_account_holder="Siti Aminah",
    payment_account_number="1234567890",
    transfer_time=datetime(2026, 12, 4, 7, 15, tzinfo=UTC),
    transferproof_url="https://cdn.example.com/proof.jpg",
)


def _actor(tenant: Tenant, request_id: str) -> Actor:
    return Actor(business_id=tenant.business_id, request_id=request_id)


async def _change(
    container: Container, tenant: Tenant, request_id: str, ids: list[int], target: Target
) -> None:
    await change_status(
        container.uow_factory, _actor(tenant, request_id), ChangeOrderStatus(ids, target)
    )


async def _revert(
    container: Container, tenant: Tenant, request_id: str, reverted: str, **options: Any
) -> Any:
    return await revert_request(
        container.uow_factory, _actor(tenant, request_id), RevertChanges(reverted, **options)
    )


async def _orders(container: Container, ids: list[int]) -> dict[int, dict[str, Any]]:
    async with container.engine.connect() as conn:
        rows = await conn.execute(select(orders).where(orders.c.id.in_(ids)))
        return {r.id: dict(r._mapping) for r in rows}


async def _events(container: Container) -> list[StoredEvent]:
    async with container.engine.connect() as conn:
        return await outbox_events(conn)


async def _history(container: Container, id_: int) -> list[dict[str, Any]]:
    h = order_status_history
    async with container.engine.connect() as conn:
        rows = await conn.execute(select(h).where(h.c.order_id == id_).order_by(h.c.id))
        return [dict(r._mapping) for r in rows]


def _chain_is_whole(history: list[dict[str, Any]]) -> None:
    """Each row starts where the one before ended: no update lost, none applied twice."""
    for before, after in itertools.pairwise(history):
        assert (after["from_status"], after["from_payment_status"]) == (
            before["to_status"],
            before["to_payment_status"],
        ), history


async def test_a_revert_puts_back_statuses_and_details_as_a_new_marked_change(
    container: Container,
) -> None:
    # given two pending orders, one with a tracking number already, both shipped with new ones
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    async with container.engine.begin() as conn:
        await conn.execute(
            orders.update().where(orders.c.id == ids[1]).values(shipment_receipt="OLD-1")
        )
    await _change(
        container, tenant, "req-ship", ids, Target(OrderStatus.SHIPPED, shipment_receipt="JNE-9")
    )
    before = await _orders(container, ids)
    events_before = len(await _events(container))

    # when the shipping is reverted
    result = await _revert(container, tenant, "req-undo", "req-ship", by="ops@toko")

    # then both are pending again: the new number cleared, the old one back
    after = await _orders(container, ids)
    assert [(after[i]["status"], after[i]["shipment_receipt"]) for i in ids] == [
        ("pending", None),
        ("pending", "OLD-1"),
    ]
    assert result.changed == 2 and result.rejected == []
    assert all(after[i]["version"] == before[i]["version"] + 1 for i in ids)
    # and the history has one more row each, marked as the revert of the request
    for id_ in ids:
        history = await _history(container, id_)
        last = history[-1]
        assert (last["from_status"], last["to_status"]) == ("shipped", "pending")
        assert (last["request_id"], last["reverts"], last["by"]) == (
            "req-undo",
            "req-ship",
            "ops@toko",
        )
        _chain_is_whole(history)
    # and each change sent its event, like any change
    events = await _events(container)
    assert [e.event_type for e in events[events_before:]] == ["order.status_changed"] * 2


async def test_payment_details_go_back_to_what_the_order_held(container: Container) -> None:
    # given an order with a payment method, marked paid with every bank-transfer detail
    tenant = await make_tenant(container)
    [id_] = await make_orders(container, tenant, payment_method="qris")
    await _change(
        container,
        tenant,
        "req-paid",
        [id_],
        Target(OrderStatus.CONFIRMED, PaymentStatus.PAID, PAID),
    )

    # when that is reverted
    await _revert(container, tenant, "req-undo", "req-paid")

    # then the order is as it was: pending, unpaid, its own method, no transfer details
    order = (await _orders(container, [id_]))[id_]
    assert (order["status"], order["payment_status"], order["payment_method"]) == (
        "pending",
        "unpaid",
        "qris",
    )
    for name in ("financial_entity_id", "payment_account_holder", "transfer_time"):
        assert order[name] is None, name
    events = await _events(container)
    assert [e.event_type for e in events[-2:]] == [
        "order.status_changed",
        "order.payment_status_changed",
    ]
    assert events[-1].data["payment_method"] == "qris"
    assert events[-1].data["payment_account_holder"] is None


async def test_a_revert_of_a_revert_restores_the_first_change(container: Container) -> None:
    # given a paid change, and its revert
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    await _change(
        container, tenant, "req-1", ids, Target(OrderStatus.CONFIRMED, PaymentStatus.PAID, PAID)
    )
    changed = await _orders(container, ids)
    await _revert(container, tenant, "req-2", "req-1")

    # when the revert is reverted
    result = await _revert(container, tenant, "req-3", "req-2")

    # then the orders are as the first change left them, details and all
    assert result.changed == 3
    again = await _orders(container, ids)
    for id_ in ids:
        for name in ("status", "payment_status", "payment_account_holder", "transfer_time"):
            assert again[id_][name] == changed[id_][name], name
        history = await _history(container, id_)
        assert [h["reverts"] for h in history[-3:]] == [None, "req-1", "req-2"]
        _chain_is_whole(history)
    # and the first request cannot be reverted again: its revert is on record
    with pytest.raises(BatchRefused) as refused:
        await _revert(container, tenant, "req-4", "req-1")
    assert refused.value.code == "already_reverted"
    assert {r.error_code for r in refused.value.rejected} == {"already_reverted"}


async def test_an_order_changed_since_is_refused_and_the_others_are_untouched(
    container: Container,
) -> None:
    # given three orders confirmed by one request, one of them shipped since by another
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 3)
    await _change(container, tenant, "req-confirm", ids, Target(OrderStatus.CONFIRMED))
    await _change(container, tenant, "req-ship", [ids[1]], Target(OrderStatus.SHIPPED))
    before = await _orders(container, ids)

    # when the confirmation is reverted all-or-nothing, it is refused and nothing changes
    with pytest.raises(BatchRefused) as refused:
        await _revert(container, tenant, "req-undo", "req-confirm")
    assert refused.value.code == "changed_since"
    [rejection] = refused.value.rejected
    assert (rejection.legacy_id, rejection.error_code) == (ids[1], "changed_since")
    assert "req-ship" in rejection.error
    assert await _orders(container, ids) == before

    # when it is reverted skipping refused orders, the other two go back
    result = await _revert(container, tenant, "req-undo-2", "req-confirm", skip_refused=True)
    assert sorted(s.id for s in result.data) == [ids[0], ids[2]]
    after = await _orders(container, ids)
    assert [after[i]["status"] for i in ids] == ["pending", "shipped", "pending"]


async def test_the_lifecycle_can_refuse_the_way_back(container: Container) -> None:
    # given orders canceled (a status with no way out)
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    await _change(container, tenant, "req-cancel", ids, Target(OrderStatus.CANCELED))

    # when that is reverted, each is refused by the lifecycle
    result = await _revert(container, tenant, "req-undo", "req-cancel", skip_refused=True)

    assert result.changed == 0
    assert [r.error_code for r in result.rejected] == ["invalid_transition"] * 2


async def test_a_dry_run_reports_and_changes_nothing(container: Container) -> None:
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 2)
    await _change(container, tenant, "req-confirm", ids, Target(OrderStatus.CONFIRMED))
    before = await _orders(container, ids)

    result = await _revert(container, tenant, "req-undo", "req-confirm", dry_run=True)

    assert result.changed == 2
    assert [s.status for s in result.data] == [OrderStatus.PENDING] * 2
    assert await _orders(container, ids) == before


async def test_another_business_request_id_is_not_found(container: Container) -> None:
    # given a request of one business
    mine = await make_tenant(container, "Toko A")
    theirs = await make_tenant(container, "Toko B")
    ids = await make_orders(container, mine, 2)
    await _change(container, mine, "req-a", ids, Target(OrderStatus.CONFIRMED))

    # when another business reverts it, or anyone reverts an unknown id, it is not found
    for tenant, request_id in ((theirs, "req-a"), (mine, "req-unknown")):
        with pytest.raises(RequestNotFound):
            await _revert(container, tenant, "req-x", request_id)
    assert {o["status"] for o in (await _orders(container, ids)).values()} == {"confirmed"}


@contextlib.asynccontextmanager
async def _failing_outbox(container: Container) -> AsyncIterator[None]:
    """Every outbox insert fails (a trigger), so a change fails at its last statement."""
    async with container.engine.begin() as conn:
        if container.engine.dialect.name == "sqlite":
            await conn.execute(
                text(
                    "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox "
                    "BEGIN SELECT RAISE(ABORT, 'outbox refused'); END"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE FUNCTION fail_outbox() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'outbox refused'; END $$"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox "
                    "FOR EACH ROW EXECUTE FUNCTION fail_outbox()"
                )
            )
    try:
        yield
    finally:
        async with container.engine.begin() as conn:
            if container.engine.dialect.name == "sqlite":
                await conn.execute(text("DROP TRIGGER fail_outbox"))
            else:
                await conn.execute(text("DROP TRIGGER fail_outbox ON outbox"))
                await conn.execute(text("DROP FUNCTION fail_outbox()"))


async def _count(container: Container, table: Any, *where: Any) -> int:
    async with container.engine.connect() as conn:
        stmt = select(func.count()).select_from(table).where(*where)
        return int((await conn.execute(stmt)).scalar_one())


async def test_a_10000_order_revert_is_one_transaction(container: Container) -> None:
    # given 10,000 orders shipped with a tracking number by one request
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 10_000)
    target = Target(OrderStatus.SHIPPED, shipment_receipt="JNE-1")
    await _change(container, tenant, "req-ship", ids, target)
    shipped = await _count(container, orders, orders.c.status == "shipped")
    events = await _count(container, outbox)

    # when its revert fails at its last write (the outbox), nothing of it is kept
    async with _failing_outbox(container):
        with pytest.raises(Exception, match="outbox refused"):
            await _revert(container, tenant, "req-undo", "req-ship")
    assert await _count(container, orders, orders.c.status == "shipped") == shipped == 10_000
    assert await _count(container, orders, orders.c.shipment_receipt == "JNE-1") == 10_000
    h = order_status_history
    assert await _count(container, h, h.c.reverts.is_not(None)) == 0

    # and when one order was changed since, the all-or-nothing revert changes none
    await _change(container, tenant, "req-late", [ids[-1]], Target(OrderStatus.COMPLETED))
    with pytest.raises(BatchRefused) as refused:
        await _revert(container, tenant, "req-undo", "req-ship")
    assert [r.legacy_id for r in refused.value.rejected] == [ids[-1]]
    assert await _count(container, orders, orders.c.status == "shipped") == 9_999

    # and skipping it, the 9,999 others go back in one request, each with its row and event
    result = await _revert(container, tenant, "req-undo-2", "req-ship", skip_refused=True)
    assert result.changed == 9_999
    assert await _count(container, orders, orders.c.status == "pending") == 9_999
    assert await _count(container, orders, orders.c.shipment_receipt.is_not(None)) == 1
    assert await _count(container, h, h.c.reverts == "req-ship") == 9_999
    assert await _count(container, outbox) == events + 1 + 9_999


async def test_concurrent_changes_and_reverts_keep_every_chain_whole(
    container: Container,
) -> None:
    # given orders confirmed by one request
    tenant = await make_tenant(container)
    ids = await make_orders(container, tenant, 50)
    await _change(container, tenant, "req-confirm", ids, Target(OrderStatus.CONFIRMED))

    # when its revert runs while other requests ship and re-confirm the same orders
    async def revert() -> object:
        return await _revert(container, tenant, "req-undo", "req-confirm", skip_refused=True)

    async def churn(n: int) -> None:
        status = OrderStatus.SHIPPED if n % 2 else OrderStatus.READY
        await _change(container, tenant, f"req-churn-{n}", ids[n::4], Target(status))

    outcomes = await asyncio.gather(revert(), *(churn(n) for n in range(4)))

    # then every order's history is one unbroken chain ending in the order's state
    now = await _orders(container, ids)
    reverted = {s.id for s in outcomes[0].data}  # type: ignore[attr-defined]
    for id_ in ids:
        history = await _history(container, id_)
        _chain_is_whole(history)
        assert history[-1]["to_status"] == now[id_]["status"]
        revert_rows = [h for h in history if h["reverts"] == "req-confirm"]
        assert len(revert_rows) == (1 if id_ in reverted else 0)
        if revert_rows:  # a revert only ever followed the change it reverts
            assert history[history.index(revert_rows[0]) - 1]["request_id"] == "req-confirm"
