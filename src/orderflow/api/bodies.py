"""JSON bodies read by the route, in the model of the request's contract version.

A route whose body differs between versions reads it here instead of letting FastAPI parse one
fixed model; its OpenAPI document gets each version's model from `openapi.VERSIONED`.
"""

from __future__ import annotations

from typing import TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

M = TypeVar("M", bound=BaseModel)


async def read_body(request: Request, model: type[M]) -> M:
    """The request's JSON body as `model`; a 400 naming each bad field if it is not one."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None
