"""Operations: liveness (`/healthz`) and readiness (`/readyz`) for load balancers and systemd."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from orderflow.adapters.readiness import Readiness
from orderflow.api.errors import error_body
from orderflow.api.openapi import error_responses
from orderflow.api.responses import OrjsonResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> Response:
    """200 while the process is up and its event loop answers; touches no database."""
    return OrjsonResponse({"status": "ok"})


@router.get("/readyz", responses=error_responses(503))
async def readyz(request: Request) -> Response:
    """200 when the database answers at this code's newest migration (or a newer one, during a
    rolling upgrade); 503 when it is unreachable or needs `orderflow migrate`."""
    readiness: Readiness = await request.app.state.check_readiness()
    migrations = {"current": readiness.current, "head": readiness.head}
    if readiness.ready:
        # "ahead": a newer release already migrated (a rolling upgrade is under way).
        schema = "ahead" if readiness.ahead else "current"
        return OrjsonResponse(
            {"status": "ready", "database": "ok", "schema": schema, "migrations": migrations}
        )
    if not readiness.database:
        body = error_body("not ready: the database is unavailable", "database_unavailable")
    else:
        body = error_body(
            f"not ready: the database schema is at {readiness.current}, this code needs "
            f"{readiness.head}; run `orderflow migrate`",
            "migrations_pending",
            migrations=migrations,
        )
    return OrjsonResponse(body, 503, headers={"Retry-After": "1"})
