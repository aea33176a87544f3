"""Who am I: Scalev's `AuthenticatedIdentity` for the calling API key."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orderflow.api.deps import PrincipalDep, UowFactoryDep
from orderflow.api.openapi import error_responses
from orderflow.api.read_schemas import AuthenticatedIdentity
from orderflow.api.responses import OrjsonResponse
from orderflow.contracts.payloads import username
from orderflow.services.access import describe_business

router = APIRouter(prefix="/v3", tags=["account"])


@router.get(
    "/me",
    operation_id="getAuthenticatedIdentity",
    response_model=AuthenticatedIdentity,
    responses=error_responses(401, 429, 503),
)
async def me(principal: PrincipalDep, uow_factory: UowFactoryDep) -> Response:
    """The calling key's identity: authenticated by API key, for one business, with its scopes."""
    business = await describe_business(uow_factory, principal.business_id)
    return OrjsonResponse(
        {
            "auth_method": "api_key",
            "user": None,
            "oauth_application": None,
            "connected_businesses": [
                {
                    "unique_id": str(business.id),
                    "username": username(business.name),
                    "name": business.name,
                    "is_enabled": True,
                    "scopes": sorted(principal.scopes),
                }
            ],
        }
    )
