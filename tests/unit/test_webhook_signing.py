"""The pure webhook rules: envelope bytes, both signatures, the retry schedule, public addresses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from orderflow.domain.webhooks import (
    RetrySchedule,
    envelope,
    is_public_address,
    signed_headers,
)
from orderflow.services.webhooks import new_secret
from tests.receiver import verify_scalev, verify_standard

NOW = datetime(2026, 11, 27, 8, 0, 0, 123456, tzinfo=UTC)


def test_envelope_is_scalevs_shape_and_keeps_the_stored_data_bytes() -> None:
    data = b'{"id":1,"sequence":2}'
    body = envelope("order.status_changed", "evt_abc", NOW, data)
    assert json.loads(body) == {
        "event": "order.status_changed",
        "unique_id": "evt_abc",
        "timestamp": "2026-11-27T08:00:00.123456Z",
        "data": {"id": 1, "sequence": 2},
    }
    assert body.endswith(data + b"}")
    assert envelope("order.status_changed", "evt_abc", NOW, data) == body


def test_both_signatures_verify_as_documented_and_only_with_the_right_secret() -> None:
    secret, other = new_secret(), new_secret()
    body = envelope("order.created", "evt_1", NOW, b"{}")
    headers = {k.lower(): v for k, v in signed_headers(secret, "evt_1", NOW, body).items()}
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")
    assert verify_scalev(secret, body, headers["x-scalev-hmac-sha256"])
    assert verify_standard(secret, headers, body)
    assert not verify_scalev(other, body, headers["x-scalev-hmac-sha256"])
    assert not verify_standard(other, headers, body)
    assert not verify_standard(secret, headers, body + b" ")
    replayed = {**headers, "webhook-timestamp": str(int(NOW.timestamp()) + 1)}
    assert not verify_standard(secret, replayed, body)


def test_retry_schedule_backs_off_with_bounded_jitter_then_gives_up() -> None:
    schedule = RetrySchedule((60, 300, 1800), jitter=0.2)
    assert schedule.max_attempts == 4
    for rand, factor in ((0.0, 0.8), (0.5, 1.0), (1.0, 1.2)):
        at = schedule.next_attempt(2, 4, NOW, lambda r=rand: r)
        assert at == NOW + timedelta(seconds=300 * factor)
    assert schedule.next_attempt(4, 4, NOW, lambda: 0.5) is None
    # a delivery redelivered by hand gets one attempt beyond the schedule, then gives up
    assert schedule.next_attempt(5, 5, NOW, lambda: 0.5) is None


def test_default_schedule_is_8_attempts_over_about_a_day() -> None:
    from orderflow.config import Settings

    delays = Settings().webhook_retry_schedule_s
    assert len(delays) + 1 == 8
    assert 20 * 3600 <= sum(delays) <= 26 * 3600


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public
