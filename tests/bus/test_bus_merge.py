"""The merge of the input streams, on both backends: each account in event-time order.

Entries of different streams written in the same millisecond tie on the entry id;
the events' own timestamps order them, a tie is never split across batches, and a
restarted consumer merges its own pending entries with the new ones.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

SNAP = "portfolio.snapshot_updated"
HEALTH = "system.health_updated"
MODEL = "model.performance_updated"
TRADE = "trade.closed"


def event(event_type: str, n: int, account: str = "acct-1", second: int | None = None) -> dict[str, str]:
    """Seed envelope of event ``e-<n>`` at second ``n`` (or ``second``) of a fixed minute."""
    at = n if second is None else second
    return {
        "event_type": event_type,
        "payload": json.dumps({"event_id": f"e-{n}", "account_id": account}),
        "timestamp": f"2024-03-01T12:00:{at:02d}Z",
        "source": "test",
    }


def names(batch: list[Any]) -> list[str]:
    return [json.loads(m.fields["payload"])["event_id"] for m in batch]


async def fetch_until(bus: Any, total: int, max_count: int, **kw: Any) -> list[list[Any]]:
    """Non-blocking fetches until ``total`` messages came out; the batches."""
    batches: list[list[Any]] = []
    for _ in range(100):
        if sum(len(b) for b in batches) >= total:
            return batches
        batch = await bus.fetch(max_count=max_count, block_ms=0, **kw)
        assert len(batch) <= max_count
        if batch:
            batches.append(batch)
    raise AssertionError(f"only {batches!r} came out")


async def test_entries_of_one_millisecond_come_out_in_event_time_order(backend):
    bus = await backend.started("c1")
    # stream rank (snapshot, health, model, trade) is the reverse of event time here
    for n, event_type in enumerate((TRADE, MODEL, HEALTH, SNAP), start=1):
        await backend.xadd(event_type, event(event_type, n), "5-0")
    assert names(await bus.fetch(block_ms=0)) == ["e-1", "e-2", "e-3", "e-4"]


@pytest.mark.parametrize("max_count", [1, 2, 3])
async def test_a_tie_at_the_edge_of_a_batch_waits_for_the_next_fetch(backend, max_count):
    bus = await backend.started("c1")
    await backend.xadd(SNAP, event(SNAP, 1), "5-0")
    await backend.xadd(SNAP, event(SNAP, 2), "5-1")
    await backend.xadd(TRADE, event(TRADE, 3), "5-0")
    await backend.xadd(SNAP, event(SNAP, 4), "6-0")
    batches = await fetch_until(bus, 4, max_count)
    assert [n for b in batches for n in names(b)] == ["e-1", "e-2", "e-3", "e-4"]


async def test_accounts_are_ordered_apart_and_interleave_in_arrival_order(backend):
    bus = await backend.started("c1")
    await backend.xadd(SNAP, event(SNAP, 1, "late-clock", second=50), "5-0")
    await backend.xadd(TRADE, event(TRADE, 2, "early-clock", second=10), "6-0")
    await backend.xadd(SNAP, event(SNAP, 3, "late-clock", second=40), "6-1")
    await backend.xadd(TRADE, event(TRADE, 4, "early-clock", second=5), "6-1")
    # each account by its own clock; the accounts keep their places in arrival order
    assert names(await bus.fetch(block_ms=0)) == ["e-3", "e-4", "e-1", "e-2"]


async def _restarted_after_two_of_five(backend):
    """A consumer handed out e-1 and e-2 of five entries and died before any ack: its restart."""
    before = await backend.started("worker", claim_idle_ms=60_000)
    for n in range(1, 5):
        await backend.xadd(TRADE, event(TRADE, n), f"{n}-0")
    await backend.xadd(SNAP, event(SNAP, 5), "5-0")
    assert names(await before.fetch(max_count=2, block_ms=0)) == ["e-1", "e-2"]
    assert await before.pending_count() == 3  # e-5 is held for the merge: pending, not acked
    await before.close()  # dies before acknowledging anything
    return await backend.started("worker", claim_idle_ms=60_000)


async def test_a_restarted_consumer_merges_its_pending_entries_with_new_ones(backend):
    after = await _restarted_after_two_of_five(backend)
    batches = await fetch_until(after, 5, max_count=2)
    got = [m for b in batches for m in b]
    assert names(got) == ["e-1", "e-2", "e-3", "e-4", "e-5"]
    assert [m.deliveries for m in got] == [2, 2, 1, 1, 2]


async def test_a_restarted_consumer_hands_out_the_merged_backlog_in_one_batch(backend):
    after = await _restarted_after_two_of_five(backend)
    assert names(await after.fetch(block_ms=0)) == ["e-1", "e-2", "e-3", "e-4", "e-5"]


async def test_held_entries_are_acknowledged_only_once_handed_out(backend):
    bus = await backend.started("c1")
    for n in range(1, 5):
        await backend.xadd(TRADE, event(TRADE, n), f"{n}-0")
    await backend.xadd(SNAP, event(SNAP, 5), "5-0")
    first = await bus.fetch(max_count=2, block_ms=0)
    second = await bus.fetch(max_count=2, block_ms=0, ack=first)
    assert names(second) == ["e-3", "e-4"]
    assert await bus.pending_count() == 3  # e-3, e-4 delivered, e-5 held
    third = await bus.fetch(max_count=2, block_ms=0, ack=second)
    assert names(third) == ["e-5"]
    assert await bus.pending_count() == 1
    assert await bus.fetch(block_ms=0, ack=third) == []
    assert await bus.pending_count() == 0


async def test_with_a_lateness_an_older_event_arriving_later_still_comes_first(backend):
    bus = await backend.started("c1", merge_lateness_ms=300)
    await bus.publish_event(TRADE, event(TRADE, 2))
    assert await bus.fetch(block_ms=0) == []  # held for the lateness (this read is immediate)
    assert await bus.pending_count() == 1
    await bus.publish_event(SNAP, event(SNAP, 1))  # written later, but the older event
    async with asyncio.timeout(10):
        got = await bus.fetch(block_ms=60_000)  # returns once the lateness has passed
    assert names(got) == ["e-1", "e-2"]


async def test_with_a_lateness_an_idle_stream_still_hands_out_what_it_holds(backend):
    bus = await backend.started("c1", merge_lateness_ms=50)
    await bus.publish_event(TRADE, event(TRADE, 1))
    async with asyncio.timeout(10):  # bounded by the lateness, not by block_ms
        got = await bus.fetch(block_ms=60_000)
    assert names(got) == ["e-1"]


async def test_a_tie_longer_than_a_batch_still_drains_in_event_time_order(backend):
    bus = await backend.started("c1")
    for k in range(5):  # ten entries in one millisecond, five batches of two
        await backend.xadd(SNAP, event(SNAP, 2 * k + 1), f"5-{k}")
        await backend.xadd(TRADE, event(TRADE, 2 * k + 2), f"5-{k}")
    batches = await fetch_until(bus, 10, max_count=2)
    assert [n for b in batches for n in names(b)] == [f"e-{n}" for n in range(1, 11)]
