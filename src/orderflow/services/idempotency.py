"""Idempotency keys: a retried request replays the first answer instead of running again.

The answer is stored in the same unit of work as the change it reports, so either both are kept
or neither is. Opening the unit of work with the key claims it (see `UnitOfWorkFactory`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from orderflow.domain.errors import OrderflowError
from orderflow.services.records import StoredResponse
from orderflow.services.unit_of_work import UnitOfWork

MAX_KEY_LENGTH = 255
R = TypeVar("R")


class IdempotencyKeyReused(OrderflowError):
    """The key was used before with a different request."""

    code = "idempotency_key_reused"


class Replayed(OrderflowError):
    """The key was used before with this very request: its stored answer is the answer."""

    code = "idempotent_replay"

    def __init__(self, response: StoredResponse) -> None:
        super().__init__("replayed")
        self.response = response


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """The key a client sent, and a fingerprint of the request it came with."""

    key: str
    fingerprint: str


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """A digest of everything that makes a request this request (byte for byte)."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode()):
        digest.update(part + b"\0")
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Idempotent(Generic[R]):
    """A request's key and how its outcome (a result or a refusal) is rendered for storing."""

    key: IdempotencyKey
    render: Callable[[R | OrderflowError], StoredResponse]


async def replay_if_seen(uow: UnitOfWork, key: IdempotencyKey, now: datetime) -> None:
    """Raise `Replayed` if the key has an answer already (`IdempotencyKeyReused` if for another
    request); return if it is new."""
    record = await uow.idempotency.find(key.key, now)
    if record is None:
        return
    if record.fingerprint != key.fingerprint:
        raise IdempotencyKeyReused("this Idempotency-Key was already used with a different request")
    raise Replayed(record.response)


async def remember(
    uow: UnitOfWork, idempotent: Idempotent[R], outcome: R | OrderflowError, now: datetime
) -> None:
    """Store the rendered outcome under the key, in `uow` (kept only if `uow` commits)."""
    await uow.idempotency.save(
        idempotent.key.key, idempotent.key.fingerprint, idempotent.render(outcome), now
    )
