"""CRO: tier thresholds (>= 3 %, >= 5 %, > 6 % or rolling > 8 %), tighten on snapshots,
loosen one tier at a profit-day close, ESS levels, and no repeats while a level holds."""

from __future__ import annotations

import pytest

from tests.core.scenario import brief, health, model, of_type, run, snap, trade

NO_FREEZE = None


@pytest.mark.parametrize(
    ("equity", "tier"),
    [
        (9_701, None),
        (9_700, "CAUTION"),  # DD exactly 3 %
        (9_501, "CAUTION"),
        (9_500, "WARNING"),  # exactly 5 %
        (9_400, "WARNING"),  # exactly 6 % is not yet EMERGENCY
        (9_399, "EMERGENCY"),
    ],
)
def test_tier_implied_by_drawdown(equity, tier):
    # Spread the fall over two days so the daily-loss freeze stays out of the way.
    events = [snap(10_000), snap(9_800, 0, day=1), snap(equity, 0, day=2)]
    d = run(events)[1][-1]
    got = of_type(d, "risk_adjustment")
    if tier is None:
        assert not got
    else:
        assert [x.payload["tier"] for x in got] == [tier]


def test_limits_follow_tier_factors():
    d = run([snap(10_000), snap(9_700, 5)])[1][-1]
    p = of_type(d, "risk_adjustment")[0].payload
    assert p["max_leverage"] == pytest.approx(2.25)
    assert p["max_position_size_pct"] == pytest.approx(0.075)
    assert p["max_exposure_pct"] == pytest.approx(0.75)
    assert p["max_drawdown_pct"] == pytest.approx(0.10)
    assert p["stop_loss_multiplier"] == pytest.approx(0.9)


def deep_then_recovered() -> list:
    """Down 8.5 % over two days (EMERGENCY), back to a drawdown of 2 % on day 3."""
    return [snap(10_000), snap(9_600, 0, day=1), snap(9_150, 0, day=2), snap(9_800, 0, day=3)]


def test_rolling_max_drawdown_keeps_emergency_tier_implied():
    # Fall 8.5 % over days, recover to DD 2 %: the rolling max DD > 8 % still implies EMERGENCY,
    # so a profit-day close does not loosen.
    events = [*deep_then_recovered(), snap(9_810, 0, day=4)]
    st, d = run(events)
    assert st.accounts["default"].policy.tier_name == "EMERGENCY"
    assert not of_type(d[-1], "risk_adjustment")


def test_rolling_window_forgets_old_drawdowns():
    events = [snap(10_000), snap(9_600, 0, day=1), snap(9_150, 0, day=2)]
    events += [snap(10_000 + i, 0, day=3 + i) for i in range(1, 31)]
    st, d = run(events)
    tiers = [x.payload["tier"] for step in d for x in of_type(step, "risk_adjustment")]
    assert tiers[:2] == ["CAUTION", "EMERGENCY"]
    assert st.accounts["default"].metrics.rolling_mdd == pytest.approx(0.0)
    assert st.accounts["default"].policy.tier_name == "WARNING"  # one step per profit-day close
    assert tiers[-1] == "WARNING"


def test_tightens_only_on_snapshots_and_once():
    events = [snap(10_000), snap(9_650, 5), snap(9_640, 10), health("HEALTHY", 15)]
    _, d = run(events)
    assert [len(of_type(x, "risk_adjustment")) for x in d] == [0, 1, 0, 0]


@pytest.mark.parametrize(
    ("close_equity", "loosens"), [(9_550, True), (9_450, False)], ids=["profit-day", "loss-day"]
)
def test_loosens_one_tier_only_after_a_profit_day(close_equity, loosens):
    events = [
        snap(10_000),
        snap(9_500, 0, day=1),
        snap(9_300, 0, day=2),
        snap(close_equity, 5, day=2),
        health("HEALTHY", 0, day=3),
    ]
    _, d = run(events)
    assert of_type(d[2], "risk_adjustment")[0].payload["tier"] == "EMERGENCY"
    got = of_type(d[-1], "risk_adjustment")
    assert bool(got) == loosens
    if loosens:
        assert got[0].payload["tier"] == "WARNING"  # one step, though CAUTION is implied
        assert got[0].reason.startswith("loosen after profit day")


@pytest.mark.parametrize(
    ("equity", "level"),
    [
        (9_701, None),
        (9_700, "CAUTION"),
        (9_500, "WARNING"),
        (9_201, "WARNING"),
        (9_200, "CRITICAL"),
    ],
)
def test_ess_level_from_drawdown(equity, level):
    events = [snap(10_000), snap(9_800, 0, day=1), snap(equity, 0, day=2)]
    d = run(events)[1][-1]
    got = [x.payload["level"] for x in of_type(d, "ess_policy")]
    assert got == ([] if level is None else [level])


def test_ess_policy_on_first_snapshot_only_once():
    _, d = run([health("HEALTHY"), snap(10_000, 1), snap(10_010, 2)])
    assert [brief(of_type(x, "ess_policy")) for x in d] == [
        [],
        [("cro", "ess_policy", "applied")],
        [],
    ]


@pytest.mark.parametrize(
    "closer",
    [
        health("HEALTHY", 1, day=32),
        trade(5.0, 1, day=32),
        model("xgboost", 1.5, 0.6, 1, day=32),
        snap(9_860, 1, day=32),
    ],
    ids=["health", "trade", "model", "snapshot"],
)
def test_loosens_on_the_day_close_after_the_deep_snapshot_left_the_window(closer):
    # DD 8.5 % on day 2 (EMERGENCY), DD 2 % on day 3, a profit day on day 31. The day close
    # on day 32, a minute past 30 days after the deep snapshot, sees a rolling max DD of 2 %
    # whatever the closing event's type, so the CRO loosens one tier there.
    events = [*deep_then_recovered(), snap(9_850, 0, day=31), closer]
    st, d = run(events)
    assert of_type(d[2], "risk_adjustment")[0].payload["tier"] == "EMERGENCY"
    assert not of_type(d[4], "risk_adjustment")  # day 3's close: the deep one still counts
    assert [x.payload["tier"] for x in of_type(d[-1], "risk_adjustment")] == ["WARNING"]
    assert st.accounts["default"].metrics.rolling_mdd == pytest.approx(0.02)
