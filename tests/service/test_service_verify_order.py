"""``federation verify`` finds events stored as out of order that arrived in time (both legs).

The log below is what the merge of the input streams used to make of stream A
holding e-1 … e-4 and stream B e-5 after a restart: 1, 2, 5, then 3 and 4 rejected.
"""

from __future__ import annotations

from typing import Any

import pytest

from federation_ai.core import CoreConfig, parse_event
from federation_ai.service.entry_order import accepted_in_entry_order, entry_order
from federation_ai.service.verify import verify

TRADE = "trade.closed"
SNAP = "portfolio.snapshot_updated"


def envelope(n: int, entry_id: str | None, event_type: str = TRADE, second: int | None = None) -> dict[str, Any]:
    payload = {"symbol": "BTCUSDT", "pnl_usd": 1.0} if event_type == TRADE else {"total_equity": 10_000.0 + n}
    env = {
        "event_type": event_type,
        "event_id": f"e-{n}",
        "account_id": "acct-1",
        "timestamp": f"2024-03-01T12:00:{n if second is None else second:02d}Z",
        "payload": payload,
    }
    if entry_id is not None:
        env["stream_entry_id"] = entry_id
    return env


async def test_verify_reports_events_rejected_only_by_the_merge(service):
    logged = [envelope(1, "1-0"), envelope(2, "2-0"), envelope(5, "5-0", SNAP),
              envelope(3, "3-0"), envelope(4, "4-0")]
    for env in logged:
        await service.ingest(env)
    report = await verify(service.store, service.settings.core)
    assert report.out_of_order == 2
    assert [(d.kind, d.event_id) for d in report.differences] == [
        ("rejected", "e-3"),
        ("rejected", "e-4"),
    ]
    assert not report.ok
    assert "accepted by a replay in entry order" in report.differences[0].describe()


async def test_verify_accepts_an_event_that_really_arrived_late(service):
    # e-3 reached the bus (entry 6-0) after the newer e-5 (entry 5-0): rightly rejected
    for env in [envelope(1, "1-0"), envelope(5, "5-0", SNAP), envelope(3, "6-0")]:
        await service.ingest(env)
    report = await verify(service.store, service.settings.core)
    assert report.out_of_order == 1
    assert report.ok, [d.describe() for d in report.differences]


async def test_events_without_an_entry_id_keep_their_place(service):
    # over HTTP: no entry id, the log's order is the arrival order
    for env in [envelope(1, None), envelope(5, None, SNAP), envelope(3, None)]:
        await service.ingest(env)
    report = await verify(service.store, service.settings.core)
    assert report.out_of_order == 1
    assert report.ok


def _events(rows: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, Any, int | None]]:
    out = []
    for outcome, env in rows:
        entry = env.get("stream_entry_id")
        out.append((outcome, parse_event(env), int(entry.split("-")[0]) if entry else None))
    return out


@pytest.mark.parametrize(
    ("rows", "order"),
    [
        # bus events by entry ms, then event time; HTTP events stay in place
        ([envelope(5, "5-0"), envelope(3, "3-0"), envelope(4, "4-0")], ["e-3", "e-4", "e-5"]),
        ([envelope(5, "3-0"), envelope(3, "3-0"), envelope(9, None)], ["e-3", "e-5", "e-9"]),
        ([envelope(9, None), envelope(5, "3-0"), envelope(3, "3-0")], ["e-9", "e-3", "e-5"]),
        ([envelope(5, "2-0"), envelope(7, None), envelope(3, "3-0")], ["e-5", "e-7", "e-3"]),
    ],
)
def test_entry_order(rows, order):
    got = entry_order(_events([("processed", env) for env in rows]))
    assert [e.event_id for _, e in got] == order


def test_an_event_invalid_against_history_is_passed_over():
    log = [
        ("processed", envelope(1, "1-0", SNAP)),
        ("processed", {**envelope(2, "2-0", SNAP), "payload": {"total_equity": 5.0, "net_flow": 9.0}}),
        ("out_of_order", envelope(0, "3-0", second=0)),
    ]
    assert accepted_in_entry_order(log, CoreConfig()) == []
