"""Demo data: one business with ~200 orders spread over every status and payment status."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus, Target
from orderflow.services.access import ALL_SCOPES, hash_key
from orderflow.services.change_status import ChangeOrderStatus, change_status, utc_now
from orderflow.services.orders import create_order
from orderflow.services.records import Actor, NewOrder, OrderFilter, OrderItem
from orderflow.services.unit_of_work import UnitOfWorkFactory

DEMO_BUSINESS = "Demo Store"
# A fixed, published key so `make run` can print a curl that works every time. Demo data only.
DEMO_KEY = "sk_demostore001_orderflowDemoKeyNotForProduction"
DEMO_PREFIX = DEMO_KEY[: DEMO_KEY.rindex("_")]

S, P = OrderStatus, PaymentStatus
# How to reach each status from `pending`, through allowed transitions only.
_PATHS: dict[OrderStatus, list[OrderStatus]] = {
    S.PENDING: [],
    S.CONFIRMED: [S.CONFIRMED],
    S.IN_PROCESS: [S.CONFIRMED, S.IN_PROCESS],
    S.READY: [S.CONFIRMED, S.READY],
    S.SHIPPED: [S.CONFIRMED, S.SHIPPED],
    S.COMPLETED: [S.CONFIRMED, S.SHIPPED, S.COMPLETED],
    S.RTS: [S.SHIPPED, S.RTS],
    S.CLOSED: [S.SHIPPED, S.CLOSED],
    S.CANCELED: [S.CANCELED],
}
_PAYMENT_PATHS: dict[PaymentStatus, list[PaymentStatus]] = {
    P.UNPAID: [],
    P.PAID: [P.PAID],
    P.CONFLICT: [P.CONFLICT],
    P.SETTLED: [P.PAID, P.SETTLED],
}
_NAMES = ["Siti", "Budi", "Dewi", "Agus", "Rina", "Eko", "Putri", "Joko", "Ayu", "Wahyu"]
_PRODUCTS = [
    ("Kaos Polos", "75000.00"),
    ("Hijab Voal", "59000.00"),
    ("Kopi Gayo 250g", "85000.00"),
    ("Sambal Roa", "45000.00"),
    ("Tas Anyaman", "149000.00"),
]


@dataclass(frozen=True, slots=True)
class DemoInfo:
    business_id: int
    api_key: str
    created: bool
    example_uuid: str  # an order of the demo business, for the printed curl


async def seed_demo(
    uow_factory: UnitOfWorkFactory, contract: str, orders: int = 200, seed: int = 7
) -> DemoInfo:
    """Create the demo business, key (answering in `contract`) and orders unless they exist."""
    async with uow_factory() as uow:
        key = await uow.tenants.find_api_key(DEMO_PREFIX)
        if key is not None:
            return DemoInfo(
                key.business_id, DEMO_KEY, False, await _example(uow_factory, key.business_id)
            )
        business_id = await uow.tenants.add_business(DEMO_BUSINESS, utc_now())
        await uow.tenants.add_api_key(
            business_id, DEMO_PREFIX, hash_key(DEMO_KEY), ALL_SCOPES, contract, utc_now()
        )
        await uow.commit()
    actor = Actor(business_id=business_id, request_id="demo-seed")
    rng = random.Random(seed)
    await _seed_orders(uow_factory, actor, orders, rng)
    return DemoInfo(business_id, DEMO_KEY, True, await _example(uow_factory, business_id))


async def _example(uow_factory: UnitOfWorkFactory, business_id: int) -> str:
    """The UUID of the demo business's newest pending order, for the printed curl."""
    pending = OrderFilter(statuses=frozenset({OrderStatus.PENDING}))
    async with uow_factory(business_id, write=False) as uow:
        rows = await uow.orders.list_page(pending, None, older=True, limit=1)
    return str(rows[0].uuid) if rows else "<order uuid>"


async def _seed_orders(
    uow_factory: UnitOfWorkFactory, actor: Actor, count: int, rng: random.Random
) -> None:
    older = (PaymentMethod.NO_PAYMENT, PaymentMethod.VA, PaymentMethod.INDOMARET)
    methods = [m for m in PaymentMethod if m not in older]
    plans: list[tuple[int, OrderStatus, PaymentStatus]] = []
    for n in range(count):
        name, price = rng.choice(_PRODUCTS)
        order = NewOrder(
            customer_name=f"{rng.choice(_NAMES)} {n + 1}",
            customer_phone=f"+62812{rng.randrange(10**7, 10**8)}",
            customer_email=f"pembeli{n + 1}@example.com",
            items=[OrderItem(name, rng.randint(1, 3), Decimal(price))],
            shipping_cost=Decimal(rng.choice(["0.00", "9000.00", "12000.00", "18000.00"])),
            payment_method=None if n % 20 == 0 else rng.choice(methods),
        )
        record = await create_order(uow_factory, actor, order)
        if order.payment_method is not None:  # orders without one stay drafts
            status = list(_PATHS)[n % len(_PATHS)]
            payment = list(_PAYMENT_PATHS)[(n // len(_PATHS)) % len(_PAYMENT_PATHS)]
            plans.append((record.order.id, status, payment))
    await _walk(uow_factory, actor, plans)


async def _walk(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    plans: list[tuple[int, OrderStatus, PaymentStatus]],
) -> None:
    """Move the orders along their paths, one bulk change per step, as a seller would."""
    for step in range(3):
        groups: dict[Target, list[int]] = {}
        for id_, status, payment in plans:
            path, pay_path = _PATHS[status], _PAYMENT_PATHS[payment]
            if step >= max(len(path), len(pay_path)):
                continue
            current = path[min(step, len(path) - 1)] if path else S.PENDING
            pay = pay_path[step] if step < len(pay_path) else None
            target = Target(current, pay, by="demo")
            groups.setdefault(target, []).append(id_)
        for target, ids in groups.items():
            await change_status(uow_factory, actor, ChangeOrderStatus(ids, target))
