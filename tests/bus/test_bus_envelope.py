"""Seed stream envelope -> SPEC §2 event envelope, and decision envelope encoding."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation_ai.bus import (
    BusMessage,
    EventBus,
    InMemoryBus,
    RedisStreamsBus,
    decision_fields,
    envelope_to_event_dict,
    make_bus,
)
from federation_ai.bus.envelope import dead_letter_fields, message_bytes, oversized

SNAP = "portfolio.snapshot_updated"


def message(fields: dict[str, str], message_id: str = "1700000000000-0") -> BusMessage:
    return BusMessage(SNAP, message_id, fields, 1)


def test_event_and_account_ids_are_lifted_out_of_the_payload():
    msg = message(
        {
            "event_type": SNAP,
            "payload": json.dumps({"event_id": "e-1", "account_id": "a-7", "total_equity": 5.0}),
            "trace_id": "t-1",
            "correlation_id": "c-1",
            "timestamp": "2024-03-01T12:00:05Z",
            "source": "backend",
        }
    )
    assert envelope_to_event_dict(msg) == {
        "event_type": SNAP,
        "event_id": "e-1",
        "account_id": "a-7",
        "timestamp": "2024-03-01T12:00:05Z",
        "payload": {"total_equity": 5.0},
        "stream_entry_id": msg.message_id,
        "trace_id": "t-1",
        "correlation_id": "c-1",
        "source": "backend",
    }


def test_entry_id_is_the_fallback_event_id_and_time():
    event = envelope_to_event_dict(message({"payload": '{"total_equity": 1}'}, "1700000000123-4"))
    assert event["event_id"] == "1700000000123-4"
    assert event["account_id"] == "default"
    assert event["timestamp"] == "2023-11-14T22:13:20.123Z"
    assert event["event_type"] == SNAP
    assert "trace_id" not in event


def test_null_ids_in_the_payload_fall_back_too():
    payload = json.dumps({"event_id": None, "account_id": None, "total_equity": 1})
    event = envelope_to_event_dict(message({"payload": payload}))
    assert (event["event_id"], event["account_id"]) == ("1700000000000-0", "default")
    assert event["payload"] == {"total_equity": 1}


def test_top_level_id_fields_are_used_when_the_payload_has_none():
    fields = {"payload": "{}", "event_id": "e-top", "account_id": "a-top"}
    event = envelope_to_event_dict(message(fields))
    assert (event["event_id"], event["account_id"]) == ("e-top", "a-top")


def test_nan_in_the_payload_survives_for_the_validator():
    event = envelope_to_event_dict(message({"payload": '{"total_equity": NaN}'}))
    assert math.isnan(event["payload"]["total_equity"])


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"payload": "{not json"}, "not valid JSON"),
        ({"payload": "[1, 2]"}, "must be a JSON object, got list"),
        ({"payload": '"text"'}, "must be a JSON object, got str"),
        ({"payload": "null"}, "must be a JSON object, got NoneType"),
        ({"event_type": SNAP}, "no 'payload' field"),
        ({"event_type": "trade.closed", "payload": "{}"}, "does not match stream"),
    ],
)
def test_a_message_that_cannot_be_an_event_raises_value_error(fields, reason):
    with pytest.raises(ValueError, match=reason):
        envelope_to_event_dict(message(fields))


def test_missing_timestamp_and_unparsable_entry_id_raises():
    with pytest.raises(ValueError, match="timestamp"):
        envelope_to_event_dict(message({"payload": "{}"}, "not-an-id"))


def test_decision_fields_encode_the_decision_as_payload():
    d = {"decision_id": "d-1", "event_id": "e-1", "timestamp": "2024-03-01T12:00:05Z"}
    fields = decision_fields(d)
    assert fields == {
        "event_type": "ai.federation.decision_made",
        "payload": '{"decision_id":"d-1","event_id":"e-1","timestamp":"2024-03-01T12:00:05Z"}',
        "trace_id": "d-1",
        "correlation_id": "e-1",
        "timestamp": "2024-03-01T12:00:05Z",
        "source": "federation-ai",
    }


def test_decision_fields_refuse_nan_and_missing_ids():
    with pytest.raises(ValueError):
        decision_fields({"decision_id": "d-1", "payload": {"w": float("inf")}})
    with pytest.raises(ValueError, match="decision_id"):
        decision_fields({"decision_id": ""})


async def test_make_bus_picks_the_backend_from_the_url():
    assert isinstance(make_bus(None, "c1"), InMemoryBus)
    memory = make_bus("memory://", "c1", claim_idle_ms=5)
    assert isinstance(memory, InMemoryBus)
    assert memory.claim_idle_ms == 5
    redis_bus = make_bus("redis://127.0.0.1:6379/0", "c1", namespace="x:")
    assert isinstance(redis_bus, RedisStreamsBus)
    assert isinstance(redis_bus, EventBus)
    await redis_bus.close()  # constructing connects nothing; closing is still clean
    with pytest.raises(ValueError, match="unsupported bus URL"):
        make_bus("kafka://broker:9092", "c1")


def test_constructor_arguments_are_checked():
    with pytest.raises(ValueError):
        InMemoryBus("")
    with pytest.raises(ValueError):
        InMemoryBus("c1", event_types=[])
    with pytest.raises(ValueError):
        InMemoryBus("c1", claim_idle_ms=0)


@given(
    st.dictionaries(st.text(max_size=40), st.text(max_size=400), max_size=8),
    st.integers(0, 3000),
)
def test_oversized_agrees_with_the_exact_utf8_size(fields, limit):
    size = message_bytes(fields)
    assert oversized(fields, limit) == (size if size > limit else None)


@given(st.text(max_size=3000), st.integers(0, 4100))
def test_a_dead_letter_sample_is_cut_on_a_character_boundary(text, limit):
    dead = dead_letter_fields(message({"payload": text}), "r", "c", max_message_bytes=limit)
    if message_bytes({"payload": text}) > limit:
        assert text.startswith(dead["payload"])
        assert len(dead["payload"].encode()) <= 1024
    else:
        assert dead["payload"] == text
