"""Arbiter and operator: conflicts, pins and expiry, every veto rule, forced unfreeze, ids."""

from __future__ import annotations

import uuid

import pytest

from federation_ai.core import CoreConfig, FederationState, InvalidEvent, parse_event, step
from federation_ai.core.decisions import NAMESPACE, decision_id
from tests.core.scenario import brief, health, of_type, op, run, snap, trade

ADMIN = ("operator", "admin")


def test_namespace_is_the_spec_constant():
    assert uuid.uuid5(uuid.NAMESPACE_URL, "urn:federation-ai:decision") == NAMESPACE
    assert decision_id("default", "e1", "cro", "ess_policy", 0) == str(
        uuid.uuid5(NAMESPACE, "default|e1|cro|ess_policy|0")
    )


def test_mode_pin_supersedes_the_ceo_until_expiry_without_repeats():
    events = [
        snap(10_000),
        op("set_mode", 1, mode="LIVE", duration_minutes=30),
        health("DEGRADED", 2),
        health("DEGRADED", 3),
        health("DEGRADED", 31),
        health("DEGRADED", 32),
    ]
    _, d = run(events)
    assert brief(d[1]) == [("operator", "mode_change", "applied")]
    assert brief(d[2]) == [("ceo", "mode_change", "superseded")]
    assert brief(d[3]) == []  # same context: not proposed again
    assert brief(d[4]) == [("ceo", "mode_change", "applied")]  # pin expired at minute 31
    assert brief(d[5]) == []


def test_pin_without_duration_lasts_until_the_next_operator_mode_command():
    events = [
        snap(10_000),
        op("set_mode", 1, mode="SHADOW"),
        health("CRITICAL", 600),
        op("set_mode", 601, mode="SHADOW", duration_minutes=1),
        health("CRITICAL", 700),
    ]
    _, d = run(events)
    assert brief(d[2]) == [("ceo", "mode_change", "superseded")]
    assert brief(d[4]) == [("ceo", "mode_change", "applied")]


def test_risk_pin_supersedes_cro_risk_but_not_ess():
    events = [
        snap(10_000),
        op("set_risk", 1, max_leverage=2.0, duration_minutes=60),
        snap(9_600, 2),
    ]
    _, d = run(events)
    assert of_type(d[1], "risk_adjustment")[0].payload["max_leverage"] == 2.0
    assert brief(d[2]) == [
        ("cro", "risk_adjustment", "superseded"),
        ("cro", "ess_policy", "applied"),
    ]


def _frozen():
    return [snap(10_000), snap(8_900, 5)]  # DD 11 %: freeze


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        (op("set_mode", 10, mode="SHADOW"), "frozen_mode_locked"),
        (op("set_risk", 10, max_leverage=5.0), "frozen_no_risk_loosening"),
    ],
)
def test_operator_actions_vetoed_while_frozen(command, rule):
    _, d = run([*_frozen(), command])
    assert [x.status for x in d[-1]] == ["applied", "vetoed"]
    veto = d[-1][0]
    assert veto.role_source == "supervisor" and veto.payload["rule"] == rule
    assert veto.payload["overridden_decision_id"] == d[-1][1].decision_id


def test_tightening_risk_is_allowed_while_frozen():
    _, d = run([*_frozen(), op("set_risk", 10, max_leverage=0.5)])
    assert brief(d[-1]) == [("operator", "risk_adjustment", "applied")]


def test_live_is_vetoed_while_health_is_critical():
    _, d = run([snap(10_000), health("CRITICAL", 1), op("set_mode", 2, mode="LIVE")])
    assert [x.payload.get("rule") for x in d[-1]] == ["no_live_while_critical", None]


def test_freeze_and_upgrade_in_the_same_step_vetoes_the_upgrade_and_expansion():
    # Five profit days with a good win rate; the closing event also reports ESS CRITICAL.
    events = [snap(10_000)]
    eq = 10_000.0
    for day in range(1, 6):
        eq *= 1.005 + 0.001 * (day % 2)
        events.append(snap(round(eq, 2), 0, day=day))
        if day == 4:  # the win rate becomes defined on day 4
            events += [trade(30 if i % 5 else -10, 10 + i, day=4) for i in range(10)]
    events.append(health("HEALTHY", 0, day=6, ess_state="CRITICAL"))
    _, d = run(events)
    got = brief(d[-1])
    assert got[0] == ("supervisor", "freeze", "applied")
    assert ("ceo", "capital_profile", "vetoed") in got
    assert ("cio", "symbol_universe", "vetoed") in got
    rules = [x.payload["rule"] for x in of_type(d[-1], "override")]
    assert rules == ["frozen_no_profile_upgrade", "frozen_no_universe_expansion"]


def test_forced_unfreeze_rebaselines_and_needs_admin():
    events = [*_frozen(), op("set_mode", 20, mode="LIVE", force=True, scopes=ADMIN), trade(-5, 21)]
    st, d = run(events)
    assert brief(d[2]) == [
        ("operator", "unfreeze", "applied"),
        ("operator", "mode_change", "applied"),
    ]
    assert d[2][0].payload["by"] == "ops-test"
    m = st.accounts["default"].metrics
    assert m.peak == m.nav and m.dd == 0.0 and m.daily_pnl == 0.0
    assert not of_type(d[3], "freeze")  # the losing trade does not freeze again
    assert [x.payload["level"] for x in of_type(d[3], "ess_policy")] == ["NOMINAL"]
    with pytest.raises(InvalidEvent, match="admin"):
        parse_event(op("set_mode", 22, mode="LIVE", force=True))


def test_peak_reset_is_an_operator_override():
    st, d = run([snap(10_000), snap(9_700, 1), op("reset_peak", 2, scopes=ADMIN, reason="rebase")])
    assert brief(d[-1]) == [("operator", "override", "applied")]
    assert d[-1][0].payload == {"action": "peak_reset", "previous_peak": 1.0, "new_peak": 0.97}
    assert st.accounts["default"].metrics.dd == 0.0


def test_disabled_role_is_silent_and_supervisor_cannot_be_disabled():
    _, d = run(
        [
            op("disable_role", 0, role="cio"),
            model_event := {
                "event_type": "model.performance_updated",
                "event_id": "m1",
                "timestamp": "2024-01-01T10:01:00Z",
                "payload": {"model_name": "x", "sharpe_ratio_7d": 2.0, "win_rate_7d": 0.7},
            },
        ]
    )
    assert brief(d[0]) == [("operator", "role_status", "applied")]
    assert not of_type(d[1], "strategy_allocation")
    assert model_event["event_id"] == "m1"
    with pytest.raises(InvalidEvent, match="supervisor"):
        parse_event(op("disable_role", 1, role="supervisor"))


def test_roles_do_not_run_on_operator_commands_and_day_close_waits():
    # The operator command is the first event of a new day: it closes the day but the
    # day-close rules run on the next non-operator event.
    events = [
        snap(10_000),
        snap(10_300, 5),
        op("enable_role", 0, day=1, role="cfo"),
        health("HEALTHY", 1, day=1),
    ]
    _, d = run(events)
    assert brief(d[2]) == [("operator", "role_status", "applied")]
    assert [x.payload["policy"] for x in of_type(d[3], "cashflow")] == ["harvest"]


def test_duplicates_and_out_of_order_change_nothing():
    cfg = CoreConfig()
    st = FederationState()
    first = parse_event(snap(10_000, 5) | {"event_id": "a"})
    assert step(st, first, cfg).outcome == "processed"
    before = st.to_json()
    assert step(st, parse_event(snap(100, 6) | {"event_id": "a"}), cfg).outcome == "duplicate"
    assert step(st, parse_event(snap(100, 1) | {"event_id": "b"}), cfg).outcome == "out_of_order"
    assert st.to_json() == before
