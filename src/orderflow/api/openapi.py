"""The OpenAPI document: documented error answers, and 400 (not FastAPI's 422) for bad input."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from orderflow.api.schemas import ErrorResponse

_DESCRIPTIONS = {
    400: "Invalid request (validation_error, order_not_found, invalid_transition)",
    401: "Missing, unknown or revoked API key",
    403: "The API key lacks the scope this call needs",
    404: "Not found (or belongs to another business)",
    409: "A request with the same Idempotency-Key is still running (idempotency_key_in_use); "
    "retry after Retry-After seconds",
    413: "Request body too large (payload_too_large)",
    422: "The Idempotency-Key was used before with a different request (idempotency_key_reused)",
    429: "Rate limit of the API key exceeded (rate_limited); retry after Retry-After seconds",
    503: "Database unavailable or too busy (database_unavailable, database_busy); "
    "retry after Retry-After seconds",
}
# What a call can answer besides its success: reading calls, and calls that change data.
READING = (400, 401, 403, 429, 503)
CHANGING = (400, 401, 403, 409, 413, 422, 429, 503)


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each code documented with the common error body."""
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in codes}


def install_openapi(app: FastAPI) -> None:
    """Generate the document once, without FastAPI's 422 (bad input is a 400 here)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {})
                if "HTTPValidationError" not in str(responses.get("422")):
                    continue  # a documented 422 of our own (idempotency_key_reused)
                if responses.pop("422", None) is not None and "400" not in responses:
                    responses["400"] = {
                        "description": _DESCRIPTIONS[400],
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ErrorResponse"}
                            }
                        },
                    }
        components = schema.get("components", {}).get("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
