"""Opaque, signed pagination cursors: a keyset bound to one business, one filter and a direction.

A cursor is `base64url(payload).base64url(HMAC-SHA256(payload))`. The payload is readable but not
forgeable: a cursor that was edited, made with another secret, or issued for another business,
another filter or the other direction is refused with `InvalidCursor` (a 400), never a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from orderflow.domain.errors import InvalidInput
from orderflow.services.records import Keyset, OrderFilter

_VERSION = "1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEY_LABEL = b"orderflow pagination cursor v1"


class Direction(StrEnum):
    NEXT = "next"  # older orders
    PREVIOUS = "previous"  # newer orders


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


def filter_fingerprint(where: OrderFilter | str) -> str:
    """A short digest of a filter, so a cursor only works with the filter it was issued for
    (a string: what else a list is of, such as one request's changes)."""
    if isinstance(where, str):
        return hashlib.sha256(("\x1e" + where).encode()).hexdigest()[:16]
    parts = [
        ",".join(sorted(s.value for s in where.statuses)),
        where.payment_status.value if where.payment_status else "",
        where.payment_method.value if where.payment_method else "",
        where.created_since.isoformat() if where.created_since else "",
        where.created_until.isoformat() if where.created_until else "",
        where.search or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Signs and checks cursors with a key derived from the service's secret key."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def encode(
        self, direction: Direction, at: Keyset, business_id: int, where: OrderFilter | str
    ) -> str:
        """The cursor continuing from `at` in `direction`."""
        micros = (at.created_at - _EPOCH) // timedelta(microseconds=1)
        payload = "|".join(
            (
                _VERSION,
                direction.value,
                str(business_id),
                filter_fingerprint(where),
                str(micros),
                str(at.id),
            )
        ).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(
        self, token: str, direction: Direction, business_id: int, where: OrderFilter | str
    ) -> Keyset:
        """The keyset in `token`, or `InvalidCursor` if it is not a cursor issued for this call."""
        field = f"{direction.value}_cursor"
        try:
            encoded, signature = token.split(".")
            payload = _unb64(encoded)
            valid = hmac.compare_digest(_unb64(signature), self._sign(payload))
        except (ValueError, binascii.Error):
            valid = False
        if not valid:
            raise _invalid(field, "is not a cursor this service issued")
        version, kind, business, fingerprint, micros, id_ = payload.decode().split("|")
        if version != _VERSION or kind != direction.value:
            raise _invalid(field, f"is not a {direction.value} cursor")
        if business != str(business_id) or fingerprint != filter_fingerprint(where):
            raise _invalid(field, "was issued for other filters; start again without a cursor")
        return Keyset(_EPOCH + timedelta(microseconds=int(micros)), int(id_))


def _invalid(field: str, reason: str) -> InvalidCursor:
    return InvalidCursor(f"Invalid {field}: it {reason}", {field: [f"the cursor {reason}"]})
