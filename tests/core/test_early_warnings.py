"""Early warnings: each limit just below, at and past its warning threshold; the hysteresis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation_ai.core.account_metrics import Metrics
from federation_ai.core.core_config import ConfigError, CoreConfig, SupervisorConfig
from federation_ai.core.early_warnings import (
    EarlyWarning,
    Limit,
    WarningsConfig,
    evaluate,
    seed,
)
from federation_ai.core.state import AccountState

SUP = SupervisorConfig()  # freeze: DD 10 %, daily loss 5 %, 5 losses, equity 1000
CFG = WarningsConfig()  # warn: DD 8 %, daily PnL -4 %, 4 losses, equity 1250; margin 10 %


def metrics(
    dd: float | None = None,
    pnl: float | None = None,
    losses: int = 0,
    equity: float | None = None,
) -> Metrics:
    m = Metrics(dd=dd, equity=equity, consecutive_losses=losses)
    if pnl is not None:
        m.day_open, m.nav = 1.0, 1.0 + pnl
    return m


def account(m: Metrics, account_id: str = "a1", event_id: str = "e1") -> AccountState:
    acct = AccountState.new(account_id, CoreConfig())
    acct.metrics, acct.last_ts, acct.last_event_id = m, 1_000_000, event_id
    return acct


def fire(m: Metrics, state=None, cfg: WarningsConfig = CFG) -> tuple[dict, list[EarlyWarning]]:
    out, fired = evaluate(state or {}, account(m), SUP, cfg)
    return dict(out), fired


@pytest.mark.parametrize(
    ("m", "limit", "fires"),
    [
        (metrics(dd=0.0799), Limit.DRAWDOWN, False),
        (metrics(dd=0.08), Limit.DRAWDOWN, True),
        (metrics(dd=0.095), Limit.DRAWDOWN, True),
        (metrics(pnl=-0.0399), Limit.DAILY_LOSS, False),
        (metrics(pnl=-0.04), Limit.DAILY_LOSS, True),
        (metrics(pnl=-0.049), Limit.DAILY_LOSS, True),
        (metrics(losses=3), Limit.CONSECUTIVE_LOSSES, False),
        (metrics(losses=4), Limit.CONSECUTIVE_LOSSES, True),
        (metrics(losses=6), Limit.CONSECUTIVE_LOSSES, True),
        (metrics(equity=1250.01), Limit.LOW_EQUITY, False),
        (metrics(equity=1250.0), Limit.LOW_EQUITY, True),
        (metrics(equity=1100.0), Limit.LOW_EQUITY, True),
    ],
    ids=[
        "dd-below", "dd-at", "dd-past",
        "pnl-below", "pnl-at", "pnl-past",
        "losses-below", "losses-at", "losses-past",
        "equity-below", "equity-at", "equity-past",
    ],
)  # fmt: skip
def test_each_limit_below_at_and_past_its_threshold(m, limit, fires):
    state, fired = fire(m)
    assert [w.limit for w in fired] == ([limit] if fires else [])
    assert state == ({"a1": frozenset({limit})} if fires else {})


def test_warning_carries_the_metric_threshold_and_freeze_limit():
    _, [w] = fire(metrics(dd=0.09))
    d = w.to_dict()
    assert d["limit"] == "drawdown"
    assert (d["value"], d["threshold"], d["freeze_at"]) == (0.09, 0.08, 0.10)
    assert d["event_id"] == "e1"
    assert d["timestamp"] == "1970-01-01T00:00:01Z"
    assert d["warning_id"] == fire(metrics(dd=0.085))[1][0].warning_id  # same step, same id


@pytest.mark.parametrize(
    ("limit", "path", "fires"),
    [
        # once per crossing: staying past the threshold does not fire again
        (Limit.DRAWDOWN, [0.08, 0.09, 0.085], [True, False, False]),
        # back inside the margin (8 % - 1 % = 7 %) is not enough to re-arm
        (Limit.DRAWDOWN, [0.08, 0.0701, 0.08], [True, False, False]),
        # below 7 %: re-armed, the next crossing fires
        (Limit.DRAWDOWN, [0.08, 0.0699, 0.08], [True, False, True]),
        (Limit.DAILY_LOSS, [-0.04, -0.0351, -0.04], [True, False, False]),
        (Limit.DAILY_LOSS, [-0.04, -0.0349, -0.04], [True, False, True]),
        (Limit.LOW_EQUITY, [1250.0, 1349.0, 1250.0], [True, False, False]),
        (Limit.LOW_EQUITY, [1250.0, 1350.01, 1250.0], [True, False, True]),
        (Limit.CONSECUTIVE_LOSSES, [4, 5, 4], [True, False, False]),
        (Limit.CONSECUTIVE_LOSSES, [4, 3, 4], [True, False, True]),
        (Limit.CONSECUTIVE_LOSSES, [4, 0, 4], [True, False, True]),
    ],
)
def test_hysteresis(limit, path, fires):
    key = {
        Limit.DRAWDOWN: "dd",
        Limit.DAILY_LOSS: "pnl",
        Limit.LOW_EQUITY: "equity",
        Limit.CONSECUTIVE_LOSSES: "losses",
    }[limit]
    state: dict = {}
    got = []
    for value in path:
        state, fired = fire(metrics(**{key: value}), state)
        got.append(bool(fired))
    assert got == fires


def test_fractions_are_configurable():
    cfg = WarningsConfig(drawdown_fraction=0.5, losses_before=2, equity_ratio=2.0)
    assert [w.limit for w in fire(metrics(dd=0.05), cfg=cfg)[1]] == [Limit.DRAWDOWN]
    assert fire(metrics(dd=0.0499), cfg=cfg)[1] == []
    assert [w.limit for w in fire(metrics(losses=3), cfg=cfg)[1]] == [Limit.CONSECUTIVE_LOSSES]
    assert [w.limit for w in fire(metrics(equity=2000.0), cfg=cfg)[1]] == [Limit.LOW_EQUITY]


def test_disabled_fires_nothing():
    assert fire(metrics(dd=0.09), cfg=WarningsConfig(enabled=False)) == ({}, [])


def test_undefined_metrics_never_warn():
    assert fire(Metrics()) == ({}, [])


def test_an_account_that_never_stepped_has_no_warning():
    assert evaluate({}, AccountState.new("a1", CoreConfig()), SUP, CFG) == ({}, [])


def test_other_accounts_are_left_alone_and_the_input_is_not_changed():
    before = {"b": frozenset({Limit.DRAWDOWN})}
    after, _ = evaluate(before, account(metrics(dd=0.09)), SUP, CFG)
    assert before == {"b": frozenset({Limit.DRAWDOWN})}
    assert after == {"b": frozenset({Limit.DRAWDOWN}), "a1": frozenset({Limit.DRAWDOWN})}
    unchanged, fired = evaluate(after, account(metrics(dd=0.09), event_id="e2"), SUP, CFG)
    assert unchanged is after
    assert fired == []


def test_seed_marks_what_is_past_without_firing():
    assert seed(metrics(dd=0.09, losses=4), SUP, CFG) == {
        Limit.DRAWDOWN,
        Limit.CONSECUTIVE_LOSSES,
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("drawdown_fraction", 0.0),
        ("daily_loss_fraction", 1.5),
        ("equity_ratio", 0.9),
        ("losses_before", -1),
        ("rearm_margin", -0.1),
        ("rearm_losses", 0),
    ],
)
def test_bad_settings_name_the_key(key, value):
    with pytest.raises(ConfigError) as info:
        WarningsConfig(**{key: value})
    assert info.value.key == f"warnings.{key}"


@given(st.lists(st.floats(min_value=0.0, max_value=0.2), max_size=40))
def test_fires_exactly_on_each_armed_crossing(dds):
    """A drawdown warning fires only when crossing while armed; never twice while active."""
    state: dict = {}
    armed = True
    for dd in dds:
        state, fired = fire(metrics(dd=dd), state)
        crossing = round(dd, 9) >= 0.08
        assert bool(fired) == (armed and crossing)
        if crossing:
            armed = False
        elif round(dd, 9) < 0.07:
            armed = True
        assert (Limit.DRAWDOWN in state.get("a1", ())) == (not armed)
