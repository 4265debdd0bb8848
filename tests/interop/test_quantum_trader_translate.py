"""The quantum_trader profile's translation: the backend's entries -> our events, or a reason."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation_ai.bus import BusMessage, envelope_to_event_dict
from federation_ai.core import parse_event
from federation_ai.interop.interop_settings import InteropConfig
from federation_ai.interop.quantum_trader import translate
from federation_ai.service.consumer_loop import validate

CFG = InteropConfig(profile="quantum_trader", default_account="acct-1")
NAIVE = "2026-03-15T07:27:09.123456"


def msg(stream: str, fields: dict[str, str], entry: str = "1700000000000-0") -> BusMessage:
    return BusMessage(stream, entry, fields, 1)


def envelope(stream: str, payload: dict, **extra: str) -> dict[str, str]:
    """What the backend's RedisStreamBus.publish writes (six fields)."""
    return {
        "event_type": stream,
        "payload": json.dumps(payload),
        "trace_id": "",
        "correlation_id": "c0ffee",
        "timestamp": NAIVE,
        "source": "risk_safety",
        **extra,
    }


def flat_trade(**overrides: str) -> dict[str, str]:
    """What the intent executor's main lane writes to quantum:stream:trade.closed."""
    fields = {
        "event_type": "trade.closed",
        "timestamp": NAIVE,
        "symbol": "BTCUSDT",
        "side": "LONG",
        "entry_price": "100.0",
        "exit_price": "98.0",
        "pnl_percent": "-2.0",
        "confidence": "0.5",
        "model_id": "main_lane_close",
        "R_net": "0.0",
        "pnl_usd": "0.0",
        "reason": "main_lane_flat",
        "order_id": "42",
        "source": "intent_executor_main",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v != "<absent>"}


def event(stream: str, fields: dict[str, str], cfg: InteropConfig = CFG):
    return validate(msg(stream, fields), lambda m: translate(m, cfg))


def test_a_snapshot_takes_the_entry_id_the_default_account_and_utc():
    snap = {"total_equity": 10_000.0, "cash_balance": 9_000.0, "total_exposure": 500.0,
            "num_positions": 1, "unrealized_pnl": 0.0, "realized_pnl_today": 0.0,
            "daily_drawdown_pct": 2.5, "timestamp": "2026-03-15T07:27:09+00:00"}
    e = event("portfolio.snapshot_updated", envelope("portfolio.snapshot_updated", snap))
    assert (e.event_id, e.account_id) == ("1700000000000-0", "acct-1")
    assert e.raw["timestamp"] == NAIVE + "Z"  # stored with the normalised time
    assert e.payload["total_exposure_usd"] == 500.0
    assert e.raw["payload"]["daily_drawdown_pct"] == 2.5  # producer data, percent, kept


@pytest.mark.parametrize(
    ("overrides", "pnl_key", "pnl"),
    [
        ({}, "pnl", -2.0),  # pnl_usd "0.0" is the main lane's placeholder: percent decides
        ({"pnl_usd": "-12.5"}, "pnl_usd", -12.5),
        ({"pnl_usd": "<absent>", "pnl_percent": "3.1"}, "pnl", 3.1),
        ({"pnl_usd": "0.0", "pnl_percent": "0.0"}, "pnl_usd", 0.0),
    ],
)
def test_a_flat_trade_is_accepted(overrides, pnl_key, pnl):
    e = event("trade.closed", flat_trade(**overrides))
    assert e.event_type == "trade.closed"
    assert e.event_id == "trade-1700000000000-0"
    assert e.payload["pnl_usd"] == pnl  # the core's field (from the alias when percent)
    assert e.raw["payload"][pnl_key] == pnl
    assert e.payload["model_name"] == "main_lane_close"
    assert e.payload["exit_reason"] == "main_lane_flat"
    assert e.raw["payload"]["producer"]["side"] == "LONG"
    assert e.raw["timestamp"] == NAIVE + "Z"


def test_a_zero_pnl_usd_is_kept_when_configured_so():
    cfg = InteropConfig(profile="quantum_trader", zero_pnl_usd_uses_percent=False)
    assert event("trade.closed", flat_trade(), cfg).payload["pnl_usd"] == 0.0


@pytest.mark.parametrize(
    ("stream", "payload", "level"),
    [
        ("ess.state.changed", {"old_state": "ARMED", "new_state": "TRIPPED"}, "CRITICAL"),
        ("ess.state.changed", {"old_state": "NORMAL", "new_state": "CRITICAL"}, "CRITICAL"),
        ("ess.state.changed", {"old_state": "TRIPPED", "new_state": "COOLING_DOWN"}, "WARNING"),
        ("ess.state.changed", {"old_state": "CRITICAL", "new_state": "NORMAL", "reset": True},
         "NOMINAL"),
        ("ess.state.changed", {"old_state": "X", "new_state": "DISABLED"}, "NOMINAL"),
        ("ess.state.changed", {"old_state": "X", "new_state": "ARMED"}, "NOMINAL"),
        ("ess.tripped", {"reason": "daily drawdown", "timestamp": "2026-03-15T07:27:09+00:00"},
         "CRITICAL"),
    ],
)
def test_ess_events_become_health_events_carrying_only_the_ess_state(stream, payload, level):
    e = event(stream, envelope(stream, payload))
    assert e.event_type == "system.health_updated"
    assert e.payload == {"ess_state": level}
    assert e.raw["payload"]["producer"] == payload
    assert e.event_id.startswith("ess-")


@pytest.mark.parametrize(
    ("stream", "fields", "reason"),
    [
        ("trade.closed", flat_trade(symbol="<absent>"), "payload.symbol: is required"),
        ("trade.closed", flat_trade(pnl_percent="lots"), "pnl_percent: must be a number"),
        ("trade.closed", flat_trade(pnl_usd="nan"), "pnl_usd: must be finite"),
        ("trade.closed", flat_trade(pnl_usd="<absent>", pnl_percent="<absent>"),
         "payload.pnl_usd: is required"),
        ("trade.closed", flat_trade(timestamp="1700000000"), "timestamp"),
        ("ess.state.changed", envelope("ess.state.changed", {"new_state": "PANIC"}),
         "ESS state 'PANIC' is not in interop.ess_states"),
        ("ess.state.changed", envelope("ess.state.changed", {"old_state": "ARMED"}),
         "payload.new_state: is required"),
        ("ess.state.changed", envelope("ess.state.changed", {"new_state": 3}),
         "ESS state 3 is not in"),
        ("ess.tripped", {"event_type": "ess.tripped", "timestamp": NAIVE}, "no 'payload' field"),
        ("trade.closed", flat_trade(event_type="trade.opened"), "does not match"),
    ],
)
def test_bad_backend_messages_are_refused_with_the_reason(stream, fields, reason):
    with pytest.raises(ValueError, match=None) as info:
        event(stream, fields)
    assert reason in str(info.value)


def test_a_zoneless_time_is_refused_when_the_profile_does_not_read_it_as_utc():
    cfg = InteropConfig(profile="quantum_trader", naive_timestamps_utc=False)
    with pytest.raises(ValueError, match="no time zone"):
        event("trade.closed", flat_trade(), cfg)


def test_a_seed_envelope_passes_unchanged_but_for_the_time():
    fields = {"event_type": "system.health_updated", "timestamp": "2026-03-15T07:27:09Z",
              "payload": json.dumps({"event_id": "h1", "account_id": "a",
                                     "overall_status": "HEALTHY"})}
    m = msg("system.health_updated", fields)
    assert translate(m, CFG) is m  # a stream the profile does not map
    seed = msg("portfolio.snapshot_updated", {
        "timestamp": "2026-03-15T07:27:09Z",
        "payload": json.dumps({"event_id": "s1", "account_id": "a", "total_equity": 1.0})})
    assert envelope_to_event_dict(translate(seed, CFG)) == envelope_to_event_dict(seed)


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=8),
       st.sampled_from(["trade.closed", "ess.state.changed", "ess.tripped",
                        "portfolio.snapshot_updated"]))
def test_any_entry_is_an_event_or_a_value_error(fields, stream):
    with contextlib.suppress(ValueError):
        parse_event(envelope_to_event_dict(translate(msg(stream, fields), CFG)))
