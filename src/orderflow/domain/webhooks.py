"""Webhooks, pure: the envelope, both signatures, the retry schedule, which addresses are public."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from orderflow.domain.events import EventType

# What an endpoint can subscribe to; `business.test_event` is sent on activation, not subscribed.
# The seven order events of Scalev's contract, including the two orderflow never sends.
SUBSCRIBABLE_EVENTS = frozenset(e.value for e in EventType if e.value.startswith("order."))
SECRET_PREFIX = "whsec_"
SCALEV_SIGNATURE_HEADER = "X-Scalev-Hmac-Sha256"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first attempt, a retry, or an earlier event of its order
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # dead letter: every attempt failed; kept, and can be redelivered by hand
    CANCELED = "canceled"  # its endpoint was deleted before it was delivered


def envelope(event_type: str, event_id: str, occurred_at: datetime, data: bytes) -> bytes:
    """The body sent to receivers, as Scalev sends it; `data` is the event's JSON object as stored.

    Built from stored values only, so every retry of an event sends the same bytes.
    """
    timestamp = occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    head = json.dumps({"event": event_type, "unique_id": event_id, "timestamp": timestamp})
    return head[:-1].encode() + b', "data": ' + data + b"}"


def standard_key(secret: str) -> bytes:
    """The Standard Webhooks HMAC key of a `whsec_...` secret: the base64 part, decoded."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def scalev_signature(secret: str, body: bytes) -> str:
    """`X-Scalev-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body, keyed by the secret's text."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks `webhook-signature`: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    """Every header a delivery carries: both signatures, the message id and the send time."""
    timestamp = int(sent_at.timestamp())
    return {
        "Content-Type": "application/json",
        SCALEV_SIGNATURE_HEADER: scalev_signature(secret, body),
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(secret, message_id, timestamp, body),
    }


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Waits between attempts (exponential-ish), each stretched or shrunk by up to `jitter`."""

    delays_s: Sequence[float]
    jitter: float = 0.2

    @property
    def max_attempts(self) -> int:
        return len(self.delays_s) + 1

    def next_attempt(
        self, attempt: int, max_attempts: int, now: datetime, rand: Callable[[], float]
    ) -> datetime | None:
        """When to try again after failed attempt number `attempt` (1-based); None: give up."""
        if attempt >= max_attempts or attempt > len(self.delays_s):
            return None
        base = self.delays_s[attempt - 1]
        spread = base * self.jitter * (2 * rand() - 1)
        return now + timedelta(seconds=max(0.0, base + spread))


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
