"""Timestamps as integer microseconds since the Unix epoch (UTC). No wall clock here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

US_PER_SECOND: Final = 1_000_000
US_PER_MINUTE: Final = 60 * US_PER_SECOND
US_PER_DAY: Final = 86_400 * US_PER_SECOND
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL: Final = _EPOCH.toordinal()


class TimestampError(ValueError):
    """A timestamp that is not RFC 3339 with a zone."""


def parse_timestamp(text: str) -> int:
    """Parse an RFC 3339 timestamp with a zone (``Z`` or ``±hh:mm``) into UTC microseconds."""
    if "T" not in text and "t" not in text:
        raise TimestampError("not an RFC 3339 date-time (expected YYYY-MM-DDTHH:MM:SS and a zone)")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TimestampError(f"not an RFC 3339 date-time: {exc}") from None
    offset = dt.utcoffset()
    if offset is None:
        raise TimestampError("timestamp has no time zone (add Z or ±hh:mm)")
    naive = dt.replace(tzinfo=None) - offset
    seconds = (
        (naive.toordinal() - _EPOCH_ORDINAL) * 86_400
        + naive.hour * 3600
        + naive.minute * 60
        + naive.second
    )
    return seconds * US_PER_SECOND + naive.microsecond


def format_timestamp(us: int) -> str:
    """Format UTC microseconds as RFC 3339 (``Z``; fraction only when non-zero)."""
    dt = _EPOCH + timedelta(microseconds=us)
    base = (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    )
    if dt.microsecond:
        return f"{base}.{dt.microsecond:06d}Z"
    return base + "Z"


def day_of(us: int) -> int:
    """The UTC calendar day number (days since the epoch) of a timestamp."""
    return us // US_PER_DAY


def to_datetime(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)
