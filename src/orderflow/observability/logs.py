"""Logs as one JSON object per line, with the request's fields, and nothing secret in them."""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from orderflow.observability.context import current_fields

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
# uvicorn adds `color_message` (the message with terminal colours): not for a log file.
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}

# A last line of defence: the code never logs these on purpose, but an exception message or a
# third-party library might. API keys keep their public prefix, which is what support asks for.
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b([sr]k_[A-Za-z0-9]{12})_[A-Za-z0-9]{8,}"), r"\1_[redacted]"),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]{8,}"), "whsec_[redacted]"),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1[redacted]"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "[email]"),
    (re.compile(r"\+\d[\d -]{6,17}\d"), "[phone]"),
    (re.compile(r"\b0 ?8\d{7,12}\b"), "[phone]"),
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1[redacted]@"),
)


def redact(text: str) -> str:
    """`text` with keys, webhook secrets, bearer tokens, emails, phones, URL passwords masked."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request's fields, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "pid": record.process,  # which worker, when several serve
        }
        for key, value in current_fields().items():
            entry[key] = _clean(value)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                entry[key] = _clean(value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return orjson.dumps(entry).decode()


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal (ORDERFLOW_LOG_FORMAT=text), redacted the same way."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        extras = {**current_fields()}
        extras.update(
            (k, v) for k, v in vars(record).items() if k not in _RECORD_ATTRS and k[0] != "_"
        )
        line = super().format(record)
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return redact(line)


_HANDLER_NAME = "orderflow-stderr"


def configure_logging(level: str = "info", fmt: str = "json", *, access: bool = True) -> None:
    """Send every logger (orderflow's, uvicorn's, libraries') to stderr in one format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:  # configured twice: replace, never duplicate
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("orderflow").setLevel(level.upper())
    logging.getLogger("orderflow.access").setLevel(logging.NOTSET if access else logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # orderflow writes its own access line (the route template, never the raw query string: a
    # search parameter may hold a customer's phone or email), so uvicorn's stays silent.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("uvicorn").setLevel(level.upper())
    logging.captureWarnings(True)
