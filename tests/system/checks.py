"""What must hold in the database after any mix of requests: each order's history is a gap-free
chain ending in its current state, and its version counts every change."""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from orderflow.adapters.tables import order_status_history, orders
from orderflow.bootstrap import Container

STRESS = os.environ.get("ORDERFLOW_STRESS") == "1"


@dataclass(frozen=True)
class Row:
    request_id: str | None
    from_status: str | None
    to_status: str
    from_payment: str | None
    to_payment: str


async def history_by_order(container: Container, business_id: int) -> dict[int, list[Row]]:
    h = order_status_history
    async with container.engine.connect() as conn:
        result = await conn.execute(
            select(
                h.c.order_id,
                h.c.request_id,
                h.c.from_status,
                h.c.to_status,
                h.c.from_payment_status,
                h.c.to_payment_status,
            )
            .where(h.c.business_id == business_id)
            .order_by(h.c.order_id, h.c.id)
        )
        chains: dict[int, list[Row]] = defaultdict(list)
        for r in result:
            chains[r[0]].append(Row(r[1], r[2], r[3], r[4], r[5]))
    return chains


async def states(container: Container, business_id: int) -> dict[int, tuple[str, str, int]]:
    async with container.engine.connect() as conn:
        result = await conn.execute(
            select(orders.c.id, orders.c.status, orders.c.payment_status, orders.c.version).where(
                orders.c.business_id == business_id
            )
        )
        return {r[0]: (r[1], r[2], r[3]) for r in result}


async def assert_chains_are_whole(container: Container, business_id: int) -> dict[int, list[Row]]:
    """Every order: history starts from nothing, each row starts where the last ended, the last
    ends in the order's current state, and the version counts every change."""
    chains = await history_by_order(container, business_id)
    for id_, (status, payment, version) in (await states(container, business_id)).items():
        chain = chains[id_]
        assert chain, f"order {id_} has no history"
        assert (chain[0].from_status, chain[0].from_payment) == (None, None), f"order {id_}"
        for before, after in itertools.pairwise(chain):
            assert (after.from_status, after.from_payment) == (
                before.to_status,
                before.to_payment,
            ), f"order {id_}: history has a gap or a lost update: {before} then {after}"
            assert (after.from_status, after.from_payment) != (after.to_status, after.to_payment)
        assert (chain[-1].to_status, chain[-1].to_payment) == (status, payment), f"order {id_}"
        events = sum(
            (r.from_status != r.to_status) + (r.from_payment != r.to_payment) for r in chain[1:]
        )
        assert version == 1 + events, f"order {id_}: version {version}, {events} changes"
    return chains
