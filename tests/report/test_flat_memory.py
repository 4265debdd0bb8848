"""What the recorder keeps is bounded by accounts, days and windows, not by the events."""

from __future__ import annotations

import pickle

from federation_ai.report import build_report, governed_rows
from federation_ai.report.chart_points import MAX_BUCKETS, ChartPoints
from federation_ai.report.spool import BUDGET

from .helpers import record, snap, trade


def held(rec) -> int:
    """The size of everything the recorder holds in memory but the spool's buffers."""
    return len(pickle.dumps((rec.accounts, rec.rows.total, rec.rows._tie)))


def test_what_the_recorder_holds_is_the_same_after_n_and_4n_snapshots_of_one_account():
    sizes = []
    for n in (2000, 8000):  # one snapshot a second, within one day
        rec = record([snap(i / 60, 10_000 + (i % 7)) for i in range(n)])
        assert rec.accounts["default"].curve.snapshots == n
        sizes.append(held(rec))
        assert rec.rows.spools[0]._buffered <= BUDGET
        assert len(list(governed_rows(rec))) == n  # every row is still there, on disk
    assert sizes[0] == sizes[1]


def test_the_report_does_not_depend_on_how_the_accounts_interleave():
    def account(name: str, drift: float) -> list[dict]:
        out = []
        for i in range(300):
            out.append(snap(i * 30, 10_000 * (1 + drift * i) + 40 * (i % 5), account=name))
            if i % 7 == 3:
                out.append(trade(i * 30 + 1, 25.0 - i % 3 * 20, opened=i * 30 - 60, account=name))
        return out

    a, b = account("a", 0.0004), account("b", -0.0003)
    by_time = sorted(a + b, key=lambda e: e["timestamp"])  # stable: a before b on ties
    for method in ("nav", "trades"):
        merged, one_after_other = record(by_time, method=method), record(a + b, method=method)
        assert merged.rows.in_order
        assert not one_after_other.rows.in_order  # b's rows come before a's last ones
        assert list(governed_rows(merged)) == list(governed_rows(one_after_other))
        assert build_report(merged) == build_report(one_after_other)


def test_chart_points_are_bounded_and_keep_the_troughs_and_the_last_point():
    chart = ChartPoints()
    n = 100_003
    for i in range(n):
        dd = 0.5 if i == 61_234 else (i % 97) / 1000
        chart.add(i, (1.0 + i, 1.0 + i, dd, 0.2 if i == 777 else 0.0, 1.0))
    points = chart.points()
    assert len(points) <= 3 * MAX_BUCKETS + 1
    seq = [int(p[0]) for p in points]
    assert seq == sorted(set(seq))
    assert {0, 777, 61_234, n - 1} <= set(seq)
