"""One data row of a change-status CSV: its cells, validated and typed (each contract version
has its own row model), and the dates and times a spreadsheet writes in them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from orderflow.api.order_refs import OrderRefIn
from orderflow.api.schemas import (
    MAX_ID,
    HttpUrlText,
    LegacyPaymentMethodIn,
    PaymentMethodIn,
    ShortText,
)
from orderflow.contracts.versions import Contract
from orderflow.domain.lifecycle import OrderStatus, PaymentStatus

# The date the order entered its new status (Scalev's template): all three, or none.
DATE_COLUMNS = ("day", "month", "year")
_DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y/%m/%d %H:%M:%S")


class CsvRow(BaseModel):
    """One data row (contract 2026-07-21); empty cells are absent values. A row may change the
    payment status only (an empty status)."""

    model_config = ConfigDict(extra="forbid")

    id: OrderRefIn | None = None
    order_id: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = None
    status: OrderStatus | None = None
    payment_status: PaymentStatus | None = None
    payment_method: PaymentMethodIn | None = None
    financial_entity_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    payment_account_holder: ShortText | None = None
    payment_account_number: ShortText | None = None
    transfer_time: datetime | None = None
    transferproof_url: HttpUrlText | None = None
    rtsproof_url: HttpUrlText | None = None
    by: ShortText | None = None
    shipment_receipt: ShortText | None = None
    day: Annotated[int, Field(ge=1, le=31)] | None = None
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    year: Annotated[int, Field(ge=2000, le=9999)] | None = None

    @field_validator("transfer_time", mode="before")
    @classmethod
    def _local_time(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        return parse_time(value, info.context["tz"] if info.context else UTC)

    @model_validator(mode="after")
    def _some_target(self) -> CsvRow:
        if self.status is None and self.payment_status is None:
            raise PydanticCustomError(
                "missing", "is empty: give a status, a payment_status or both"
            )
        return self

    def status_date(self) -> date | None:
        """The day/month/year the row gives (None: the time of the upload)."""
        if self.day is None or self.month is None or self.year is None:
            return None
        return date(self.year, self.month, self.day)

    @model_validator(mode="after")
    def _whole_date(self) -> CsvRow:
        given = [getattr(self, name) is not None for name in DATE_COLUMNS]
        if any(given) and not all(given):
            raise PydanticCustomError(
                "date", "give day, month and year together, or leave all three empty"
            )
        if all(given):
            try:
                self.status_date()
            except ValueError:
                raise PydanticCustomError(
                    "date",
                    "{day}/{month}/{year} is not a date",
                    {"day": self.day, "month": self.month, "year": self.year},
                ) from None
        return self


class LegacyCsvRow(CsvRow):
    """One data row (contract 2025-01-01): the status is required."""

    status: OrderStatus
    payment_method: LegacyPaymentMethodIn | None = None


ROW_MODELS: dict[Contract, type[CsvRow]] = {
    Contract.V2025_01_01: LegacyCsvRow,
    Contract.V2026_07_21: CsvRow,
}


def parse_time(text: str, tz: ZoneInfo | Any) -> datetime:
    """ISO 8601 or day/month/year; a time without an offset is in `tz`. The result is UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(
                "not a date and time: use ISO 8601 (2026-11-27T12:31:00+07:00) "
                "or day/month/year (27/11/2026 12:31)"
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)
