"""How callers name orders (a UUIDv7, or a legacy numeric id as a number or a decimal string) and
how each contract version names them in answers."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import PlainValidator, WithJsonSchema

from orderflow.contracts.versions import Contract
from orderflow.services.unit_of_work import OrderRef

MAX_ID = 2**63 - 1
ID_FORMS = "a UUID, or a legacy numeric id (a number or a decimal string)"
# What Scalev's v3 document says of an order id, for every place that takes one.
ORDER_REF_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "format": "uuid"},
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        {"type": "string", "pattern": "^[0-9]{1,19}$"},
    ],
    "description": "The order's UUIDv7, or its legacy numeric id as a number or a decimal string",
}


def parse_order_ref(value: object) -> OrderRef:
    """`value` as an order reference; ValueError (with the forms it takes) if it is none."""
    if isinstance(value, bool):
        raise ValueError(f"must be {ID_FORMS}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    elif isinstance(value, str) and len(value) == 36:
        try:
            return UUID(value)
        except ValueError:
            raise ValueError(f"must be {ID_FORMS}") from None
    else:
        raise ValueError(f"must be {ID_FORMS}")
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"a numeric id must be between 1 and {MAX_ID}")
    return number


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
