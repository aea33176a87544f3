"""Typed dependencies the routes declare: the unit-of-work factory and the authenticated caller."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orderflow.domain.errors import Unauthorized
from orderflow.observability.context import bind
from orderflow.services.access import Principal, Scope, authenticate
from orderflow.services.cursors import CursorCodec
from orderflow.services.idempotency import MAX_KEY_LENGTH, IdempotencyKey, fingerprint
from orderflow.services.rate_limits import RateLimited, RateLimiter
from orderflow.services.unit_of_work import Actor, UnitOfWorkFactory
from orderflow.services.webhooks import Outbound

bearer = HTTPBearer(
    auto_error=False,
    description="Bearer authentication header of the form Bearer <token>, where <token> is your "
    "auth token.",
)


async def get_uow_factory(request: Request) -> UnitOfWorkFactory:
    """The app's unit-of-work factory."""
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread, on every request.
    factory: UnitOfWorkFactory = request.app.state.uow_factory
    return factory


UowFactoryDep = Annotated[UnitOfWorkFactory, Depends(get_uow_factory)]


async def get_principal(
    request: Request,
    uow_factory: UowFactoryDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller behind the bearer key; 401 without a valid one."""
    if credentials is None:
        raise Unauthorized("Unauthorized")
    principal = await authenticate(uow_factory, credentials.credentials)
    request.state.principal = principal
    bind(business_id=principal.business_id, api_key=principal.api_key_prefix)
    limiter: RateLimiter = request.app.state.container.rate_limiter
    if limiter.enabled:
        try:
            request.state.rate_limit = await limiter.hit(principal.api_key_id, time.time())
        except RateLimited as exc:
            request.state.rate_limit = exc.state
            raise
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def requires(scope: Scope) -> Callable[[Request, Principal], Awaitable[Actor]]:
    """A dependency giving the acting `Actor` once the key is checked for `scope` (403 if not)."""

    async def actor(request: Request, principal: PrincipalDep) -> Actor:
        principal.require(scope)
        return Actor(
            business_id=principal.business_id,
            api_key_id=principal.api_key_id,
            api_key_prefix=principal.api_key_prefix,
            request_id=getattr(request.state, "request_id", None),
        )

    return actor


ChangeStatusActor = Annotated[Actor, Depends(requires(Scope.ORDER_CHANGE_STATUS))]
CreateOrderActor = Annotated[Actor, Depends(requires(Scope.ORDER_CREATE))]
ReadOrderActor = Annotated[Actor, Depends(requires(Scope.ORDER_READ))]
ListOrdersActor = Annotated[Actor, Depends(requires(Scope.ORDER_LIST))]
ManageWebhooksActor = Annotated[Actor, Depends(requires(Scope.WEBHOOK_MANAGE))]


async def get_cursor_codec(request: Request) -> CursorCodec:
    """Signs and checks pagination cursors with the configured secret key."""
    return CursorCodec(request.app.state.container.settings.secret_key.get_secret_value())


CursorCodecDep = Annotated[CursorCodec, Depends(get_cursor_codec)]


async def get_idempotency_key(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=MAX_KEY_LENGTH,
            description="Any unique string (up to 255 characters) per intended change, kept "
            "24 hours: a retry with the same key and body replays the first answer "
            "(`Idempotent-Replayed: true`) instead of changing anything again.",
        ),
    ] = None,
) -> IdempotencyKey | None:
    """The request's idempotency key with a fingerprint of the request, if a key was sent."""
    if key is None:
        return None
    # A multipart body differs on every retry (a new boundary) and is streamed, not kept: such a
    # route replaces this fingerprint with one of its file and form (see order_upload.py).
    multipart = request.headers.get("content-type", "").startswith("multipart/")
    body = b"" if multipart else await request.body()
    return IdempotencyKey(
        key, fingerprint(request.method, request.url.path, request.url.query, body)
    )


IdempotencyKeyDep = Annotated[IdempotencyKey | None, Depends(get_idempotency_key)]


def get_outbound(request: Request) -> Outbound:
    """How this process reaches webhook receivers."""
    outbound: Outbound = request.app.state.outbound
    return outbound


OutboundDep = Annotated[Outbound, Depends(get_outbound)]
