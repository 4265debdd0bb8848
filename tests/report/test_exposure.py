"""The exposure multiplier m of SPEC §13, per policy state, computed by hand."""

from __future__ import annotations

import pytest

from federation_ai.core import CoreConfig
from federation_ai.core.roles.cro import tier_limits
from federation_ai.core.state import Policy
from federation_ai.report import Multiplier

from .helpers import no_daily_loss_freeze, op, record, snap, trade

CFG = CoreConfig()


def policy(**changes):
    p = Policy.initial(CFG)
    tier = changes.pop("tier", 0)
    p.tier = tier
    p.limits = tier_limits(tier, CFG.cro)
    for key, value in changes.items():
        setattr(p, key, value)
    return p


@pytest.mark.parametrize(
    ("state", "baseline", "m"),
    [
        ({}, None, 1.0),  # LIVE, LOW = the baseline, tier NORMAL
        ({"frozen": True, "mode": "EMERGENCY"}, None, 0.0),
        ({"frozen": True}, None, 0.0),  # frozen alone is enough
        ({"mode": "SHADOW"}, None, 0.0),
        ({"mode": "PAUSED"}, None, 0.0),
        ({"mode": "EMERGENCY"}, None, 0.0),
        ({"profile": "MICRO"}, None, 0.5),  # 0.005 / 0.01
        ({"profile": "NORMAL"}, None, 2.0),  # 0.02 / 0.01
        ({"profile": "AGGRESSIVE"}, None, 5.0),  # 0.05 / 0.01
        ({"tier": 1}, None, 0.75),  # position size 0.075 / 0.10
        ({"tier": 2}, None, 0.5),
        ({"tier": 3}, None, 0.25),
        ({"profile": "MICRO", "tier": 3}, None, 0.125),
        ({"profile": "NORMAL", "tier": 2}, None, 1.0),
        ({}, "NORMAL", 0.5),  # LOW against a NORMAL baseline
        ({"profile": "AGGRESSIVE"}, "MICRO", 10.0),
        ({"mode": "SHADOW", "profile": "AGGRESSIVE"}, None, 0.0),
    ],
)
def test_multiplier_per_state(state, baseline, m):
    assert Multiplier(CFG, baseline).of(policy(**state)).m == m


def test_operator_risk_pin_counts_through_the_position_size():
    p = policy()
    p.limits = {**p.limits, "max_position_size_pct": 0.05}  # pinned by an operator at tier 0
    assert Multiplier(CFG).of(p).m == 0.5


@pytest.mark.parametrize(
    ("symbol", "n_symbols", "m"),
    [
        ("BTCUSDT", 5, 2.0),  # an active candidate
        ("XRPUSDT", 5, 2.0),  # the fifth, still active
        ("ADAUSDT", 5, 0.0),  # the sixth candidate, not active
        ("DOGEUSDT", 5, 0.0),
        ("DOGEUSDT", 7, 2.0),  # active after an expansion
        ("TRXUSDT", 3, 0.0),
        ("BTC/USDT", 3, 2.0),  # not a candidate: not governed by the universe
        ("AAPL", 3, 2.0),
    ],
)
def test_trade_multiplier_and_the_symbol_universe(symbol, n_symbols, m):
    mult = Multiplier(CFG)
    exposure = mult.of(policy(profile="NORMAL", n_symbols=n_symbols))
    assert mult.for_trade(exposure, symbol) == m


def test_universe_rule_does_not_lift_a_zero():
    mult = Multiplier(CFG)
    assert mult.for_trade(mult.of(policy(mode="SHADOW")), "BTC/USDT") == 0.0


def test_default_baseline_is_the_configured_initial_profile():
    cfg = CoreConfig.from_mapping({"ceo": {"initial_profile": "NORMAL"}})
    mult = Multiplier(cfg)
    assert mult.baseline == "NORMAL"
    assert mult.of(Policy.initial(cfg)).m == 1.0


# --- the same states reached through events, as the replay sees them ---------------------


def m_after(events, cfg=None):
    rec = record(events, cfg)
    return rec.accounts["default"].exposure.m


def test_events_reach_each_state():
    assert m_after([snap(0, 10_000)]) == 1.0
    # a 10 % fall: CRO tier EMERGENCY (0.25), CEO emergency downgrade to MICRO (0.5)
    assert m_after([snap(0, 10_000), snap(10, 9_000)], no_daily_loss_freeze()) == 0.125
    # the same fall with the default daily-loss rule freezes the account
    assert m_after([snap(0, 10_000), snap(10, 9_000)]) == 0.0
    assert m_after([snap(0, 10_000), op(5, "set_mode", mode="SHADOW")]) == 0.0
    risk_pin = op(5, "set_risk", max_position_size_pct=0.02)
    assert m_after([snap(0, 10_000), risk_pin]) == 0.2


def test_trade_takes_m_from_the_policy_before_it_opened():
    events = [
        snap(0, 10_000),
        op(10, "set_mode", mode="SHADOW"),
        trade(20, -50.0, opened=5),  # opened while LIVE: m = 1
        trade(21, -50.0, opened=10),  # opened at the command's instant: still before it
        trade(22, -50.0, opened=11),  # opened in SHADOW: skipped
        trade(23, -50.0),  # no opened_at: not governed
        trade(24, -50.0, opened=5, symbol="ADAUSDT"),  # outside the active universe
    ]
    t = record(events, method="trades").accounts["default"].trades
    assert (t.count, t.with_opened_at, t.governed.taken, t.governed.skipped) == (5, 4, 2, 2)
    assert t.governed.loss_avoided == 100.0  # (0 - 1) * -50, twice
