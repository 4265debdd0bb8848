"""Invariants of the governed replay over random histories (hypothesis, SPEC §13)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation_ai.core import CoreConfig, FederationState, InvalidEvent, parse_event, step
from federation_ai.core.micros import US_PER_MINUTE, format_timestamp, parse_timestamp
from federation_ai.report import Recorder, ReportConfig, build_report, governed_rows

START = parse_timestamp("2024-01-01T00:00:00Z")
METHODS = st.sampled_from(["nav", "trades"])

snapshot = st.builds(
    lambda eq, flow: ("portfolio.snapshot_updated", {"total_equity": eq, "net_flow": flow}),
    st.floats(500, 20_000),
    st.sampled_from([0.0, 0.0, 0.0, 400.0, -300.0]),
)
trade = st.builds(
    lambda pnl, sym, back: ("trade.closed", {"symbol": sym, "pnl_usd": pnl}, back),
    st.floats(-400, 400),
    st.sampled_from(["BTCUSDT", "ETHUSDT", "BTC/USDT", "DOGEUSDT"]),
    st.one_of(st.none(), st.integers(0, 3000)),  # minutes between opening and closing
)
health = st.builds(
    lambda s, e: ("system.health_updated", {"overall_status": s, "ess_state": e}),
    st.sampled_from(["OPTIMAL", "HEALTHY", "DEGRADED", "CRITICAL"]),
    st.sampled_from(["NOMINAL", "CAUTION", "WARNING", "CRITICAL"]),
)
operator = st.builds(
    lambda mode, pos: (
        "operator.command",
        {"command": "set_mode", "key_name": "k", "scopes": ["operator"], "mode": mode}
        if pos is None
        else {
            "command": "set_risk",
            "key_name": "k",
            "scopes": ["operator"],
            "max_position_size_pct": pos,
        },
    ),
    st.sampled_from(["LIVE", "SHADOW", "PAUSED"]),
    st.one_of(st.none(), st.floats(0.01, 0.2)),
)
item = st.tuples(
    st.one_of(snapshot, snapshot, snapshot, trade, trade, health, operator),
    st.integers(0, 900),  # minutes after the previous event
    st.sampled_from(["default", "default", "b"]),
)
streams = st.lists(item, min_size=1, max_size=60)


def envelopes(stream, start=START, prefix="e"):
    ts = start
    out = []
    for i, (spec, gap, account) in enumerate(stream):
        kind, payload = spec[0], dict(spec[1])
        ts += gap * US_PER_MINUTE
        if kind == "trade.closed" and spec[2] is not None:
            payload["opened_at"] = format_timestamp(max(START, ts - spec[2] * US_PER_MINUTE))
        out.append(
            {
                "event_type": kind,
                "event_id": f"{prefix}{i}",
                "account_id": account,
                "timestamp": format_timestamp(ts),
                "payload": payload,
            }
        )
    return out


def recorded(events, cfg, method):
    """The replay's loop with --skip-invalid: invalid input changes nothing."""
    rec = Recorder(cfg, ReportConfig(), method)
    state = FederationState()
    for env in events:
        try:
            event = parse_event(env)
            result = step(state, event, cfg)
        except InvalidEvent:
            continue
        rec.observe(event, result, state)
    return rec


PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# the Supervisor cannot be disabled: these thresholds keep it from ever freezing
NEVER_FREEZE = CoreConfig.from_mapping(
    {
        "supervisor": {
            "freeze_drawdown": 2.0,
            "freeze_daily_loss": 2.0,
            "freeze_consecutive_losses": 10**9,
            "freeze_min_equity": 0.0,
        }
    }
)


def disabled_roles(account):
    return [
        {
            "event_type": "operator.command",
            "event_id": f"off-{role}",
            "account_id": account,
            "timestamp": format_timestamp(START),
            "payload": {
                "command": "disable_role",
                "key_name": "k",
                "scopes": ["operator"],
                "role": role,
            },
        }
        for role in ("cro", "ceo", "cio", "cfo", "researcher")
    ]


quiet_item = st.tuples(
    st.one_of(
        snapshot,
        snapshot,
        trade.filter(lambda t: t[1]["symbol"] != "DOGEUSDT"),
        health.filter(lambda h: h[1]["ess_state"] != "CRITICAL"),
    ),
    st.integers(0, 900),
    st.sampled_from(["default", "default", "b"]),
)


@PROPS
@given(st.lists(quiet_item, min_size=1, max_size=60), METHODS)
def test_with_every_role_disabled_and_the_baseline_profile_governed_is_raw(stream, method):
    events = disabled_roles("default") + disabled_roles("b") + envelopes(stream)
    rec = recorded(events, NEVER_FREEZE, method)
    for _, _, raw, gov, raw_dd, gov_dd, m in governed_rows(rec):
        assert (gov, gov_dd, m) == (raw, raw_dd, 1.0)
    report = build_report(rec)
    for body in [*report["accounts"].values(), report["total"]]:
        governed = {k: v for k, v in body["governed"].items() if k != "ruined_at"}
        assert governed == body["raw"]
        assert body["governance"]["net"] == 0.0
        assert body["governance"]["skipped"] == 0


@PROPS
@given(streams, streams, streams, METHODS)
def test_no_look_ahead_events_after_t_change_nothing_up_to_t(head, tail_a, tail_b, method):
    past = envelopes(head)
    t = parse_timestamp(past[-1]["timestamp"])
    # both futures start strictly after t
    future_a = envelopes(tail_a, start=t + US_PER_MINUTE, prefix="a")
    future_b = envelopes(tail_b, start=t + US_PER_MINUTE, prefix="b")
    cfg = CoreConfig()
    rows_a = [r for r in governed_rows(recorded(past + future_a, cfg, method)) if r[0] <= t]
    rows_b = [r for r in governed_rows(recorded(past + future_b, cfg, method)) if r[0] <= t]
    rows_past = list(governed_rows(recorded(past, cfg, method)))
    assert rows_a == rows_b == rows_past
