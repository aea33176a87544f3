"""The OpenAPI document of each contract version, and the interactive docs of the newest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import HTMLResponse, Response

from orderflow.api.contract import UnsupportedContract
from orderflow.api.responses import OrjsonResponse
from orderflow.contracts.versions import KNOWN, NEWEST, parse_contract

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
async def openapi_document(
    request: Request,
    contract: Annotated[str | None, Query(description=f"One of {KNOWN}")] = None,
) -> Response:
    """The OpenAPI document of the newest contract version, or of `?contract=<version>`."""
    version = NEWEST if contract is None else parse_contract(contract)
    if version is None:
        raise UnsupportedContract(str(contract))
    request.state.contract = version
    document: dict[str, Any] = request.app.state.openapi_for(version)
    return OrjsonResponse(document)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Interactive docs of the newest version."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} API")


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    """Reference docs of the newest version."""
    return get_redoc_html(openapi_url="/openapi.json", title=f"{request.app.title} API")
