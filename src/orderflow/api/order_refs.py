"""How callers name orders (a UUIDv7, or a legacy numeric id as a number or a decimal string) and
how each contract version names them in answers."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from pydantic import PlainValidator, WithJsonSchema
from starlette.convertors import Convertor

from orderflow.contracts.versions import Contract
from orderflow.services.records import OrderRef

MAX_ID = 2**63 - 1
ID_FORMS = "a UUID, or a legacy numeric id (a number or a decimal string)"
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID = re.compile(UUID_PATTERN)
# An order in a path: its UUID, or its numeric id (a number that names no order is a 404).
PATH_PATTERN = f"^([0-9]{{1,19}}|{UUID_PATTERN})$"
# What Scalev's v3 document says of an order id, for every place that takes one.
ORDER_REF_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "format": "uuid", "pattern": f"^{UUID_PATTERN}$"},
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        {"type": "string", "pattern": "^[0-9]{1,19}$"},
    ],
    "description": "The order's UUIDv7, or its legacy numeric id as a number or a decimal string",
}


class OrderRefConvertor(Convertor[str]):
    """A path segment that is an order id: digits, or a UUID."""

    regex = f"[0-9]{{1,19}}|{UUID_PATTERN}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def parse_order_ref(value: object) -> OrderRef:
    """`value` as an order reference; ValueError (with the forms it takes) if it is none."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_ID:
            raise ValueError(f"a numeric id must be between 1 and {MAX_ID}")
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        # A decimal string that names no order (0, or past the largest id) is not found.
        return int(value)
    if isinstance(value, str) and _UUID.fullmatch(value):
        return UUID(value)
    raise ValueError(f"must be {ID_FORMS}")


OrderRefIn = Annotated[OrderRef, PlainValidator(parse_order_ref), WithJsonSchema(ORDER_REF_SCHEMA)]


def shown_id(contract: Contract, legacy_id: int, uuid: UUID) -> int | str:
    """An order's id as `contract` shows it: the UUID today, the number in 2025-01-01."""
    return legacy_id if contract is Contract.V2025_01_01 else str(uuid)


def shown_ref(
    contract: Contract, ref: OrderRef, legacy_id: int | None, uuid: UUID | None
) -> int | str:
    """The id of an order a caller named `ref`: its own id in `contract`'s form when it exists,
    else `ref` as it was sent."""
    if legacy_id is not None and uuid is not None:
        return shown_id(contract, legacy_id, uuid)
    return str(ref) if isinstance(ref, UUID) else ref
