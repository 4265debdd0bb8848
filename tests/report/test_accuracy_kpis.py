"""Decision accuracy (every rule, the uncounted windows too) and the seed's KPIs (SPEC §13)."""

from __future__ import annotations

import pytest

from federation_ai.core.decisions import Decision
from federation_ai.core.micros import US_PER_DAY
from federation_ai.report.accuracy import EXPANSIVE, PROTECTIVE, Scoring, direction

from .helpers import ev, no_daily_loss_freeze, op, report_of, snap, trade

DAY = 24 * 60  # minutes
H = 5 * US_PER_DAY

# one snapshot a day, days 0..10: NAV falls to day 5, then rises
TS = [d * US_PER_DAY for d in range(11)]
NAV = [1.0, 0.99, 0.98, 0.97, 0.96, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0]


def Scored(t, role, way):
    return (t, role, way)


def verdicts(decisions, ts=TS, nav=NAV, last=10 * US_PER_DAY):
    """The account's events in time order: decisions at their time, one snapshot per ``ts``."""
    scoring = Scoring(H)
    steps = sorted(
        [(t, 0, d) for d in decisions for t in [d[0]]]
        + [(t, 1, x) for t, x in zip(ts, nav, strict=True)]
    )
    for t, kind, what in steps:
        scoring.at(t)
        if kind:
            scoring.on_snapshot(what)
        else:
            scoring.add(*what)
    scoring.finish(last)
    return {k: (t.right, t.counted, t.uncounted) for k, t in scoring.tallies.items()}


@pytest.mark.parametrize(
    ("day", "way", "expected"),
    [
        (0, PROTECTIVE, (1, 1, 0)),  # 1.00 -> 0.95: a fall, protection was right
        (0, EXPANSIVE, (0, 1, 0)),  # the same fall: expansion was wrong
        (5, EXPANSIVE, (1, 1, 0)),  # 0.95 -> 1.00
        (5, PROTECTIVE, (0, 1, 0)),
        (2.5, PROTECTIVE, (1, 1, 0)),  # from day 2 (last at or before t) to day 7: 0.98 -> 0.97
        (3, PROTECTIVE, (0, 1, 0)),  # day 3 to day 8: 0.97 -> 0.98, a rise
    ],
)
def test_a_decision_is_right_when_nav_moves_its_way(day, way, expected):
    t = round(day * US_PER_DAY)
    assert verdicts([Scored(t, "ceo", way)]) == {"ceo": expected}


def test_window_ending_after_the_last_event_is_not_counted():
    assert verdicts([Scored(5 * US_PER_DAY, "cro", PROTECTIVE)]) == {"cro": (0, 1, 0)}
    late = 5 * US_PER_DAY + 1  # its end is one microsecond past the last event
    assert verdicts([Scored(late, "cro", PROTECTIVE)]) == {"cro": (0, 0, 1)}


def test_window_whose_change_rounds_to_zero_is_not_counted():
    flat = [1.0, 1.0, 1.0 + 4e-10, 1.0, 1.0, 1.0, 1.0 + 4e-10, 1.0, 1.0, 1.0, 1.0]
    assert verdicts([Scored(1 * US_PER_DAY, "supervisor", PROTECTIVE)], nav=flat) == {
        "supervisor": (0, 0, 1)
    }
    moved = [*flat[:6], 1.0 + 6e-9, *flat[7:]]
    assert verdicts([Scored(1 * US_PER_DAY, "supervisor", EXPANSIVE)], nav=moved) == {
        "supervisor": (1, 1, 0)
    }


def test_decision_before_any_snapshot_starts_from_the_first():
    ts = [2 * US_PER_DAY, 3 * US_PER_DAY, 8 * US_PER_DAY]
    nav = [1.0, 0.9, 0.95]
    # t = 0: window (0, 5d] -> from the first snapshot (1.0) to day 3 (0.9)
    assert verdicts([Scored(0, "ceo", PROTECTIVE)], ts=ts, nav=nav) == {"ceo": (1, 1, 0)}
    # no snapshot at or before t + H at all: not counted
    early = [Scored(-3 * US_PER_DAY, "ceo", PROTECTIVE)]
    assert verdicts(early, ts=ts, nav=nav) == {"ceo": (0, 0, 1)}


def test_no_snapshot_at_all_counts_nothing():
    assert verdicts([Scored(0, "ceo", PROTECTIVE)], ts=[], nav=[]) == {"ceo": (0, 0, 1)}


def decision(dtype, status="applied", role="ceo", **payload):
    return Decision("d", "e", "a", dtype, role, 2, "", "", payload, status, "")


@pytest.mark.parametrize(
    ("d", "tier_before", "way"),
    [
        (decision("freeze", role="supervisor"), 0, PROTECTIVE),
        (decision("unfreeze", role="supervisor"), 0, EXPANSIVE),
        (decision("mode_change", mode="SHADOW", previous_mode="LIVE"), 0, PROTECTIVE),
        (decision("mode_change", mode="PAUSED", previous_mode="SHADOW"), 0, PROTECTIVE),
        (decision("mode_change", mode="LIVE", previous_mode="PAUSED"), 0, EXPANSIVE),
        (decision("mode_change", mode="LIVE", previous_mode="EMERGENCY"), 0, EXPANSIVE),
        (decision("mode_change", mode="LIVE", previous_mode="LIVE"), 0, None),
        (decision("capital_profile", profile="MICRO", previous_profile="LOW"), 0, PROTECTIVE),
        (decision("capital_profile", profile="NORMAL", previous_profile="LOW"), 0, EXPANSIVE),
        (decision("risk_adjustment", role="cro", tier="WARNING"), 1, PROTECTIVE),
        (decision("risk_adjustment", role="cro", tier="CAUTION"), 2, EXPANSIVE),
        (decision("risk_adjustment", role="operator", tier="NORMAL"), 0, None),  # a pin
        (decision("mode_change", "vetoed", mode="SHADOW", previous_mode="LIVE"), 0, None),
        (
            decision("capital_profile", "superseded", profile="MICRO", previous_profile="LOW"),
            0,
            None,
        ),
        (decision("cashflow", policy="defensive"), 0, None),
        (decision("symbol_universe", role="cio", added=[], removed=["SOLUSDT"]), 0, None),
    ],
)
def test_protective_and_expansive_decisions(d, tier_before, way):
    assert direction(d, tier_before) == way


def test_decisions_sharing_a_step_each_count():
    cfg = no_daily_loss_freeze()
    events = [
        snap(0, 10_000),
        # the fall: the CRO tightens and the CEO downgrades in the same step
        snap(DAY, 9_000),
        snap(3 * DAY, 8_900),  # DD 11 %: a freeze, whose window ends after the last event
        snap(6 * DAY + 1, 8_800),  # past the end of the first two windows: lower still
    ]
    acc = report_of(events, cfg=cfg)["total"]["kpis"]["decision_accuracy"]
    assert acc["by_role"]["cro"] == {"right": 1, "counted": 1, "uncounted": 0, "accuracy": 1.0}
    assert acc["by_role"]["ceo"] == {"right": 1, "counted": 1, "uncounted": 0, "accuracy": 1.0}
    assert acc["by_role"]["supervisor"]["uncounted"] == 1
    assert acc["total"] == {"right": 2, "counted": 2, "uncounted": 1, "accuracy": 1.0}


# --- KPIs --------------------------------------------------------------------------------


def test_role_conflicts_are_superseded_over_all_decisions():
    events = [
        snap(0, 10_000),  # CRO ess_policy NOMINAL
        op(1, "set_mode", mode="SHADOW"),  # operator mode_change, pinned
        ev("health", 2, overall_status="CRITICAL"),  # CEO -> PAUSED: superseded by the pin
    ]
    k = report_of(events)["accounts"]["default"]["kpis"]
    assert k["role_conflicts"] == pytest.approx(1 / 3)
    assert k["override_rate"] == 0.0


def test_override_rate_is_vetoes_over_all_decisions():
    events = [
        snap(0, 10_000),  # ess_policy
        # DD 11 %: freeze, risk_adjustment, ess_policy, emergency downgrade, risk_analysis
        snap(10, 8_900),
        op(20, "set_mode", mode="LIVE"),  # vetoed while frozen, with the Supervisor's override
    ]
    rep = report_of(events)["accounts"]["default"]
    assert rep["decisions"]["total"] == 8 and rep["decisions"]["vetoed"] == 1
    assert rep["kpis"]["override_rate"] == pytest.approx(1 / 8)
    assert rep["kpis"]["freezes"] == 1
    assert rep["kpis"]["emergency_downgrades"] == 1


def test_rates_per_week_and_per_30_days_of_history():
    events = [snap(0, 10_000), snap(10, 8_900), snap(14 * DAY, 8_900)]
    k = report_of(events)["accounts"]["default"]["kpis"]
    assert k["history_days"] == 14.0
    assert k["freezes_per_week"] == pytest.approx(0.5)
    assert k["emergency_downgrades_per_30d"] == pytest.approx(30 / 14)
    assert k["profile_upgrades_per_30d"] == 0.0


def test_profile_upgrade_is_counted():
    events = [snap(0, 10_000), *(trade(1 + i, 10.0) for i in range(10))]
    equity = 10_000.0
    for day, gain in enumerate((0.01, 0.02, 0.01, 0.02, 0.01, 0.02), 1):
        equity *= 1 + gain
        events.append(snap(day * DAY, equity))
    rep = report_of(events)["accounts"]["default"]
    assert rep["decisions"]["by_role"]["ceo"]["capital_profile"] == {"applied": 1}
    assert rep["kpis"]["profile_upgrades"] == 1
    assert rep["kpis"]["profile_upgrades_per_30d"] == pytest.approx(30 / 6)


def test_an_empty_history_has_no_rates():
    k = report_of([snap(0, 10_000)])["accounts"]["default"]["kpis"]
    assert k["freezes_per_week"] is None and k["role_conflicts"] == 0.0
    assert k["decision_accuracy"]["total"]["accuracy"] is None
