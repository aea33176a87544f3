"""An order named in a path: `/v3/orders/{id}` takes its UUID or its legacy numeric id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from starlette.convertors import register_url_convertor

from orderflow.api.order_refs import MAX_ID, PATH_PATTERN, OrderRefConvertor, parse_order_ref
from orderflow.domain.errors import NotFound
from orderflow.services.records import OrderRef

OrderPath = Annotated[
    str,
    Path(description="The order's UUIDv7, or its legacy numeric id", pattern=PATH_PATTERN),
]
# Routes write `{id:order_ref}`: it matches only an id, so `/v3/orders/change-status` is never
# taken for one (a GET there is a 405, not an order lookup) and anything else is a 404.
register_url_convertor("order_ref", OrderRefConvertor())


def order_ref(value: str) -> OrderRef:
    """The order a path names (the path's pattern was checked: a number out of range names no
    order, so it is not found)."""
    try:
        ref = parse_order_ref(value)
    except ValueError:
        ref = None
    if ref is None or (isinstance(ref, int) and not 1 <= ref <= MAX_ID):
        raise NotFound(f"order {value} not found")
    return ref
