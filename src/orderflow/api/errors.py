"""Turns errors into HTTP answers, in one table. Every error body is `{"error", "error_code"}`."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from orderflow.api.contract import contract_of
from orderflow.api.responses import OrjsonResponse, dumps
from orderflow.api.views import rejected_orders, rejected_rows
from orderflow.contracts.versions import Contract
from orderflow.domain.errors import (
    BatchRefused,
    Forbidden,
    InvalidInput,
    NotFound,
    OrderflowError,
    Unauthorized,
    WebhookTestFailed,
)
from orderflow.services.idempotency import IdempotencyKeyReused, Replayed
from orderflow.services.rate_limits import RateLimited
from orderflow.services.records import StoredResponse
from orderflow.services.status_upload import RowsRefused
from orderflow.services.storage_errors import (
    IdempotencyKeyInUse,
    StorageConflict,
    StorageUnavailable,
)

log = logging.getLogger("orderflow.api")

STATUS_BY_ERROR: dict[type[OrderflowError], int] = {
    InvalidInput: 400,
    BatchRefused: 400,
    RowsRefused: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    IdempotencyKeyInUse: 409,
    IdempotencyKeyReused: 422,
    RateLimited: 429,
    StorageUnavailable: 503,
    StorageConflict: 503,
    WebhookTestFailed: 400,
}
RETRY_AFTER_S = "1"
REPLAYED_HEADER = "Idempotent-Replayed"

_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_body(error: str, error_code: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of every error answer."""
    return {"error": error, "error_code": error_code, **extra}


_FIELD_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# Pydantic names the branch of a union in `loc` ("none", "str-enum[...]"); they are not fields.
_UNION_TAGS = {"none", "int", "str", "float", "bool", "datetime", "decimal", "list", "dict"}
_NONE_BRANCH = "Input should be None"


def _field_name(loc: tuple[int | str, ...]) -> str:
    """`("body", "ids", 3)` → `"ids.3"`, leaving out where it came from and union branches."""
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    parts = [
        str(p) for p in loc if isinstance(p, int) or (_FIELD_PART.match(p) and p not in _UNION_TAGS)
    ]
    return ".".join(parts) or "body"


def _field_errors(exc: RequestValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        message = str(err.get("msg", "invalid"))
        field_errors = errors.setdefault(_field_name(tuple(err.get("loc", ()))), [])
        if message not in field_errors:
            field_errors.append(message)
    for messages in errors.values():
        if len(messages) > 1 and _NONE_BRANCH in messages:
            messages.remove(_NONE_BRANCH)
    return errors


def error_answer(
    exc: OrderflowError, contract: Contract
) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, JSON body and headers of the answer to `exc` (ids in `contract`'s form)."""
    status = next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 500)
    headers: dict[str, str] | None = None
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after_s)}
    elif status in (409, 503):
        headers = {"Retry-After": RETRY_AFTER_S}
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput):
        extra["errors"] = exc.errors
    if isinstance(exc, BatchRefused):
        extra["rejected"] = rejected_orders(contract, exc.rejected)
    if isinstance(exc, RowsRefused):
        extra["rejected"] = rejected_rows(contract, exc.rejected)
    message = {401: "Unauthorized", 403: "Forbidden"}.get(status, exc.message)
    if status == 403:
        extra["detail"] = exc.message
    return status, error_body(message, exc.code, **extra), headers


def stored_error(exc: OrderflowError, contract: Contract) -> StoredResponse:
    """The answer to `exc` as an idempotency key stores it."""
    status, body, _ = error_answer(exc, contract)
    return StoredResponse(status, dumps(body))


def replay(response: StoredResponse) -> Response:
    """A stored answer sent again, byte for byte, marked as a replay."""
    if response.status_code == 204:  # no body, and so no content type
        return Response(status_code=204, headers={REPLAYED_HEADER: "true"})
    return Response(
        response.body,
        response.status_code,
        headers={REPLAYED_HEADER: "true"},
        media_type="application/json",
    )


async def _on_orderflow_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OrderflowError)
    if isinstance(exc, Replayed):
        return replay(exc.response)
    status, body, headers = error_answer(exc, contract_of(request))
    return OrjsonResponse(body, status, headers=headers)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    message = "Invalid request: " + ", ".join(sorted(errors))
    return OrjsonResponse(error_body(message, "validation_error", errors=errors), 400)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this request's path (Starlette's 405 names only the
    first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return OrjsonResponse(error_body(str(exc.detail), code), exc.status_code, headers=headers)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # This runs outside the request's middleware (Starlette's outermost layer), so the
    # request's log fields are given here.
    principal = getattr(request.state, "principal", None)
    log.exception(
        "unhandled error",
        exc_info=exc,
        extra={
            "request_id": getattr(request.state, "request_id", None),
            "business_id": getattr(principal, "business_id", None),
        },
    )
    return OrjsonResponse(error_body("Internal Server Error", "internal_error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the one table of error → answer on `app`."""
    app.add_exception_handler(OrderflowError, _on_orderflow_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
