"""The OpenAPI document: documented error answers, and 400 (not FastAPI's 422) for bad input."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from orderflow.api.schemas import ErrorResponse
from orderflow.contracts.versions import NEWEST, PAYMENT_METHODS, Contract

_DESCRIPTIONS = {
    400: "Invalid request (validation_error, order_not_found, invalid_transition; a revert's "
    "changed_since, already_reverted, details_not_recorded, request_not_revertible)",
    401: "Missing, unknown or revoked API key",
    403: "The API key lacks the scope this call needs",
    404: "Not found, or another business's (a revert's and a request's page: request_not_found)",
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


@dataclass(frozen=True, slots=True)
class Versioned:
    """An operation whose JSON body or success answer differs between contract versions."""

    body: Mapping[Contract, type[BaseModel]] = field(default_factory=dict)
    answer: Mapping[Contract, type[BaseModel]] = field(default_factory=dict)
    status: str = "200"
    links: Mapping[str, Any] = field(default_factory=dict)  # OpenAPI links of the answer


# (method, path) → the models of each version; filled by the routes as they are defined.
VERSIONED: dict[tuple[str, str], Versioned] = {}
# Query parameters whose values are a version's payment methods.
_METHOD_PARAMETERS = frozenset({"payment_method"})
_REF = "#/components/schemas/{model}"


def versioned(method: str, path: str, spec: Versioned) -> None:
    """Document `method path` with the models of `spec`, one set per contract version."""
    VERSIONED[(method.lower(), path)] = spec


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model.__name__)}}}


def _for_contract(base: dict[str, Any], contract: Contract) -> dict[str, Any]:
    """The document of `contract`: each versioned operation with that version's models."""
    schema = copy.deepcopy(base)
    models: list[type[BaseModel]] = []
    for (method, path), spec in VERSIONED.items():
        operation = schema["paths"][path][method]
        if contract in spec.body:
            operation["requestBody"] = {"required": True, "content": _json(spec.body[contract])}
            models.append(spec.body[contract])
        if contract in spec.answer:
            answer = spec.answer[contract]
            operation["responses"][spec.status]["content"] = _json(answer)
            models.append(answer)
        if spec.links:
            operation["responses"][spec.status]["links"] = dict(spec.links)
    methods = [m.value for m in PAYMENT_METHODS[contract]]
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in _METHOD_PARAMETERS:
                    parameter["schema"] = {"type": "string", "enum": methods}
    _, defs = models_json_schema(
        [(m, "validation" if m in _bodies() else "serialization") for m in models],
        ref_template=_REF,
    )
    schema.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
    schema["info"]["version"] = contract.value
    return schema


def _bodies() -> set[type[BaseModel]]:
    return {m for spec in VERSIONED.values() for m in spec.body.values()}


def install_openapi(app: FastAPI) -> None:
    """Generate the documents once, without FastAPI's 422 (bad input is a 400 here): the newest
    contract version's as `app.openapi()`, each version's from `openapi_for`."""
    documents: dict[Contract, dict[str, Any]] = {}

    def base() -> dict[str, Any]:
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
        return schema

    def openapi_for(contract: Contract) -> dict[str, Any]:
        if contract not in documents:
            common = base()
            for version in Contract:
                documents[version] = _for_contract(common, version)
        return documents[contract]

    def openapi() -> dict[str, Any]:
        app.openapi_schema = openapi_for(NEWEST)
        return app.openapi_schema

    app.state.openapi_for = openapi_for
    app.openapi = openapi  # type: ignore[method-assign]
