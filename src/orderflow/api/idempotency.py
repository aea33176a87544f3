"""Routes that change data pass `idempotent(...)` to their service, which stores the answer
with the change (see services/idempotency.py and docs/guarantees.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from orderflow.api.errors import stored_error
from orderflow.api.responses import dumps
from orderflow.contracts.versions import Contract
from orderflow.domain.errors import OrderflowError
from orderflow.services.idempotency import IdempotencyKey, Idempotent
from orderflow.services.records import StoredResponse

T = TypeVar("T")


def idempotent(
    key: IdempotencyKey | None,
    status_code: int,
    render: Callable[[T], Any],
    contract: Contract,
    *,
    secret: bool = False,
) -> Idempotent[T] | None:
    """What the service needs to store this route's answer under `key` (None without a key):
    `render` turns the service's result into the JSON body the route answers with, in
    `contract`'s version (a replay answers in the version of the first request); a 204 stores no
    body. `secret`: the answer holds a secret, and is stored sealed like the secret itself."""
    if key is None:
        return None

    def stored(outcome: T | OrderflowError) -> StoredResponse:
        if isinstance(outcome, OrderflowError):
            return stored_error(outcome, contract)
        body = b"" if status_code == 204 else dumps(render(outcome))
        return StoredResponse(status_code, body, secret=secret)

    return Idempotent(key, stored)
