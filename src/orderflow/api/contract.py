"""Which contract version a request is answered in: the one its `Orderflow-Contract` header
names, else the one its API key is pinned to, else (no key yet) the newest."""

from __future__ import annotations

from starlette.requests import Request

from orderflow.contracts.versions import CONTRACT_HEADER, KNOWN, NEWEST, Contract, parse_contract
from orderflow.domain.errors import InvalidInput


class UnsupportedContract(InvalidInput):
    code = "unsupported_contract"

    def __init__(self, given: str) -> None:
        super().__init__(
            f"Unsupported contract version {given!r}; orderflow speaks {KNOWN}",
            {CONTRACT_HEADER: [f"use one of: {KNOWN}"]},
        )


def asked_contract(request: Request) -> Contract | None:
    """The version the request's header asks for (None without the header); 400 if unknown."""
    given = request.headers.get(CONTRACT_HEADER)
    if given is None:
        return None
    contract = parse_contract(given)
    if contract is None:
        raise UnsupportedContract(given)
    return contract


def settle_contract(request: Request, pinned: str) -> Contract:
    """The request's version once its key (pinned to `pinned`) is known; kept for the answer."""
    contract = asked_contract(request) or parse_contract(pinned) or NEWEST
    request.state.contract = contract
    return contract


def contract_of(request: Request) -> Contract:
    """The version this request is answered in."""
    contract = getattr(request.state, "contract", None)  # set by settle_contract
    if isinstance(contract, Contract):
        return contract
    try:
        return asked_contract(request) or NEWEST
    except UnsupportedContract:
        return NEWEST
