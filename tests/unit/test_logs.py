"""The JSON log format and the redaction every log line goes through."""

from __future__ import annotations

import json
import logging
import sys

from orderflow.observability.context import bind, request_context
from orderflow.observability.logs import JsonFormatter, redact

KEY = "sk_AbCdEfGh1234_" + "x" * 32


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord(
        {"name": "orderflow.test", "levelno": 20, "levelname": "INFO", "msg": message}
    )
    made.args = args or None
    made.__dict__.update(extra)
    return made


def test_a_record_is_one_json_object_with_the_request_fields_and_extras() -> None:
    with request_context(request_id="req-1"):
        bind(business_id=7, batch_size=None)
        line = JsonFormatter().format(record("changed %d orders", 3, route="/v3/x"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "changed 3 orders"
    assert entry["level"] == "info" and entry["logger"] == "orderflow.test"
    assert entry["request_id"] == "req-1" and entry["business_id"] == 7
    assert entry["route"] == "/v3/x"
    assert "batch_size" not in entry  # None is not bound
    assert entry["time"].endswith("+00:00")


def test_fields_do_not_leak_out_of_their_request() -> None:
    with request_context(request_id="inner"):
        pass
    entry = json.loads(JsonFormatter().format(record("outside")))
    assert "request_id" not in entry


def test_exceptions_are_one_line_and_redacted() -> None:
    try:
        raise ValueError(f"bad key {KEY} for siti@example.com")
    except ValueError:
        made = record("failed")
        made.exc_info = sys.exc_info()
    line = JsonFormatter().format(made)
    assert "\n" not in line and KEY not in line and "siti@example.com" not in line
    assert "ValueError" in json.loads(line)["exception"]


def test_redact_masks_keys_tokens_contacts_and_url_passwords() -> None:
    text = (
        f"key={KEY} rk=rk_ZZZZZZZZZZZZ_{'y' * 32} auth=Bearer abcdefghijklmnop "
        "email=Siti.Aminah+toko@mail.example.co.id phone=+62 812-3456-7890 local=081234567890 "
        "secret=whsec_abcdefghijklmnopqrstuvwx "
        "db=postgresql://orderflow:hunter22@db:5432/orderflow order=261120000001"
    )
    clean = redact(text)
    for secret in (
        KEY,
        "y" * 32,
        "abcdefghijklmnop",
        "Siti.Aminah",
        "812-3456-7890",
        "081234567890",
        "whsec_abcdefghijklmnopqrstuvwx",
        "hunter22",
    ):
        assert secret not in clean, secret
    assert "sk_AbCdEfGh1234_[redacted]" in clean  # the public prefix stays, for support
    assert "order=261120000001" in clean  # order numbers are not phone numbers
