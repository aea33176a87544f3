"""IANA time zones, as the CSV upload and the statistics take them."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from orderflow.domain.errors import InvalidInput

DEFAULT_TZ = "Asia/Jakarta"
# The IANA names this machine knows, stated in the document: `tz` is one of them.
TIME_ZONES = sorted(available_timezones())
_KNOWN = frozenset(TIME_ZONES)


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone `name`; 400 if this machine knows none by that name."""
    try:
        if name not in _KNOWN:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "Invalid request: tz", {"tz": [f"unknown time zone {name!r}; e.g. Asia/Jakarta"]}
        ) from None
