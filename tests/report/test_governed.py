"""Governed equity by the two methods of SPEC §13, on small scenarios computed by hand."""

from __future__ import annotations

import pytest

from federation_ai.core import CoreConfig
from federation_ai.report import ReportConfig

from .helpers import no_daily_loss_freeze, op, report_of, rows_of, snap, trade

CFG = no_daily_loss_freeze()


def curve(rows, account="default"):
    return [(r[2], r[3], r[6]) for r in rows if r[1] == account]  # raw, governed, m


def test_nav_method_applies_the_m_decided_after_the_previous_snapshot():
    rows = rows_of([snap(0, 10_000), snap(10, 9_000), snap(20, 9_900)], cfg=CFG)
    # interval 1 at m = 1 (policy after the first snapshot); the fall makes the CRO
    # tighten to EMERGENCY (0.25) and the CEO downgrade to MICRO (0.5): m = 0.125
    # for interval 2, whose +10 % becomes +1.25 %: 9000 * 1.0125
    assert curve(rows) == [(10_000, 10_000, 1.0), (9_000, 9_000, 0.125), (9_900, 9_112.5, 0.125)]
    raw_dd, gov_dd = rows[-1][4], rows[-1][5]
    assert raw_dd == pytest.approx(0.01)
    assert gov_dd == pytest.approx(1 - 0.9 * 1.0125)


def test_nav_method_freeze_stops_the_next_interval():
    rows = rows_of([snap(0, 10_000), snap(10, 9_000), snap(20, 9_900), snap(30, 8_910)])
    # the 10 % intraday fall freezes (daily loss): m = 0 from then on
    assert curve(rows) == [
        (10_000, 10_000, 1.0),
        (9_000, 9_000, 0.0),
        (9_900, 9_000, 0.0),
        (8_910, 9_000, 0.0),
    ]


def test_nav_method_a_policy_change_between_snapshots_counts_from_the_next_interval():
    events = [snap(0, 10_000), op(5, "set_mode", mode="SHADOW"), snap(10, 11_000), snap(20, 12_100)]
    # SHADOW from minute 5, but interval (0, 10] uses the policy after the first snapshot
    assert curve(rows_of(events)) == [
        (10_000, 10_000, 1.0),
        (11_000, 11_000, 0.0),
        (12_100, 11_000, 0.0),
    ]


def test_nav_method_adds_net_flows_to_the_governed_equity():
    events = [snap(0, 10_000), snap(10, 9_000), snap(20, 10_900, net_flow=1_000)]
    (_, g0, _), (_, g1, _), (raw2, g2, _) = curve(rows_of(events, cfg=CFG))
    assert (g0, g1, raw2) == (10_000, 9_000, 10_900)
    assert g2 == pytest.approx(9_000 * (1 + 0.125 * 900 / 9_000) + 1_000)  # 10_112.5
    rep = report_of(events, cfg=CFG)["accounts"]["default"]
    # flow-neutral: the deposit is no profit
    assert rep["raw"]["total_return"] == pytest.approx(0.99 - 1)
    assert rep["governed"]["total_return"] == pytest.approx(0.9 * 1.0125 - 1)


def test_nav_method_what_governance_changed():
    rep = report_of([snap(0, 10_000), snap(10, 9_000), snap(20, 9_900), snap(30, 9_405)], cfg=CFG)
    g = rep["accounts"]["default"]["governance"]
    # intervals: -1000 at m=1 (nothing), +900 at 0.125 (forgone 787.5), -495 at 0.125 (avoided)
    assert g["units"] == "intervals"
    assert g["gain_forgone"] == pytest.approx(787.5)
    assert g["loss_avoided"] == pytest.approx(0.875 * 495)
    assert g["net"] == pytest.approx(0.875 * 495 - 787.5)
    assert (g["taken"], g["skipped"]) == (3, 0)


def test_trades_method_cuts_each_trade_by_m_at_its_opening():
    events = [
        snap(0, 10_000),
        snap(10, 9_000),  # m = 0.125 from here
        trade(20, -200.0, opened=5),  # opened at m = 1: kept whole
        trade(30, 400.0, opened=15),  # opened at m = 0.125: cut by 350
        trade(35, 100.0),  # no opened_at: m = 1
        trade(36, -100.0, opened=10),  # opened at the fall's instant: the policy before it
        trade(37, 80.0, opened=15, symbol="ADAUSDT"),  # candidate not active: m = 0, cut 80
        snap(40, 9_280),
    ]
    rep = report_of(events, cfg=CFG, method="trades")["accounts"]["default"]
    rows = rows_of(events, cfg=CFG, method="trades")
    assert curve(rows) == [
        (10_000, 10_000, 1.0),
        (9_000, 9_000, 0.125),
        (9_280, 9_280 - 430, 0.125),
    ]
    t = rep["trades"]
    assert (t["count"], t["with_opened_at"], t["ungoverned"]) == (5, 4, 1)
    assert (t["governed"]["taken"], t["governed"]["skipped"]) == (3, 1)
    assert t["governed"]["gain_forgone"] == pytest.approx(350 + 80)
    assert t["governed"]["loss_avoided"] == 0.0
    assert rep["governance"] == t["governed"]  # the trades method governs in trades


def test_trades_method_without_opened_at_governs_nothing():
    events = [snap(0, 10_000), snap(10, 9_000), trade(20, 400.0), snap(30, 9_400)]
    rows = rows_of(events, cfg=CFG, method="trades")
    assert [r[2] for r in rows] == [r[3] for r in rows]


def test_governed_equity_at_zero_is_ruin_and_stays():
    # start at NORMAL against a LOW baseline: m = 2, so a loss counts twice
    cfg = CoreConfig.from_mapping({"ceo": {"initial_profile": "NORMAL"}})
    report = ReportConfig(baseline_profile="LOW")
    events = [
        snap(0, 10_000),
        trade(5, -6_000.0, opened=1),  # governed: -12,000
        snap(10, 4_000),  # governed 4000 - 6000 < 0: ruined
        snap(20, 5_500, net_flow=1_000),  # a deposit does not revive it
    ]
    rows = rows_of(events, cfg=cfg, report=report, method="trades")
    assert [r[3] for r in rows] == [10_000, 0.0, 0.0]
    assert [r[5] for r in rows] == [0.0, 1.0, 1.0]  # governed drawdown
    rep = report_of(events, cfg=cfg, report=report, method="trades")["accounts"]["default"]
    assert rep["governed"]["ruined_at"] == "2024-01-01T10:10:00Z"
    assert rep["governed"]["max_drawdown"] == 1.0
    assert rep["governed"]["total_return"] == -1.0
    assert "ruined_at" not in rep["raw"]


def test_accounts_with_and_without_trades_and_snapshots():
    events = [
        snap(0, 10_000, account="a"),
        snap(10, 10_500, account="a"),
        trade(12, 50.0, opened=2, account="b"),  # an account with trades and no snapshot
        snap(20, 10_400, account="a"),
    ]
    rep = report_of(events)
    a, b = rep["accounts"]["a"], rep["accounts"]["b"]
    assert a["trades"]["count"] == 0 and a["snapshots"] == 3
    assert a["raw"]["total_return"] == pytest.approx(0.04)
    assert b["snapshots"] == 0 and b["raw"]["total_return"] is None
    assert b["trades"]["count"] == 1 and b["trades"]["pnl_usd"] == 50.0
    assert rep["total"]["trades"]["count"] == 1
    assert rep["total"]["raw"]["start_equity"] == 10_000


def test_total_combines_accounts_flow_neutrally():
    events = [
        snap(0, 10_000, account="a"),
        snap(1, 30_000, account="b"),  # enters the total as new capital, not a gain
        snap(10, 11_000, account="a"),
        snap(11, 30_000, account="b"),
    ]
    total = report_of(events)["total"]
    assert total["raw"]["start_equity"] == 40_000
    assert total["raw"]["final_equity"] == 41_000
    assert total["raw"]["total_return"] == pytest.approx(0.025)
    assert total["governed"] == total["raw"]  # nothing decided: m = 1 throughout


def test_method_auto_follows_the_source():
    assert ReportConfig().resolve_method(equity_from_trades=False) == "nav"
    assert ReportConfig().resolve_method(equity_from_trades=True) == "trades"
    assert ReportConfig(method="nav").resolve_method(equity_from_trades=True) == "nav"
    assert ReportConfig(method="trades").resolve_method(equity_from_trades=False) == "trades"
