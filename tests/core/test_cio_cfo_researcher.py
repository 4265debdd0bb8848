"""CIO weights and universe, CFO cashflow policy, Researcher tasks and cooldown."""

from __future__ import annotations

import pytest

from federation_ai.core import CoreConfig
from tests.core.scenario import health, model, of_type, run, snap, trade

# --- CIO -----------------------------------------------------------------------------


def weights(decisions):
    got = of_type(decisions, "strategy_allocation")
    return got[0].payload["model_weights"] if got else None


def test_weights_score_formula_and_sum_to_one():
    w = weights(run([model("xgboost", 1.2, 0.55)])[1][-1])
    assert w == pytest.approx(
        {"xgboost": 0.8125, "lightgbm": 0.0625, "nhits": 0.0625, "patchtst": 0.0625}
    )
    assert sum(w.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("second_sharpe", "rebalances"),
    [(1.26, False), (1.9, True)],
    ids=["small-change", "large-change"],
)
def test_rebalance_only_when_a_weight_moves_more_than_5_points(second_sharpe, rebalances):
    _, d = run([model("xgboost", 1.2, 0.55), model("xgboost", second_sharpe, 0.55, 1)])
    assert (weights(d[-1]) is not None) == rebalances


def test_new_model_is_added_with_applied_weight_zero():
    _, d = run([model("xgboost", 1.2, 0.55), model("tft", 0.0, 0.5, 1)])
    w = weights(d[-1])
    assert w is not None and "tft" in w and list(w)[-1] == "tft"


@pytest.mark.parametrize(
    ("equity", "wins", "n_symbols"),
    [
        (10_100, 7, 7),  # DD 0, WR 70 % -> expand
        (10_100, 6, None),  # WR exactly 60 % -> nothing
        (10_100, 4, 3),  # WR 40 % < 45 % -> contract
    ],
)
def test_universe_at_day_close(equity, wins, n_symbols):
    events = [snap(10_000)] + [trade(10 if i < wins else -1, i + 1) for i in range(10)]
    events += [snap(equity, 30), health("HEALTHY", 0, day=1)]
    got = of_type(run(events)[1][-1], "symbol_universe")
    assert [len(x.payload["active_symbols"]) for x in got] == (
        [] if n_symbols is None else [n_symbols]
    )


def test_universe_contraction_stops_at_minimum():
    pnls = [1, -1, -1, 1, -1, -1, 1, -1, -1, -1]  # WR 30 %, never 5 losses in a row
    events = [snap(10_000)] + [trade(p, i + 1) for i, p in enumerate(pnls)]
    for day in range(1, 4):
        events.append(snap(10_000 - day, 0, day=day))
    _, d = run(events)
    sizes = [
        len(x.payload["active_symbols"]) for step in d for x in of_type(step, "symbol_universe")
    ]
    assert sizes == [3]  # 5 -> 3, then no decision at the minimum


# --- CFO -----------------------------------------------------------------------------


def cashflow(events):
    got = of_type(run(events)[1][-1], "cashflow")
    return got[0].payload["policy"] if got else None


@pytest.mark.parametrize(
    ("day1", "reserve", "policy"),
    [
        (9_940, None, "defensive"),  # DD 6 % (two-day fall avoids the freeze)
        (10_050, 490.0, "rebuild_reserve"),  # reserve 4.9 %
        (10_210, None, "harvest"),  # day +2.1 %, DD 0
        (10_200, None, None),  # day exactly +2 %: stays balanced
        (10_050, 1_600.0, "growth"),  # reserve 15.9 %
    ],
)
def test_cashflow_policy_first_match(day1, reserve, policy):
    extra = {} if reserve is None else {"reserve_balance": reserve}
    first = 10_000 if day1 != 9_940 else 10_580
    events = [snap(first), snap(day1, 5, **extra), health("HEALTHY", 0, day=1)]
    if day1 == 9_940:
        events = [
            snap(10_000),
            snap(10_580, 0, day=1),
            snap(9_940, 5, day=1),
            health("HEALTHY", 0, day=2),
        ]
    assert cashflow(events) == policy


# --- Researcher ----------------------------------------------------------------------


def tasks(decisions):
    return [
        (d.payload["task_type"], d.payload["model_name"])
        for d in of_type(decisions, "research_task")
    ]


@pytest.mark.parametrize(
    ("sharpe", "win_rate", "days", "expected"),
    [
        (1.0, 0.5, 30.0, []),
        (0.99, 0.5, 30.0, [("hyperparameter_tuning", "m")]),
        (1.0, 0.49, 30.0, [("feature_engineering", "m")]),
        (1.0, 0.5, 30.1, [("model_retraining", "m")]),
        (
            0.5,
            0.4,
            31.0,
            [
                ("hyperparameter_tuning", "m"),
                ("feature_engineering", "m"),
                ("model_retraining", "m"),
            ],
        ),
    ],
)
def test_model_research_thresholds_and_order(sharpe, win_rate, days, expected):
    d = run([model("m", sharpe, win_rate, days_since_training=days)])[1][-1]
    assert tasks(d) == expected


@pytest.mark.parametrize(("later_days", "again"), [(6.999, False), (7.0, True)])
def test_cooldown_is_seven_days(later_days, again):
    minute = later_days * 24 * 60
    _, d = run([model("m", 0.5, 0.6), model("m", 0.5, 0.6, minute)])
    assert bool(tasks(d[-1])) == again


@pytest.mark.parametrize(("equity", "filed"), [(9_400, False), (9_399, True)])
def test_risk_analysis_above_6_percent(equity, filed):
    events = [snap(10_000), snap(9_700, 0, day=1), snap(equity, 0, day=2)]
    assert (("risk_analysis", None) in tasks(run(events)[1][-1])) == filed


def test_backtest_at_day_close_when_win_rate_below_45_percent():
    events = [snap(10_000)] + [trade(1 if i < 4 else -1, i + 1) for i in range(10)]
    events += [snap(10_010, 30), health("HEALTHY", 0, day=1)]
    assert ("backtest", None) in tasks(run(events)[1][-1])


def test_thresholds_come_from_config():
    cfg = CoreConfig.from_mapping({"researcher": {"tuning_sharpe": 2.0}})
    assert tasks(run([model("m", 1.5, 0.6)], cfg)[1][-1]) == [("hyperparameter_tuning", "m")]
