"""RFC 3339 UTC conversions used at the store boundary."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The wall clock as an aware UTC datetime (outbox, alerts and health times)."""
    return datetime.now(UTC)


def to_utc(value: datetime | str) -> datetime:
    """Return an aware UTC datetime; naive values and strings without a zone are rejected."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not an RFC 3339 timestamp: {value!r}") from exc
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime or RFC 3339 string, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp without a zone: {value.isoformat()}")
    return value.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`, with `.ffffff` only when the microseconds are non-zero."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + "Z"
