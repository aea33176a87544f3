"""Who am I: the business and scopes behind the calling key."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orderflow.api.deps import PrincipalDep, UowFactoryDep
from orderflow.api.openapi import error_responses
from orderflow.api.responses import OrjsonResponse
from orderflow.api.schemas import MeResponse
from orderflow.services.access import describe_business

router = APIRouter(prefix="/v3", tags=["account"])


@router.get("/me", response_model=MeResponse, responses=error_responses(401, 429, 503))
async def me(principal: PrincipalDep, uow_factory: UowFactoryDep) -> Response:
    """The business and scopes of the calling API key."""
    business = await describe_business(uow_factory, principal.business_id)
    return OrjsonResponse(
        {
            "data": {
                "business": {"id": business.id, "name": business.name},
                "api_key_prefix": principal.api_key_prefix,
                "scopes": sorted(principal.scopes),
            }
        }
    )
