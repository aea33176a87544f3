"""A JSON response rendered by orjson: Decimals as strings, datetimes as ISO 8601 in UTC."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import JSONResponse


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(content: Any) -> bytes:
    """Serialise `content` the way every orderflow response does."""
    return orjson.dumps(content, default=_default, option=orjson.OPT_UTC_Z)


class OrjsonResponse(JSONResponse):
    """`application/json` rendered by orjson (fast enough for 10,000-item bodies)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
