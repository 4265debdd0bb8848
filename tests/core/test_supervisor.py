"""Supervisor: each freeze trigger just below, at and just above its threshold; unfreeze rules."""

from __future__ import annotations

import pytest

from federation_ai.core import CoreConfig
from tests.core.scenario import health, of_type, run, snap, trade

# Isolate one trigger at a time by moving the others out of reach.
ONLY_DD = CoreConfig.from_mapping({"supervisor": {"freeze_daily_loss": 0.99}})


def freeze_of(events, cfg=None):
    decisions = run(events, cfg)[1][-1]
    found = of_type(decisions, "freeze")
    return found[0].payload if found else None


@pytest.mark.parametrize(
    ("equity", "freezes"),
    [(9001.0, False), (9000.0, False), (8999.0, True)],
    ids=["dd-9.99%", "dd-exactly-10%", "dd-10.01%"],
)
def test_drawdown_trigger(equity, freezes):
    payload = freeze_of([snap(10_000), snap(equity, 5)], ONLY_DD)
    assert (payload is not None) == freezes
    if freezes:
        assert payload["triggers"] == ["drawdown"]
        assert payload["severity"] == "CRITICAL"
        assert payload["requires_manual_review"] is True


@pytest.mark.parametrize(
    ("equity", "freezes"),
    [(9501.0, False), (9500.0, False), (9499.0, True)],
    ids=["day-4.99%", "day-exactly-5%", "day-5.01%"],
)
def test_daily_loss_trigger(equity, freezes):
    payload = freeze_of([snap(10_000), snap(equity, 5)])
    assert (payload is not None) == freezes
    if freezes:
        assert payload["triggers"] == ["daily_loss"]
        assert payload["severity"] == "HIGH"
        assert payload["requires_manual_review"] is False


@pytest.mark.parametrize(
    ("pnls", "freezes"),
    [
        ([-1] * 4, False),
        ([-1] * 5, True),
        ([-1, -1, 0, -1, -1, 0, -1], True),  # pnl 0 leaves the run unchanged
        ([-1, -1, -1, 1, -1, -1], False),  # a win resets it
    ],
    ids=["4-losses", "5-losses", "zeros-keep-run", "win-resets"],
)
def test_consecutive_losses_trigger(pnls, freezes):
    events = [snap(10_000)] + [trade(p, i + 1) for i, p in enumerate(pnls)]
    payload = freeze_of(events)
    assert (payload is not None) == freezes
    if freezes:
        assert payload["triggers"] == ["consecutive_losses"]
        assert payload["severity"] == "HIGH"


@pytest.mark.parametrize(("equity", "freezes"), [(1000.01, False), (1000.0, False), (999.99, True)])
def test_low_equity_trigger(equity, freezes):
    payload = freeze_of([snap(equity)])
    assert (payload is not None) == freezes
    if freezes:
        assert payload["triggers"] == ["low_equity"]


@pytest.mark.parametrize(("ess", "freezes"), [("WARNING", False), ("CRITICAL", True)])
def test_ess_trigger(ess, freezes):
    payload = freeze_of([snap(10_000), health("HEALTHY", 1, ess_state=ess)])
    assert (payload is not None) == freezes


def test_freeze_lists_every_trigger_and_is_not_repeated():
    events = [snap(10_000), snap(8_800, 5), snap(8_700, 10)]
    _, decisions = run(events)
    freezes = [d for step in decisions for d in of_type(step, "freeze")]
    assert len(freezes) == 1
    assert freezes[0].payload["triggers"] == ["drawdown", "daily_loss"]
    assert freezes[0].payload["previous_mode"] == "LIVE"


FROZEN = [
    snap(10_000),
    health("HEALTHY", 1, ess_state="CRITICAL"),
    health("HEALTHY", 2, ess_state="NOMINAL"),
]


@pytest.mark.parametrize(
    ("events", "unfreezes"),
    [
        ([snap(10_100, 61)], True),
        ([snap(10_100, 60)], False),  # frozen 59 minutes
        ([health("HEALTHY", 50, ess_state="CRITICAL"), snap(10_100, 61)], False),
        ([snap(10_000, 61)], False),  # daily PnL exactly 0
    ],
    ids=["all-hold-60min", "59min", "ess-critical-again", "pnl-zero"],
)
def test_unfreeze_conditions(events, unfreezes):
    _, decisions = run(FROZEN + events)
    got = [d for step in decisions[len(FROZEN) :] for d in of_type(step, "unfreeze")]
    assert bool(got) == unfreezes
    if unfreezes:
        assert got[0].payload["restored_mode"] == "LIVE"
        assert got[0].payload["by"] == "supervisor"
        assert got[0].payload["frozen_minutes"] == 60.0


def test_unfreeze_needs_drawdown_below_5_percent():
    base = [snap(10_000), snap(9_400, 1, day=1), snap(9_400, 1, day=2)]  # DD 6%, no freeze
    frozen = [
        *base,
        health("HEALTHY", 2, day=2, ess_state="CRITICAL"),
        health("HEALTHY", 3, day=2, ess_state="NOMINAL"),
    ]
    _, d = run([*frozen, snap(9_500, 70, day=2)])  # DD exactly 5%, positive day
    assert not of_type(d[-1], "unfreeze")
    _, d = run([*frozen, snap(9_501, 70, day=2)])
    assert of_type(d[-1], "unfreeze")


def test_unfreeze_mode_shadow_config_forces_shadow():
    cfg = CoreConfig.from_mapping({"supervisor": {"unfreeze_mode": "SHADOW"}})
    _, d = run([*FROZEN, snap(10_100, 61)], cfg)
    assert of_type(d[-1], "unfreeze")[0].payload["restored_mode"] == "SHADOW"


def test_unfreeze_never_restores_live_while_health_critical():
    events = [*FROZEN, health("CRITICAL", 30, ess_state="NOMINAL"), snap(10_100, 61)]
    _, d = run(events)
    assert of_type(d[-1], "unfreeze")[0].payload["restored_mode"] == "SHADOW"


def test_unfreeze_resets_the_loss_run():
    events = [snap(10_000), *[trade(-1, i) for i in range(1, 6)], snap(10_100, 70)]
    st, d = run(events)
    assert of_type(d[5], "freeze")
    assert of_type(d[-1], "unfreeze")
    assert st.accounts["default"].metrics.consecutive_losses == 0
