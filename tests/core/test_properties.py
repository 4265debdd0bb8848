"""Invariants over random event streams (hypothesis)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation_ai.core import CoreConfig, FederationState, InvalidEvent, parse_event, step
from federation_ai.core.micros import US_PER_MINUTE, format_timestamp, parse_timestamp
from federation_ai.core.vocabulary import PROFILE_LEVEL

CFG = CoreConfig()
START = parse_timestamp("2024-01-01T00:00:00Z")

snapshot = st.builds(
    lambda eq, flow: ("portfolio.snapshot_updated", {"total_equity": eq, "net_flow": flow}),
    st.floats(500, 20_000),
    st.sampled_from([0.0, 0.0, 0.0, 1000.0, -500.0]),
)
healthy = st.builds(
    lambda s, e: ("system.health_updated", {"overall_status": s, "ess_state": e}),
    st.sampled_from(["OPTIMAL", "HEALTHY", "DEGRADED", "CRITICAL"]),
    st.sampled_from(["NOMINAL", "CAUTION", "WARNING", "CRITICAL"]),
)
modelled = st.builds(
    lambda m, s, w: (
        "model.performance_updated",
        {"model_name": m, "sharpe_ratio_7d": s, "win_rate_7d": w},
    ),
    st.sampled_from(["xgboost", "lightgbm", "tft"]),
    st.floats(-2, 4),
    st.floats(0, 1),
)
traded = st.builds(
    lambda p: ("trade.closed", {"symbol": "BTCUSDT", "pnl_usd": p}), st.floats(-100, 100)
)
operated = st.one_of(
    st.builds(
        lambda m, f, d: (
            "operator.command",
            {
                "command": "set_mode",
                "key_name": "k",
                "scopes": ["operator", "admin"],
                "mode": m,
                "force": f,
                "duration_minutes": d,
            },
        ),
        st.sampled_from(["LIVE", "SHADOW", "PAUSED"]),
        st.booleans(),
        st.sampled_from([None, 30.0]),
    ),
    st.builds(
        lambda lev: (
            "operator.command",
            {"command": "set_risk", "key_name": "k", "scopes": ["operator"], "max_leverage": lev},
        ),
        st.floats(0.5, 5),
    ),
    st.just(("operator.command", {"command": "reset_peak", "key_name": "k", "scopes": ["admin"]})),
    st.builds(
        lambda r, e: (
            "operator.command",
            {
                "command": "enable_role" if e else "disable_role",
                "key_name": "k",
                "scopes": ["operator"],
                "role": r,
            },
        ),
        st.sampled_from(["cro", "ceo", "cio", "cfo", "researcher"]),
        st.booleans(),
    ),
)
item = st.tuples(
    st.one_of(snapshot, snapshot, healthy, modelled, traded, traded, operated),
    st.integers(0, 600),
    st.sampled_from(["default", "default", "b"]),
)
streams = st.lists(item, min_size=1, max_size=120)


def envelopes(stream):
    ts = START
    out = []
    for i, ((kind, raw), gap, account) in enumerate(stream):
        ts += gap * US_PER_MINUTE
        payload = {k: v for k, v in raw.items() if v is not None}
        out.append(
            {
                "event_type": kind,
                "event_id": f"e{i}",
                "account_id": account,
                "timestamp": format_timestamp(ts),
                "payload": payload,
            }
        )
    return out


def safe_step(state, env):
    """Step, treating input that is invalid against the state as rejected (no decisions)."""
    try:
        return step(state, parse_event(env), CFG).decisions
    except InvalidEvent:
        return None


def decide(events, state=None):
    state = state or FederationState()
    out = []
    for env in events:
        decisions = safe_step(state, env)
        out.append(None if decisions is None else [d.to_json() for d in decisions])
    return state, out


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(streams)
def test_never_live_while_frozen_and_profile_rises_only_at_day_close(stream):
    state = FederationState()
    for env in envelopes(stream):
        event = parse_event(env)
        acct = state.accounts.get(event.account_id)
        before = (
            None
            if acct is None
            else (acct.policy.profile, acct.metrics.closed_days, acct.pending_close)
        )
        decisions = safe_step(state, env)
        if decisions is None:
            continue
        acct = state.accounts[event.account_id]
        p = acct.policy
        assert not (p.frozen and p.mode != "EMERGENCY")
        assert p.frozen or p.mode != "EMERGENCY"
        if before is not None and PROFILE_LEVEL[p.profile] > PROFILE_LEVEL[before[0]]:
            closed_now = acct.metrics.closed_days > before[1] or before[2]
            assert closed_now and event.event_type != "operator.command"
        assert abs(sum(p.weights.values()) - 1.0) < 1e-9
        for d in decisions:
            if d.decision_type == "strategy_allocation":
                assert abs(sum(d.payload["model_weights"].values()) - 1.0) < 1e-9
            if d.decision_type == "cashflow":
                total = (
                    d.payload["profit_lock_pct"]
                    + d.payload["reinvest_pct"]
                    + d.payload["reserve_buffer_pct"]
                )
                assert abs(total - 1.0) < 1e-9
            if d.decision_type == "mode_change" and d.status == "applied":
                assert d.payload["mode"] != "LIVE" or not acct.metrics.critical


@PROPS
@given(streams)
def test_replaying_twice_gives_identical_decisions(stream):
    events = envelopes(stream)
    assert decide(events)[1] == decide(events)[1]


@PROPS
@given(streams, st.integers(0, 119))
def test_state_survives_a_json_round_trip_mid_stream(stream, cut):
    events = envelopes(stream)
    cut = min(cut, len(events))
    _, expected = decide(events)
    state, first = decide(events[:cut])
    restored = FederationState.from_json(json.loads(json.dumps(state.to_json())))
    _, rest = decide(events[cut:], restored)
    assert first + rest == expected


@PROPS
@given(streams, st.integers(0, 119))
def test_a_json_snapshot_is_not_changed_by_later_steps(stream, cut):
    """The live service restores accounts from to_json() snapshots after a failed commit."""
    events = envelopes(stream)
    cut = min(cut, len(events))
    state, _ = decide(events[:cut])
    snapshot = state.to_json()
    frozen = json.dumps(snapshot, sort_keys=True)
    decide(events[cut:], state)
    assert json.dumps(snapshot, sort_keys=True) == frozen


@PROPS
@given(streams, st.integers(0, 119))
def test_a_view_encodes_like_the_copy_and_can_leave_the_id_window_out(stream, cut):
    """The live service encodes views (no copying) within a commit; same JSON as a copy."""
    events = envelopes(stream)
    state, _ = decide(events[: min(cut, len(events))])
    for acct in state.accounts.values():
        copied = acct.to_json()
        assert json.dumps(acct.to_json(copy=False), sort_keys=True) == json.dumps(
            copied, sort_keys=True
        )
        assert acct.to_json(copy=False, with_seen=False) == {**copied, "seen": []}


# Gaps of minutes to weeks, so snapshots leave the 30-day window between two snapshots.
long_streams = st.lists(
    st.tuples(
        st.one_of(snapshot, healthy, modelled, traded, operated),
        st.one_of(st.integers(0, 1440), st.sampled_from([7 * 1440, 12 * 1440, 29 * 1440])),
        st.sampled_from(["default", "default", "b"]),
    ),
    min_size=1,
    max_size=120,
)


@PROPS
@given(long_streams)
def test_rolling_max_dd_is_the_max_over_the_window_of_every_event(stream):
    """After each event: the largest DD of the account's snapshots within mdd_window_days."""
    window_us = CFG.metrics.mdd_window_days * 1440 * US_PER_MINUTE
    state = FederationState()
    seen: dict[str, list[tuple[int, float]]] = {}
    for env in envelopes(stream):
        event = parse_event(env)
        if safe_step(state, env) is None:
            continue
        m = state.accounts[event.account_id].metrics
        dds = seen.setdefault(event.account_id, [])
        if event.event_type == "portfolio.snapshot_updated":  # ids unique, times ascending
            dds.append((event.ts, m.dd))
        inside = [dd for ts, dd in dds if ts >= event.ts - window_us]
        assert m.rolling_mdd == (max(inside) if inside else None)
