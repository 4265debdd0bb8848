"""Timestamps as integer microseconds since the Unix epoch (UTC). No wall clock here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

US_PER_SECOND: Final = 1_000_000
US_PER_MINUTE: Final = 60 * US_PER_SECOND
US_PER_DAY: Final = 86_400 * US_PER_SECOND
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL: Final = _EPOCH.toordinal()
_NAIVE_EPOCH: Final = datetime(1970, 1, 1)  # noqa: DTZ001 - UTC by contract, for isoformat
# The accepted range, in UTC: the epoch to the last instant a datetime can hold. Anything
# the core keeps (event times, pin ends) stays inside it, so every instant can be formatted.
MIN_TS: Final = 0
MAX_TS: Final = (
    (datetime.max.replace(tzinfo=UTC).toordinal() - _EPOCH_ORDINAL + 1) * 86_400 * US_PER_SECOND
    - 1
)
RANGE_TEXT: Final = "1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"


class TimestampError(ValueError):
    """A timestamp that is not RFC 3339 with a zone."""


def parse_timestamp(text: str) -> int:
    """Parse an RFC 3339 timestamp with a zone (``Z`` or ``±hh:mm``) into UTC microseconds.

    The result must lie within ``MIN_TS``..``MAX_TS`` once the offset is applied
    (``9999-12-31T23:59:59-23:59`` is a valid text but a moment in year 10000).
    """
    if "T" not in text and "t" not in text:
        raise TimestampError("not an RFC 3339 date-time (expected YYYY-MM-DDTHH:MM:SS and a zone)")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TimestampError(f"not an RFC 3339 date-time: {exc}") from None
    offset = dt.utcoffset()
    if offset is None:
        raise TimestampError("timestamp has no time zone (add Z or ±hh:mm)")
    # Integer arithmetic: applying the offset as a datetime overflows at the range's ends.
    local = (
        (dt.toordinal() - _EPOCH_ORDINAL) * 86_400 + dt.hour * 3600 + dt.minute * 60 + dt.second
    ) * US_PER_SECOND + dt.microsecond
    us = local - (offset.days * 86_400 + offset.seconds) * US_PER_SECOND - offset.microseconds
    if not MIN_TS <= us <= MAX_TS:
        raise TimestampError(f"outside the accepted range ({RANGE_TEXT} once in UTC)")
    return us


def clamp_ts(us: int) -> int:
    """``us`` limited to the accepted range (for instants computed from one, e.g. pin ends)."""
    return min(max(us, MIN_TS), MAX_TS)


def format_timestamp(us: int) -> str:
    """Format UTC microseconds as RFC 3339 (``Z``; fraction only when non-zero).

    ``isoformat`` of a naive datetime is that text without the ``Z`` (a four-digit year,
    six fraction digits only when the microseconds are not zero), built in C."""
    return (_NAIVE_EPOCH + timedelta(microseconds=us)).isoformat() + "Z"


def day_of(us: int) -> int:
    """The UTC calendar day number (days since the epoch) of a timestamp."""
    return us // US_PER_DAY
