"""Access log and request metrics for every HTTP request, and the counting of status changes."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderflow.domain.errors import BatchRefused
from orderflow.observability.context import bind, current_fields, request_context
from orderflow.observability.metrics import (
    IDEMPOTENT_REPLAYS,
    RATE_LIMITED,
    record_batch,
    record_request,
)
from orderflow.services.change_status import (
    ChangeOrderStatus,
    ChangeOrderStatuses,
    ChangeStatusResult,
    change_status,
)
from orderflow.services.idempotency import Idempotent
from orderflow.services.records import Actor
from orderflow.services.revert import RevertChanges, revert_request
from orderflow.services.status_upload import (
    RowsRefused,
    UploadChangeStatus,
    UploadResult,
    upload_change_status,
)
from orderflow.services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("orderflow.access")

UNMATCHED = "unmatched"  # one label for every unknown path, so scanners cannot explode the series
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def route_of(scope: Scope) -> str:
    """The route template that answered (`/v3/orders/{id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class TelemetryMiddleware:
    """Times each request, counts it by route template and status, and writes one access line.

    Sits inside `RequestIdMiddleware`, so the request id is known; every log line written while the
    request runs carries it (and the business id once the key is checked).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        replayed = False

        async def send_observed(message: Message) -> None:
            nonlocal status, replayed
            if message["type"] == "http.response.start":
                status = message["status"]
                replayed = any(
                    k.lower() == b"idempotent-replayed" and v.lower() == b"true"
                    for k, v in message.get("headers", ())
                )
            await send(message)

        request_id = scope.get("state", {}).get("request_id")
        with request_context(request_id=request_id):
            log.debug("request started", extra={"method": scope["method"]})
            try:
                await self.app(scope, receive, send_observed)
            finally:
                seconds = time.perf_counter() - started
                route = route_of(scope)
                record_request(scope["method"], route, status, seconds)
                if status == 429:
                    RATE_LIMITED.inc()
                if replayed:
                    IDEMPOTENT_REPLAYS.inc()
                level = logging.DEBUG if route in _QUIET_ROUTES and status < 400 else logging.INFO
                log.log(
                    level,
                    "%s %s %d",
                    scope["method"],
                    route,
                    status,
                    extra={
                        **current_fields(),
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                    },
                )


async def observed_change_status(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: ChangeOrderStatus | ChangeOrderStatuses,
    idempotency: Idempotent[ChangeStatusResult] | None = None,
) -> ChangeStatusResult:
    """`change_status`, counted in the metrics and the request's log line (dry runs are not;
    a replayed answer is counted as a replay by the middleware, not as a second batch)."""
    if isinstance(command, ChangeOrderStatus):
        size = len(set(command.ids))
    else:
        size = len({id_ for id_, _ in command.rows})
    return await _observed(
        size,
        command.dry_run,
        lambda: change_status(uow_factory, actor, command, idempotency=idempotency),
    )


async def observed_revert(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: RevertChanges,
    idempotency: Idempotent[ChangeStatusResult] | None = None,
) -> ChangeStatusResult:
    """`revert_request`, counted like a change-status batch (its size: the orders the request
    changed; not known for a refused one) and logged with the request it reverts."""
    bind(reverts=command.request_id)
    return await _observed(
        None,
        command.dry_run,
        lambda: revert_request(uow_factory, actor, command, idempotency=idempotency),
    )


async def observed_upload(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    command: UploadChangeStatus,
    idempotency: Idempotent[UploadResult] | None = None,
) -> UploadResult:
    """`upload_change_status`, counted like a change-status batch (one row, one order)."""
    size = len(command.rows) + len({r.row for r in command.invalid})
    return await _observed(
        size,
        command.dry_run,
        lambda: upload_change_status(uow_factory, actor, command, idempotency=idempotency),
    )


class _Refused(Protocol):
    @property
    def error_code(self) -> str: ...


class _Outcome(Protocol):
    @property
    def data(self) -> Sequence[object]: ...

    @property
    def changed(self) -> int: ...

    @property
    def changed_by_status(self) -> dict[str, int]: ...

    @property
    def rejected(self) -> Sequence[_Refused]: ...


_O = TypeVar("_O", bound=_Outcome)


async def _observed(size: int | None, dry_run: bool, run: Callable[[], Awaitable[_O]]) -> _O:
    """Run a batch and count it in the metrics and the request's log line (dry runs: log only).
    `size` None: known once it ran (a revert's: the orders its request changed)."""
    bind(batch_size=size, dry_run=dry_run or None)
    try:
        result = await run()
    except (BatchRefused, RowsRefused) as exc:
        bind(changed=0, refused=len(exc.rejected))
        if not dry_run:
            record_batch(size, {}, (r.error_code for r in exc.rejected))
        raise
    if size is None:
        size = len(result.data) + len(result.rejected)
        bind(batch_size=size)
    bind(changed=result.changed, refused=len(result.rejected))
    if not dry_run:
        record_batch(size, result.changed_by_status, (r.error_code for r in result.rejected))
    return result
