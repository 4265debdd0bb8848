"""CEO: emergency downgrade (> 8 %), the daily review at day close, and mode from health."""

from __future__ import annotations

import pytest

from tests.core.scenario import health, of_type, op, run, snap, trade


def profiles(decisions):
    return [
        (d.payload["previous_profile"], d.payload["profile"], d.priority, d.status)
        for d in of_type(decisions, "capital_profile")
    ]


@pytest.mark.parametrize(
    ("equity", "downgrades"), [(9_200, False), (9_199, True)], ids=["dd-8%", "dd-8.01%"]
)
def test_emergency_downgrade(equity, downgrades):
    events = [snap(10_000), snap(9_700, 0, day=1), snap(equity, 0, day=1)]
    got = profiles(run(events)[1][-1])
    assert got == ([("LOW", "MICRO", 1, "applied")] if downgrades else [])


def test_emergency_downgrade_suppresses_the_daily_review_and_is_not_repeated():
    events = [snap(10_000), snap(9_600, 0, day=1), snap(9_150, 0, day=2), snap(9_100, 5, day=2)]
    _, d = run(events)
    assert profiles(d[2]) == [("LOW", "MICRO", 1, "applied")]
    assert profiles(d[3]) == []


@pytest.mark.parametrize(
    ("day_equities", "expected"),
    [
        ([9_990, 9_980], []),  # two loss days
        ([9_990, 9_980, 9_970], [("LOW", "MICRO", 2, "applied")]),  # three loss days
    ],
)
def test_daily_review_downgrades_on_three_loss_days(day_equities, expected):
    events = [snap(10_000)] + [snap(eq, 0, day=i + 1) for i, eq in enumerate(day_equities)]
    events.append(health("HEALTHY", 0, day=len(day_equities) + 1))
    assert profiles(run(events)[1][-1]) == expected


def test_daily_review_only_at_day_close():
    # DD 5.5 % intraday: no review until the day closes.
    events = [
        snap(10_000),
        snap(9_700, 0, day=1),
        snap(9_450, 5, day=1),
        health("HEALTHY", 0, day=2),
    ]
    _, d = run(events)
    assert profiles(d[2]) == []
    assert profiles(d[3]) == [("LOW", "MICRO", 2, "applied")]


def _winning_trades(day, n=10, losses=2):
    return [trade(-10 if i < losses else 30, 10 + i, day=day) for i in range(n)]


def _upgrade_history(days=5, win_losses=2):
    events = [snap(10_000)]
    events += _winning_trades(0, losses=win_losses)
    eq = 10_000
    for day in range(1, days + 1):
        eq *= 1.004 + 0.002 * (day % 2)
        events.append(snap(round(eq, 2), 0, day=day))
    return events


@pytest.mark.parametrize(
    ("days", "win_losses", "upgrades"),
    [(5, 2, False), (6, 2, True), (6, 4, False)],
    ids=["4-profit-days", "5-profit-days", "win-rate-60%-not-enough"],
)
def test_daily_review_upgrade(days, win_losses, upgrades):
    # The last snapshot's day is still open: `days` snapshots close days-1 days... plus day 0.
    events = _upgrade_history(days, win_losses)
    _, d = run(events)
    got = [p for step in d for p in profiles(step)]
    assert got == ([("LOW", "NORMAL", 2, "applied")] if upgrades else [])


def test_profit_days_count_only_after_the_last_profile_change():
    events = _upgrade_history(7)
    _, d = run(events)
    got = [p for step in d for p in profiles(step)]
    assert got == [("LOW", "NORMAL", 2, "applied")]  # not NORMAL -> AGGRESSIVE the next day


MODES = [
    ("DEGRADED", "LIVE", "SHADOW"),
    ("CRITICAL", "LIVE", "PAUSED"),
]


@pytest.mark.parametrize(("status", "before", "after"), MODES)
def test_mode_from_health(status, before, after):
    d = run([snap(10_000), health(status, 1)])[1][-1]
    m = of_type(d, "mode_change")
    assert [(x.payload["previous_mode"], x.payload["mode"]) for x in m] == [(before, after)]


def test_health_restores_the_mode_before_the_first_demotion_and_never_repeats():
    events = [
        snap(10_000),
        health("DEGRADED", 1),
        health("CRITICAL", 2),
        health("DEGRADED", 3),
        health("HEALTHY", 4),
        health("HEALTHY", 5),
        health("OPTIMAL", 6),
    ]
    _, d = run(events)
    modes = [[x.payload["mode"] for x in of_type(step, "mode_change")] for step in d]
    assert modes == [[], ["SHADOW"], ["PAUSED"], ["SHADOW"], ["LIVE"], [], []]


def test_operator_mode_is_demoted_but_never_promoted():
    events = [
        snap(10_000),
        op("set_mode", 1, mode="PAUSED", duration_minutes=5),
        health("DEGRADED", 10),
        health("HEALTHY", 11),
        health("CRITICAL", 12),
        health("HEALTHY", 12.5),
        op("set_mode", 13, mode="LIVE", duration_minutes=1),
        health("HEALTHY", 14),
        health("DEGRADED", 20),
    ]
    _, d = run(events)
    ceo = [[x.payload["mode"] for x in step if x.role_source == "ceo"] for step in d]
    # PAUSED set by the operator: DEGRADED would promote it, HEALTHY has nothing to restore.
    assert ceo[2:5] == [[], [], []]
    # LIVE set by the operator (pin expired): DEGRADED demotes it.
    assert ceo[-1] == ["SHADOW"]
