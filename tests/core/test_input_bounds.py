"""Hostile but well-formed input: every value the core accepts is one the store can hold.

Each row was an unexpected exception (OverflowError, a failed commit) before the
bounds: integers beyond 64 bits or float range, JSON nested too deep, strings the
database cannot store, timestamps outside the datetime range after UTC
normalisation, pins ending after the last representable instant.
"""

from __future__ import annotations

import math

import orjson
import pytest

from federation_ai.core import (
    CoreConfig,
    FederationState,
    InvalidEvent,
    micros,
    parse_event,
    step,
)
from federation_ai.core.micros import format_timestamp, parse_timestamp

from .envelopes import assert_refused, envelope
from .scenario import op, run, snap

INT64_MAX = 2**63 - 1
MAX_DEPTH = 32  # the envelope itself is one level (docs/architecture.md)
DEEP = "payload.x" + ".a" * (MAX_DEPTH - 2)  # the first object below the 32nd level
MAX_TS = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z in UTC microseconds


def env(payload=None, **kw):
    return envelope(payload=payload, **kw)


def nested(levels: int, leaf=1):
    """``levels`` objects inside each other around ``leaf``."""
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def operator(**payload):
    return env(
        {"command": "set_mode", "key_name": "k", "scopes": ["operator"], "mode": "SHADOW", **payload},
        event_type="operator.command",
    )


@pytest.mark.parametrize(
    ("event", "path", "reason"),
    [
        # integers beyond float range in a number field (OverflowError before)
        (env({"total_equity": 10**400}), "payload.total_equity", "64-bit"),
        (env({"total_equity": 1000.0, "cash_balance": -(10**309)}), "payload.cash_balance", "64-bit"),
        # integers wider than 64 bits anywhere (the store's encoder refuses them)
        (env({"total_equity": 1000.0, "extra": 2**64}), "payload.extra", "64-bit"),
        (env({"total_equity": 1000.0, "extra": -(2**63) - 1}), "payload.extra", "64-bit"),
        (env({"total_equity": 1000.0, "num_positions": 2**70}), "payload.num_positions", "64-bit"),
        (env({"total_equity": 1000.0, "x": [1, [2, 2**65]]}), "payload.x[1][1]", "64-bit"),
        (env(event_id=2**80), "event_id", "64-bit"),
        (env(trace_id=2**80), "trace_id", "64-bit"),
        # a float that is a whole number but not a 64-bit one, in an integer field
        (env({"total_equity": 1000.0, "num_positions": 1e300}), "payload.num_positions", "at most"),
        # nesting
        (env({"total_equity": 1000.0, "x": nested(MAX_DEPTH - 1)}), DEEP, "nested deeper"),
        (env({"total_equity": 1000.0, "x": nested(254)}), DEEP, "nested deeper"),
        # values the stored JSON cannot carry
        (env({"total_equity": 1000.0, "note": math.nan}), "payload.note", "finite"),
        (env({"total_equity": 1000.0, "note": [math.inf]}), "payload.note[0]", "finite"),
        (env({"total_equity": 1000.0, "note": "a\ud800b"}), "payload.note", "surrogate"),
        (env({"total_equity": 1000.0, "note": "a\x00b"}), "payload.note", "NUL"),
        (env({"total_equity": 1000.0, "n\x00te": 1}), "payload", "NUL"),
        (env({"total_equity": 1000.0, 5: 1}), "payload", "keys must be strings"),
        # timestamps outside the range after UTC normalisation (OverflowError before)
        (env(timestamp="9999-12-31T23:59:59-23:59"), "timestamp", "range"),
        (env(timestamp="0001-01-01T00:00:00+23:59"), "timestamp", "range"),
        (env(timestamp="1969-12-31T23:59:59Z"), "timestamp", "range"),
        (env(timestamp="1970-01-01T00:00:00+00:01"), "timestamp", "range"),
        (
            env(
                {"model_name": "m", "sharpe_ratio_7d": 1.0, "win_rate_7d": 0.5,
                 "last_trained_at": "9999-12-31T23:59:59-23:59"},
                event_type="model.performance_updated",
            ),
            "payload.last_trained_at",
            "range",
        ),
        # pins are bounded (a year), like the REST bodies
        (operator(duration_minutes=525_601), "payload.duration_minutes", "525600"),
        (operator(duration_minutes=1e308), "payload.duration_minutes", "525600"),
    ],
)
def test_hostile_values_are_invalid_with_their_path(event, path, reason):
    assert_refused(event, path, reason)


@pytest.mark.parametrize(
    "event",
    [
        env({"total_equity": 1000.0, "extra": INT64_MAX, "low": -(2**63)}),
        env({"total_equity": 1000.0, "x": nested(MAX_DEPTH - 2)}),  # envelope + payload + 30
        env({"total_equity": 1000.0, "note": "Grüße 📈 \u202e ok"}),
        env({"total_equity": 1.7976931348623157e308}),
        env(timestamp="1970-01-01T00:00:00Z"),
        env(timestamp="9999-12-31T23:59:59.999999Z"),
        env(timestamp="9999-12-31T23:59:59-00:00"),
        env(timestamp="1970-01-01T00:00:00-00:01"),
        operator(duration_minutes=525_600),
    ],
)
def test_values_at_the_bounds_are_accepted_and_survive_the_store_encoding(event):
    parsed = parse_event(event)
    encoded = orjson.loads(orjson.dumps(parsed.envelope(), option=orjson.OPT_NON_STR_KEYS))
    assert encoded == event
    assert parse_event(encoded) == parsed


def test_the_accepted_range_is_the_epoch_to_the_end_of_year_9999():
    assert micros.MIN_TS == parse_timestamp("1970-01-01T00:00:00Z") == 0
    assert micros.MAX_TS == MAX_TS
    assert format_timestamp(MAX_TS) == "9999-12-31T23:59:59.999999Z"
    assert parse_timestamp("9999-12-31T23:59:59.999999Z") == MAX_TS


@pytest.mark.parametrize("command", ["set_mode", "set_risk"])
def test_a_pin_on_a_clock_near_the_end_of_time_ends_at_the_last_instant(command):
    """An account clock at 9999-12-31 (possible in data stored before the bounds):
    a one-year pin does not overflow, it ends at the last representable instant."""
    fields = {"mode": "SHADOW"} if command == "set_mode" else {"max_leverage": 1.0}
    first = snap(10_000.0)
    first["timestamp"] = "9999-12-31T23:00:00Z"
    command_event = op(command, duration_minutes=525_600, **fields)
    command_event["timestamp"] = "9999-12-31T23:30:00Z"
    st, out = run([first, command_event])
    assert [d.status for d in out[-1]] == ["applied"]
    policy = st.accounts["default"].policy
    pin = policy.mode_pin if command == "set_mode" else policy.risk_pin
    assert pin is not None
    assert pin.until == MAX_TS
    assert orjson.loads(orjson.dumps(st.to_json())) == st.to_json()


def test_a_snapshot_that_takes_the_nav_beyond_float_range_is_invalid_and_changes_nothing():
    st, cfg = FederationState(), CoreConfig()
    step(st, parse_event(env({"total_equity": 1e-300})), cfg)
    before = st.to_json()
    with pytest.raises(InvalidEvent) as info:
        step(st, parse_event(env({"total_equity": 1e308}, event_id="e2")), cfg)
    assert info.value.path == "payload.total_equity"
    assert "NAV" in info.value.reason
    assert st.to_json() == before
