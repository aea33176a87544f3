"""What the benchmark asks for: seeded order states, the targets, and fresh ids for every run.

Seeded orders cycle through four statuses and three payment statuses, so one batch mixes twelve
kinds of transition. A bulk run always takes orders nobody has touched yet; the small-request
load toggles each client's own orders between two targets, so every request changes them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

SEED_STATUSES = ("pending", "confirmed", "in_process", "ready")
SEED_PAYMENTS = ("unpaid", "conflict", "paid")
STATUS_TIMES = (
    "draft_time",
    "pending_time",
    "confirmed_time",
    "in_process_time",
    "ready_time",
    "shipped_time",
    "completed_time",
    "canceled_time",
    "rts_time",
    "closed_time",
)
PAYMENT_TIMES = ("unpaid_time", "paid_time", "conflict_time", "settled_time")


@dataclass(frozen=True, slots=True)
class Target:
    status: str
    payment_status: str
    payment: dict[str, object]  # payment fields sent with the change (and stored)


PAYMENT_FIELDS: dict[str, object] = {
    "payment_method": "bank_transfer",
    "financial_entity_id": 7,
    "payment_account_holder": "Siti Aminah",
    "payment_account_number": "1234567890",
    "transfer_time": "2026-11-27T05:31:56Z",
    "transferproof_url": "https://example.com/proof/123.jpg",
}
# Every seeded state may move to BULK (four status moves, to paid / already paid).
BULK = Target("shipped", "paid", PAYMENT_FIELDS)
# The small-request load alternates A, B, A, ... on each order; each step is allowed.
SMALL = (Target("shipped", "paid", {}), Target("in_process", "conflict", {}))


def seeded_state(id_: int) -> tuple[str, str]:
    """The (status, payment status) an order is seeded with; the seeder uses the same rule."""
    return SEED_STATUSES[id_ % 4], SEED_PAYMENTS[(id_ // 4) % 3]


@dataclass(frozen=True, slots=True)
class Row:
    """What the change does to one order (the floor is handed these, precomputed)."""

    id: int
    from_status: str
    to_status: str
    from_payment: str
    to_payment: str

    @property
    def entered_status(self) -> str | None:
        return self.to_status if self.to_status != self.from_status else None

    @property
    def entered_payment(self) -> str | None:
        return self.to_payment if self.to_payment != self.from_payment else None

    @property
    def events(self) -> int:
        return (self.entered_status is not None) + (self.entered_payment is not None)


def rows_for(ids: list[int], states: dict[int, tuple[str, str]], target: Target) -> list[Row]:
    """The change `target` makes to each order (ids sorted, states updated in place)."""
    rows = []
    for id_ in sorted(ids):
        status, payment = states[id_]
        rows.append(Row(id_, status, target.status, payment, target.payment_status))
        states[id_] = (target.status, target.payment_status)
    return rows


class IdPool:
    """Hands out consecutive, never-used order ids."""

    def __init__(self, first: int, last: int) -> None:
        self._next = first
        self._last = last

    def take(self, n: int) -> list[int]:
        if self._next + n - 1 > self._last:
            raise RuntimeError("the benchmark ran out of fresh orders; seed more")
        ids = list(range(self._next, self._next + n))
        self._next += n
        return ids


def event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def _sample_payload() -> str:
    # orderflow's stored form (services/order_events.py) for a pending, unpaid order moved to
    # shipped + paid: no nulls, nothing the row's columns hold, no time of a status entered now.
    then = datetime(2026, 11, 27, 5, 31, 56, 123456, tzinfo=UTC)
    stored = {
        "order_id": "261127QWERTY12",
        "status": "shipped",
        "previous_status": "pending",
        "pending_time": then,
        "payment_status": "paid",
        "previous_payment_status": "unpaid",
        **PAYMENT_FIELDS,
        "unpaid_time": then,
    }
    return orjson.dumps(stored, option=orjson.OPT_UTC_Z).decode()


# A payload of the size orderflow writes; the floor inserts it instead of building its own.
STORED_PAYLOAD = _sample_payload()


@dataclass(frozen=True, slots=True)
class Event:
    """One outbox row: one event, or two (the second `next_event_type`)."""

    event_id: str
    event_type: str
    order_id: int
    sequence: int
    payload: str
    next_event_type: str | None
    next_event_id: str | None


def events_for(rows: list[Row]) -> Iterator[Event]:
    """The outbox rows the floor writes, as orderflow does: one per changed order, holding an
    event per status entered."""
    for r in rows:
        kinds = []
        if r.entered_status is not None:
            kinds.append("order.status_changed")
        if r.entered_payment is not None:
            kinds.append("order.payment_status_changed")
        if not kinds:
            continue
        second = kinds[1] if len(kinds) == 2 else None
        yield Event(
            event_id(),
            kinds[0],
            r.id,
            2,
            STORED_PAYLOAD,
            second,
            event_id() if second else None,
        )
