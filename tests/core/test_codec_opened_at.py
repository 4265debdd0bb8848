"""`trade.closed` may carry `opened_at` (SPEC §13): a zoned timestamp, not after the close."""

from __future__ import annotations

import pytest

from federation_ai.core import parse_event
from federation_ai.core.micros import parse_timestamp

from .envelopes import assert_refused, envelope

CLOSE = "2024-01-01T10:00:00Z"


def trade(**payload):
    return envelope("trade.closed", {"symbol": "BTCUSDT", "pnl_usd": 5.0, **payload},
                    event_id="t1", timestamp=CLOSE)


@pytest.mark.parametrize(
    ("opened_at", "expected"),
    [
        ("2024-01-01T09:00:00Z", parse_timestamp("2024-01-01T09:00:00Z")),
        ("2024-01-01T11:00:00+02:00", parse_timestamp("2024-01-01T09:00:00Z")),
        (CLOSE, parse_timestamp(CLOSE)),  # opened and closed in the same instant
    ],
)
def test_opened_at_is_parsed_to_utc_microseconds(opened_at, expected):
    assert parse_event(trade(opened_at=opened_at)).payload["opened_at"] == expected


def test_opened_at_is_optional():
    assert "opened_at" not in parse_event(trade()).payload


@pytest.mark.parametrize(
    ("opened_at", "reason"),
    [
        ("2024-01-01T10:00:01Z", "after the event's timestamp"),
        ("2024-01-01T09:00:00", "time zone"),
        ("an hour ago", "RFC 3339"),
        (1704099600, "RFC 3339"),
    ],
)
def test_bad_opened_at_is_rejected_with_its_path(opened_at, reason):
    assert_refused(trade(opened_at=opened_at), "payload.opened_at", reason)
