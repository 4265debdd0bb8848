"""In-memory backend with a controlled clock: claim timing and read-ahead details."""

from __future__ import annotations

from federation_ai.bus import BusMessage, InMemoryBroker, InMemoryBus, stream_key
from federation_ai.bus._consumer import merge_in_order
from federation_ai.bus.base import entry_id_key

SNAP = "portfolio.snapshot_updated"
TRADE = "trade.closed"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000


def setup() -> tuple[Clock, InMemoryBroker]:
    clock = Clock()  # drives both idle times and entry ids
    return clock, InMemoryBroker(clock=clock, wall_clock=clock)


async def started(broker: InMemoryBroker, consumer: str, claim_idle_ms: int = 100) -> InMemoryBus:
    bus = InMemoryBus(consumer, broker=broker, claim_idle_ms=claim_idle_ms)
    await bus.start()
    return bus


async def test_claim_waits_for_claim_idle_and_counts_every_delivery():
    clock, broker = setup()
    c1, c2, c3 = [await started(broker, name) for name in ("c1", "c2", "c3")]
    msg_id = await c1.publish_event(TRADE, {"payload": "{}"})
    assert [m.deliveries for m in await c1.fetch(block_ms=0)] == [1]
    clock.advance_ms(99)
    assert await c2.fetch(block_ms=0) == []  # not idle long enough at this scan
    clock.advance_ms(1)
    # scans for stale entries run every claim_idle_ms / 2: the next one is due at 149 ms
    assert await c2.fetch(block_ms=0) == []
    clock.advance_ms(49)
    assert [(m.message_id, m.deliveries) for m in await c2.fetch(block_ms=0)] == [(msg_id, 2)]
    clock.advance_ms(100)
    assert [(m.message_id, m.deliveries) for m in await c3.fetch(block_ms=0)] == [(msg_id, 3)]
    assert await c1.fetch(block_ms=0) == []  # now owned by c3, not idle


async def test_entries_held_for_ordering_are_kept_from_other_consumers():
    clock, broker = setup()
    c1 = await started(broker, "c1")
    a = [await c1.publish_event(SNAP, {"n": str(i)}) for i in range(3)]
    clock.advance_ms(1)
    b = await c1.publish_event(TRADE, {"n": "b"})
    # two snapshots fit the batch; the newer trade waits for the third snapshot
    first = await c1.fetch(max_count=2, block_ms=0)
    assert [m.message_id for m in first] == a[:2]
    await c1.ack(first)
    clock.advance_ms(59)  # past half the claim time: the held trade gets its idle time reset
    second = await c1.fetch(max_count=2, block_ms=0)
    assert [m.message_id for m in second] == [a[2], b]
    clock.advance_ms(60)  # 120 ms after the read, 60 ms after the refresh
    c2 = await started(broker, "c2")
    assert await c2.fetch(block_ms=0) == []


async def test_entry_ids_stay_increasing_when_the_wall_clock_steps_back():
    times = iter([2000.0, 1999.0, 1999.0, 2001.0])
    broker = InMemoryBroker(wall_clock=lambda: next(times))
    bus = InMemoryBus("c1", broker=broker)
    ids = [await bus.publish_event(TRADE, {"n": str(i)}) for i in range(4)]
    assert ids == ["2000000-0", "2000000-1", "2000000-2", "2001000-0"]
    assert sorted(ids, key=entry_id_key) == ids


def msg(event_type: str, entry_id: str) -> BusMessage:
    return BusMessage(event_type, entry_id, {"f": "v"}, 1)


def test_merge_releases_nothing_newer_than_an_open_stream():
    batches = {
        SNAP: [msg(SNAP, "1-0"), msg(SNAP, "5-0")],
        TRADE: [msg(TRADE, "2-0"), msg(TRADE, "9-0")],
    }
    ready, kept = merge_in_order(batches, [SNAP], room=10)
    assert [m.message_id for m in ready] == ["1-0", "2-0", "5-0"]
    assert [m.message_id for m in kept[TRADE]] == ["9-0"]
    assert kept[SNAP] == []
    ready, kept = merge_in_order(batches, [], room=2)
    assert [m.message_id for m in ready] == ["1-0", "2-0"]
    assert [m.message_id for m in kept[SNAP] + kept[TRADE]] == ["5-0", "9-0"]


async def test_entries_read_and_acknowledged_by_every_group_are_dropped():
    """In process nobody else reads the input streams: done entries must not pile up."""
    clock, broker = setup()
    bus = await started(broker, "c1")
    total = 5_000
    for i in range(total):
        await bus.publish_event(SNAP, {"n": str(i)})
        clock.advance_ms(1)
    held = await bus.fetch(max_count=3, block_ms=0)  # delivered, never acknowledged
    seen = [m.fields["n"] for m in held]
    while batch := await bus.fetch(max_count=500, block_ms=0):
        seen += [m.fields["n"] for m in batch]
        await bus.ack(batch)
    assert seen == [str(i) for i in range(total)]
    kept = broker.entries(stream_key(SNAP))
    assert [f["n"] for _, f in kept[:3]] == ["0", "1", "2"]  # pending: kept for redelivery
    assert len(kept) == total  # nothing after a pending entry is dropped either
    await bus.ack(held)
    for i in range(total):
        await bus.publish_event(SNAP, {"n": f"later-{i}"})
        clock.advance_ms(1)
    while batch := await bus.fetch(max_count=500, block_ms=0):
        await bus.ack(batch)
    assert len(broker.entries(stream_key(SNAP))) <= 2_000  # bounded, whatever the count
