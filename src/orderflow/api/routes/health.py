"""Liveness: is the process up and can it reach its database."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from orderflow.api.errors import error_body
from orderflow.api.openapi import error_responses
from orderflow.api.responses import OrjsonResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz", responses=error_responses(503))
async def healthz(request: Request) -> Response:
    """200 when the process is up and its database answers, else 503."""
    if await request.app.state.database_ping():
        return OrjsonResponse({"status": "ok"})
    return OrjsonResponse(
        error_body("database unavailable", "database_unavailable"),
        503,
        headers={"Retry-After": "1"},
    )
