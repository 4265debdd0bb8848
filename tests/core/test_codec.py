"""Event codec: each kind of bad input is rejected with its field path; aliases resolve."""

from __future__ import annotations

import math

import pytest

from federation_ai.core import CoreConfig, FederationState, InvalidEvent, parse_event, step

from .envelopes import assert_refused
from .envelopes import envelope as env


@pytest.mark.parametrize(
    ("event", "path", "reason"),
    [
        ("not an object", "$", "object"),
        (env(event_type="portfolio.exploded"), "event_type", "must be one of"),
        (env(event_id=""), "event_id", "non-empty"),
        (env(timestamp="2024-01-01T10:00:00"), "timestamp", "no time zone"),
        (env(timestamp="yesterday"), "timestamp", "RFC 3339"),
        (env(payload={"total_equity": -5.0}), "payload.total_equity", "> 0"),
        (env(payload={"total_equity": "9000"}), "payload.total_equity", "number"),
        (env(payload={"total_equity": math.nan}), "payload.total_equity", "finite"),
        (env(payload={"total_equity": math.inf}), "payload.total_equity", "finite"),
        (env(payload={"total_equity": True}), "payload.total_equity", "number"),
        (env(payload={}), "payload.total_equity", "required"),
        (env(payload={"total_equity": 1.0, "num_positions": -1}), "payload.num_positions", ">= 0"),
        (
            env("system.health_updated", {"overall_status": "FINE"}),
            "payload.overall_status",
            "one of",
        ),
        (env("system.health_updated", {}), "payload.overall_status", "or ess_state alone"),
        (env("system.health_updated", {"note": "x"}), "payload.overall_status", "required"),
        (
            env("system.health_updated", {"overall_status": "HEALTHY", "ess_state": "PANIC"}),
            "payload.ess_state",
            "one of",
        ),
        (
            env(
                "model.performance_updated",
                {"model_name": "m", "sharpe_ratio_7d": 1.0, "win_rate_7d": 1.5},
            ),
            "payload.win_rate_7d",
            "[0, 1]",
        ),
        (env("trade.closed", {"symbol": "BTCUSDT"}), "payload.pnl_usd", "required"),
        (
            env(
                "operator.command",
                {"command": "set_mode", "key_name": "k", "scopes": ["viewer"], "mode": "LIVE"},
            ),
            "payload.scopes",
            "operator scope",
        ),
        (
            env(
                "operator.command",
                {
                    "command": "set_mode",
                    "key_name": "k",
                    "scopes": ["operator"],
                    "mode": "LIVE",
                    "force": True,
                },
            ),
            "payload.scopes",
            "admin",
        ),
        (
            env(
                "operator.command",
                {"command": "reset_peak", "key_name": "k", "scopes": ["operator"]},
            ),
            "payload.scopes",
            "admin",
        ),
        (
            env(
                "operator.command",
                {
                    "command": "disable_role",
                    "key_name": "k",
                    "scopes": ["operator"],
                    "role": "supervisor",
                },
            ),
            "payload.role",
            "supervisor",
        ),
        (
            env(
                "operator.command", {"command": "set_risk", "key_name": "k", "scopes": ["operator"]}
            ),
            "payload",
            "at least one",
        ),
        (
            env(
                "operator.command",
                {
                    "command": "set_mode",
                    "key_name": "k",
                    "scopes": ["operator"],
                    "mode": "EMERGENCY",
                },
            ),
            "payload.mode",
            "one of",
        ),
    ],
)
def test_bad_input_names_the_field(event, path, reason):
    assert_refused(event, path, reason)


def test_an_ess_state_change_alone_keeps_the_last_health_status():
    cfg = CoreConfig()
    state = FederationState()
    health = env("system.health_updated", {"overall_status": "DEGRADED"}, event_id="h1")
    step(state, parse_event(health), cfg)
    ess = env("system.health_updated", {"ess_state": "CRITICAL"}, event_id="h2",
              timestamp="2024-01-01T10:01:00Z")
    event = parse_event(ess)
    assert event.payload == {"ess_state": "CRITICAL"}
    step(state, event, cfg)
    metrics = state.accounts["default"].metrics
    assert (metrics.overall_status, metrics.ess_state) == ("DEGRADED", "CRITICAL")


def test_aliases_and_canonical_precedence():
    e = parse_event(env("system.health_updated", {"system_status": "DEGRADED"}))
    assert e.payload["overall_status"] == "DEGRADED"
    e = parse_event(
        env(
            "model.performance_updated",
            {"model_name": "m", "sharpe_ratio": 1.0, "sharpe_ratio_7d": 2.0, "win_rate": 0.5},
        )
    )
    assert e.payload["sharpe_ratio_7d"] == 2.0
    assert e.payload["win_rate_7d"] == 0.5
    e = parse_event(
        env(payload={"total_equity": 10.0, "total_exposure": 5.0, "extra": {"kept": 1}})
    )
    assert e.payload["total_exposure_usd"] == 5.0
    assert e.raw["payload"]["extra"] == {"kept": 1}


def test_defaults_and_time_zone_conversion():
    e = parse_event(env(timestamp="2024-01-01T12:00:00+02:00"))
    assert e.account_id == "default"
    assert e.ts == parse_event(env(timestamp="2024-01-01T10:00:00Z")).ts


def test_net_flow_cannot_exceed_the_equity_that_includes_it():
    st, cfg = FederationState(), CoreConfig()
    step(
        st, parse_event(env(payload={"total_equity": 1000.0, "net_flow": 1000.0})), cfg
    )  # first: ignored
    before = st.to_json()
    with pytest.raises(InvalidEvent) as info:
        step(
            st,
            parse_event(env(event_id="e2", payload={"total_equity": 500.0, "net_flow": 600.0})),
            cfg,
        )
    assert info.value.path == "payload.net_flow"
    assert st.to_json() == before
