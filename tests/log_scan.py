"""Suite-wide check: no API key, secret, phone or email a test created appears in any log line.

Every log record of the run (any logger; orderflow's at DEBUG) is formatted as the server would
write it and kept; the builders register each secret they create; at the end of the session each
secret is looked for in all of it, and a leak fails the run.
"""

from __future__ import annotations

import logging

from orderflow.observability.logs import JsonFormatter

_secrets: set[str] = set()


def remember_secret(*values: str | None) -> None:
    """Register values that must never appear in a log line (keys, secrets, phones, emails)."""
    _secrets.update(v for v in values if v)


class CapturedLogs(logging.Handler):
    """Keeps every record, formatted at emit time (while the request's context is still set)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a broken record must not break the test that logged it
            self.handleError(record)

    def leaks(self) -> dict[str, list[str]]:
        """Each registered secret found in the logs, with the lines it appears in."""
        found: dict[str, list[str]] = {}
        text = "\n".join(self.lines)
        for secret in _secrets:
            if secret in text:
                found[secret] = [line for line in self.lines if secret in line][:3]
        return found


captured = CapturedLogs()


def install() -> None:
    """Start capturing (called once, when pytest starts)."""
    logging.getLogger().addHandler(captured)
    logging.getLogger("orderflow").setLevel(logging.DEBUG)


def secrets_count() -> int:
    return len(_secrets)
