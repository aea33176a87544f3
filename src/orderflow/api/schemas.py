"""Request and response schemas of the public API (the Scalev change-status contract and more)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema

from orderflow.api.order_refs import MAX_ID as MAX_ID
from orderflow.contracts.versions import PAYMENT_METHODS, Contract, accepted_method
from orderflow.domain.lifecycle import PaymentMethod

MAX_IDS = 10_000

# No text column can hold a NUL character: every text field says so in its pattern.
NO_NUL = r"^[^\x00]*$"
ShortText = Annotated[str, StringConstraints(max_length=255, pattern=NO_NUL)]


# An http(s) URL with a host (and a port up to 65535), in printable ASCII: the one rule, stated
# in the OpenAPI document as the same pattern the server checks.
_PORT = r"([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
HTTP_URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=-]+(@[A-Za-z0-9._~%!$&'()*+,;=-]+)?"
    rf"(:{_PORT})?([/?#][!-~]*)?$"
)
_HTTP_URL = re.compile(HTTP_URL_PATTERN)


def _http_url(value: str) -> str:
    if not _HTTP_URL.fullmatch(value):
        raise ValueError("must be an http(s) URL")
    return value


def _utc(value: datetime) -> datetime:
    # A date-time without an offset is taken as UTC (documented in the README).
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


def _whole(minimum: int, maximum: int) -> tuple[PlainValidator, WithJsonSchema]:
    """A JSON integer between the bounds: a number with no fraction (`5` or `5.0`, as JSON
    Schema counts them), never a string or a boolean."""

    def check(value: object) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("must be a whole number")
        if not minimum <= value <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}")
        return value

    schema = {"type": "integer", "minimum": minimum, "maximum": maximum}
    return PlainValidator(check), WithJsonSchema(schema)


_ID_CHECK, _ID_SCHEMA = _whole(1, MAX_ID)
_QUANTITY_CHECK, _QUANTITY_SCHEMA = _whole(1, 100_000)
IdNumber = Annotated[int, _ID_CHECK, _ID_SCHEMA]
Quantity = Annotated[int, _QUANTITY_CHECK, _QUANTITY_SCHEMA]


HttpUrlText = Annotated[
    str,
    StringConstraints(max_length=2048),
    AfterValidator(_http_url),
    WithJsonSchema({"type": "string", "maxLength": 2048, "pattern": HTTP_URL_PATTERN}),
]
# A date and time as ISO 8601 text (a number is not one): a date alone is its midnight, and
# without an offset it is UTC. The document states the pattern the server checks first.
_YEAR = r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_DAY = (  # a day its month has (29 February only in a leap year)
    rf"({_YEAR}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    rf"|02-(0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)"
)
ISO_DATETIME_PATTERN = (
    rf"^{_DAY}([Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{{1,6}})?)?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)?$"
)


def text_matching(pattern: str, message: str) -> tuple[BeforeValidator, WithJsonSchema]:
    """A check that a value is text matching `pattern` whole, and the document saying so."""
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(message)
        return value

    return BeforeValidator(check), WithJsonSchema({"type": "string", "pattern": pattern})


_ISO_CHECK, _ISO_SCHEMA = text_matching(
    ISO_DATETIME_PATTERN, "must be an ISO 8601 date and time, e.g. 2026-11-27T05:31:56Z"
)
UtcDateTime = Annotated[
    datetime,
    _ISO_CHECK,
    AfterValidator(_utc),
    _ISO_SCHEMA,
]


class OnError(StrEnum):
    FAIL = "fail"
    SKIP = "skip"


class RejectedOrder(BaseModel):
    """An order left unchanged: its id in the contract's form when it exists, else as sent."""

    id: int | str
    error_code: str = Field(
        description="order_not_found, invalid_transition, invalid_status_time (an upload's "
        "day/month/year), order_not_deletable (delete), or a revert's changed_since, "
        "already_reverted and details_not_recorded"
    )
    error: str


class ErrorResponse(BaseModel):
    error: str
    error_code: str
    errors: dict[str, list[str]] | SkipJsonSchema[None] = Field(
        default=None, description="Field name → messages, for validation errors"
    )
    rejected: list[RejectedOrder] | SkipJsonSchema[None] = Field(
        default=None, description="The orders that stopped an all-or-nothing batch"
    )


# Money as a decimal string with at most two decimals, as every answer shows it, under one
# billion rupiah: 200 items of 100,000 units at the most each then still add up to a total the
# database stores exactly (integer cents in 64 bits).
MONEY_PATTERN = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"
_MONEY_CHECK, _MONEY_SCHEMA = text_matching(
    MONEY_PATTERN, 'must be a decimal string with at most 2 decimals, e.g. "75000.00"'
)
Money = Annotated[Decimal, _MONEY_CHECK, _MONEY_SCHEMA]


# ASCII whitespace: `\s` means different characters to ECMA (the document), Python and Rust
# (pydantic), so the patterns name these six and the server strips these six.
SPACES = " \t\r\n\f\v"
_SPACE_CLASS = " \\t\\r\\n\\f\\v"
# A name: at least one character that is not a space, and no NUL.
_NAME = f"^[^\\x00]*[^\\x00{_SPACE_CLASS}][^\\x00]*$"
# Text that is checked as sent (the document's limits) and kept without surrounding spaces.
_Stripped = AfterValidator(lambda text: text.strip(SPACES))


class CustomerIn(BaseModel):
    name: Annotated[
        str,
        StringConstraints(min_length=1, max_length=255, pattern=_NAME),
        _Stripped,
    ] = Field(description="At least one character that is not a space")
    phone: Annotated[str, StringConstraints(max_length=32, pattern=NO_NUL), _Stripped] | None = None
    email: (
        Annotated[
            str,
            StringConstraints(
                max_length=255, pattern=f"^[^@\\x00{_SPACE_CLASS}]+@[^@\\x00{_SPACE_CLASS}]+$"
            ),
        ]
        | None
    ) = None


class OrderItemIn(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=NO_NUL)]
    quantity: Quantity
    price: Money = Field(description='Unit price as a decimal string, e.g. "75000.00"')


def _only(contract: Contract) -> Any:
    listed = ", ".join(f"'{m.value}'" for m in PAYMENT_METHODS[contract])

    def check(value: object) -> PaymentMethod:
        found = accepted_method(contract, value)
        if found is None:
            raise ValueError(f"Input should be {listed}")
        return found

    return PlainValidator(check)


def _enum(contract: Contract) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": "string",
            "enum": [m.value for m in PAYMENT_METHODS[contract]],
            "description": "Order payment method",
        }
    )


# The payment methods a caller may send, in each version.
PaymentMethodIn = Annotated[PaymentMethod, _only(Contract.V2026_07_21), _enum(Contract.V2026_07_21)]
LegacyPaymentMethodIn = Annotated[
    PaymentMethod, _only(Contract.V2025_01_01), _enum(Contract.V2025_01_01)
]


class OrderCreateRequest(BaseModel):
    customer: CustomerIn
    items: list[OrderItemIn] = Field(min_length=1, max_length=200)
    shipping_cost: Money = Decimal("0.00")
    payment_method: PaymentMethodIn | None = Field(
        default=None, description="Order payment method; without one the order starts as draft"
    )


class LegacyOrderCreateRequest(OrderCreateRequest):
    payment_method: LegacyPaymentMethodIn | None = Field(
        default=None, description="Order payment method; without one the order starts as draft"
    )
