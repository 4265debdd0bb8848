"""Metrics: flow-neutral NAV, drawdown, trading days, streaks, Sharpe, win rate, loss runs."""

from __future__ import annotations

import math
import statistics

import pytest

from federation_ai.core.account_metrics import Metrics
from federation_ai.core.core_config import MetricsConfig
from tests.core.scenario import ev, health, model, op, run, snap, trade


def metrics(events):
    return run(events)[0].accounts["default"].metrics


@pytest.mark.parametrize(
    ("snaps", "nav", "dd"),
    [
        ([(10_000, 10_000)], 1.0, 0.0),  # first snapshot's flow ignored
        ([(10_000, 0), (20_000, 10_000)], 1.0, 0.0),  # a deposit is not a profit
        ([(10_000, 0), (10_100, 0), (5_100, -5_000)], 1.01, 0.0),  # a withdrawal is not a drawdown
        ([(10_000, 0), (9_000, 0)], 0.9, 0.1),
    ],
)
def test_nav_is_flow_neutral(snaps, nav, dd):
    m = metrics([snap(eq, i, net_flow=flow) for i, (eq, flow) in enumerate(snaps)])
    assert m.nav == pytest.approx(nav)
    assert m.dd == pytest.approx(dd)


def test_day_open_and_daily_pnl():
    m = metrics([snap(10_000), snap(10_200, 5), snap(10_100, 0, day=1)])
    assert m.day_open == pytest.approx(1.02)  # NAV of the last snapshot before the day
    assert m.daily_pnl == pytest.approx(10_100 / 10_200 - 1)
    assert m.last_day_return == pytest.approx(0.02)


@pytest.mark.parametrize(
    "closer",
    [
        health("HEALTHY", 0, day=1),
        trade(1.0, 0, day=1),
        ev("model", "2024-01-02T10:00:00Z", model_name="m", sharpe_ratio_7d=1.0, win_rate_7d=0.5),
    ],
    ids=["health", "trade", "model"],
)
def test_any_event_with_a_later_date_closes_a_recorded_day(closer):
    m = metrics([snap(10_000), snap(10_100, 5), closer])
    assert m.closed_days == 1 and m.profit_streak == 1


def test_a_day_without_snapshot_is_not_recorded():
    m = metrics([snap(10_000), snap(10_100, 5), trade(1, 0, day=1), health("HEALTHY", 0, day=2)])
    assert m.closed_days == 1  # day 1 had no snapshot
    assert list(m.day_returns) == [pytest.approx(0.01)]


@pytest.mark.parametrize(
    ("returns", "profit", "loss"),
    [([1, 1, 1], 3, 0), ([1, -1, -1], 0, 2), ([1, 1, 0], 0, 0), ([-1, 0, 1], 1, 0)],
)
def test_day_streaks(returns, profit, loss):
    eq, events = 10_000.0, [snap(10_000)]
    for day, r in enumerate(returns):
        eq *= 1 + r / 1000
        events.append(snap(eq, 5, day=day))
    events.append(health("HEALTHY", 0, day=len(returns)))
    m = metrics(events)
    assert (m.profit_streak, m.loss_streak) == (profit, loss)


def test_sharpe_matches_definition_and_is_undefined_below_five_days():
    cfg = MetricsConfig()
    m = Metrics()
    m.day_returns.extend([0.01, 0.02, -0.005, 0.0])
    assert m.sharpe(cfg) is None
    m.day_returns.append(0.015)
    r = list(m.day_returns)
    assert m.sharpe(cfg) == pytest.approx(statistics.mean(r) / statistics.stdev(r) * math.sqrt(365))
    flat = Metrics()
    flat.day_returns.extend([0.01] * 6)
    assert flat.sharpe(cfg) is None  # stdev 0


def test_win_rate_window_and_minimum():
    cfg = MetricsConfig(win_rate_window=10, min_trades=5)
    m = Metrics()
    for pnl in [1, 1, -1, -1]:
        m.on_trade(pnl, cfg)
    assert m.win_rate(cfg) is None
    for pnl in [1] + [-1] * 10:
        m.on_trade(pnl, cfg)
    assert m.win_rate(cfg) == 0.0  # only the last 10 trades count
    assert m.consecutive_losses == 10


def test_reserve_ratio_and_undefined_when_absent():
    assert metrics([snap(10_000, reserve_balance=500.0)]).reserve_ratio() == pytest.approx(0.05)
    assert metrics([snap(10_000)]).reserve_ratio() is None


def test_producer_metrics_are_ignored():
    m = metrics([snap(10_000), snap(10_000, 1, drawdown_pct=0.5, max_drawdown_pct=0.9)])
    assert m.dd == 0.0


def test_timestamp_offset_sets_the_utc_trading_day():
    m = metrics([snap(10_000), ev("snap", "2024-01-02T01:30:00+02:00", total_equity=10_100)])
    assert m.closed_days == 0  # 23:30 UTC on Jan 1: same day


# Snapshots at day 0 (DD 8.5 %, minute 0) and day 3 (DD 2 %): the rolling max DD read at an
# event of any type is the largest DD of the snapshots at or after that event's time - 30 days.
DEEP_THEN_SHALLOW = [snap(10_000, 0, day=-1), snap(9_150, 0, day=0), snap(9_800, 0, day=3)]


@pytest.mark.parametrize(
    ("reader", "rolling"),
    [
        (health("HEALTHY", 0, day=30), 0.085),  # exactly 30 days after the deep one: inside
        (health("HEALTHY", 1, day=30), 0.02),  # a minute later: the deep one has left
        (trade(1.0, 1, day=30), 0.02),
        (model("m", 1.0, 0.5, 1, day=30), 0.02),
        (op("enable_role", 1, day=30, role="cio"), 0.02),
        (health("HEALTHY", 1, day=33), None),  # no snapshot in the window: undefined
        (snap(9_800, 1, day=33), 0.02),  # the snapshot itself is in its own window
    ],
    ids=["health-at-edge", "health", "trade", "model", "operator", "empty", "snapshot"],
)
def test_rolling_max_dd_is_measured_back_from_the_event_being_decided(reader, rolling):
    m = metrics([*DEEP_THEN_SHALLOW, reader])
    if rolling is None:
        assert m.rolling_mdd is None
    else:
        assert m.rolling_mdd == pytest.approx(rolling)
