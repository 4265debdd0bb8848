"""In-memory backend with a controlled clock: claim timing and read-ahead details."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation_ai.bus import BusMessage, InMemoryBroker, InMemoryBus, stream_key
from federation_ai.bus.contract import entry_id_key
from federation_ai.core.micros import format_timestamp

SNAP = "portfolio.snapshot_updated"
TRADE = "trade.closed"


class Clock:
    """Whole milliseconds; read a hair (0.1 us) past them, so that seconds * 1000 in
    floating point never rounds down into the millisecond before."""

    def __init__(self) -> None:
        self.ms = 1_000_000

    def __call__(self) -> float:
        return self.ms / 1000 + 1e-7

    def advance_ms(self, ms: int) -> None:
        self.ms += ms


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


def event(n: int, account: str = "a", second: int | None = None) -> dict[str, str]:
    at = n if second is None else second
    return {
        "payload": json.dumps({"event_id": f"e-{n}", "account_id": account}),
        "timestamp": f"2024-03-01T12:{at // 60:02d}:{at % 60:02d}Z",
    }


def names(batch: list[BusMessage]) -> list[str]:
    return [json.loads(m.fields["payload"])["event_id"] for m in batch]


# Steps with a 100 ms lateness: ("publish", stream, n), ("advance", ms), ("fetch", names).
LATENESS_CASES = {
    "an entry waits until the bus clock is past it": [
        ("publish", TRADE, 2), ("advance", 99),
        ("publish", SNAP, 1),  # 99 ms later, the older event
        ("fetch", []),
        ("advance", 1),  # the trade is 100 ms old: it goes, and the older snapshot first
        ("fetch", ["e-1", "e-2"]),
    ],
    "a newer event does not wait for an older one": [
        ("publish", TRADE, 1), ("advance", 60), ("publish", SNAP, 2), ("advance", 40),
        ("fetch", ["e-1"]),  # the snapshot is only 40 ms old
        ("advance", 60), ("fetch", ["e-2"]),
    ],
    "an event later than the lateness is handed out after the newer one": [
        ("publish", TRADE, 2), ("advance", 100), ("fetch", ["e-2"]),
        ("publish", SNAP, 1),  # really late: the core rejects it as out of order
        ("advance", 100), ("fetch", ["e-1"]),
    ],
}


@pytest.mark.parametrize("steps", LATENESS_CASES.values(), ids=LATENESS_CASES.keys())
async def test_with_a_lateness(steps):
    clock, broker = setup()
    bus = InMemoryBus("c1", broker=broker, merge_lateness_ms=100)
    await bus.start()
    for step, *args in steps:
        if step == "publish":
            await bus.publish_event(args[0], event(args[1]))
        elif step == "advance":
            clock.advance_ms(args[0])
        else:
            assert names(await bus.fetch(block_ms=0)) == args[0]


async def test_entries_held_for_a_lateness_come_back_after_a_restart():
    clock, broker = setup()
    before = InMemoryBus("c1", broker=broker, merge_lateness_ms=100, claim_idle_ms=10_000)
    await before.start()
    await before.publish_event(TRADE, event(1))
    assert await before.fetch(block_ms=0) == []
    assert await before.pending_count() == 1  # delivered, held: not acknowledged
    after = InMemoryBus("c1", broker=broker, merge_lateness_ms=100, claim_idle_ms=10_000)
    await after.start()
    assert await after.fetch(block_ms=0) == []  # still within the lateness
    clock.advance_ms(100)
    got = await after.fetch(block_ms=0)
    assert [(names([m]), m.deliveries) for m in got] == [(["e-1"], 2)]


# --- properties: a producer writing in time order never has an event rejected -------

STREAMS = (SNAP, "system.health_updated", "model.performance_updated", TRADE)
Op = tuple[str, int, int, int]  # ("write", stream, account, +ms) | ("fetch", max_count, ...) | ("restart", ...)

ops = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.integers(0, 3), st.integers(0, 2), st.sampled_from([0, 0, 0, 1, 2])),
        st.tuples(st.just("fetch"), st.integers(1, 4), st.just(0), st.sampled_from([0, 1])),
        st.tuples(st.just("restart"), st.just(0), st.just(0), st.just(0)),
    ),
    min_size=1,
    max_size=60,
)


class Consumer:
    """The service's use of the bus: process a batch, acknowledge it with the next fetch,
    recognise redelivered events by id; dies without acknowledging on a restart."""

    def __init__(self, broker: InMemoryBroker, lateness: int) -> None:
        self.broker, self.lateness = broker, lateness
        self.seen: dict[str, int] = {}
        self.order: dict[str, list[int]] = {}
        self.to_ack: list[BusMessage] = []

    async def restart(self) -> None:
        late = {"merge_lateness_ms": self.lateness} if self.lateness else {}
        self.bus = InMemoryBus("c1", broker=self.broker, event_types=STREAMS, claim_idle_ms=10**9, **late)
        await self.bus.start()
        self.to_ack = []

    async def fetch(self, max_count: int) -> None:
        batch = await self.bus.fetch(max_count=max_count, block_ms=0, ack=self.to_ack)
        for m in batch:
            body = json.loads(m.fields["payload"])
            if body["event_id"] not in self.seen:
                self.seen[body["event_id"]] = 1
                self.order.setdefault(body["account_id"], []).append(body["n"])
        self.to_ack = batch


async def run(script: list[Op], lateness: int, delays: list[int]) -> tuple[Consumer, int]:
    clock, broker = setup()
    consumer = Consumer(broker, lateness)
    await consumer.restart()
    # The producer makes event k at made_at, in time order; with a lateness each may
    # reach the bus up to lateness - 1 ms later (another connection, another producer).
    timeline: list[tuple[int, int, Op]] = []  # (bus time, position, op)
    made_at, n = clock.ms, 0
    for i, op in enumerate(script):
        made_at += op[3]
        if op[0] == "write":
            delay = delays[n % len(delays)] % lateness if lateness else 0
            timeline.append((made_at + delay, i, (op[0], op[1], op[2], n)))
            n += 1
        else:
            timeline.append((made_at, i, op))
    for at, _, op in sorted(timeline):
        clock.ms = max(clock.ms, at)
        if op[0] == "write":
            _, stream, account, k = op
            body = {"event_id": f"e-{k}", "account_id": f"acct-{account}", "n": k}
            stamp = format_timestamp(1_700_000_000_000_000 + k)
            await consumer.bus.publish_event(STREAMS[stream], {"payload": json.dumps(body), "timestamp": stamp})
        elif op[0] == "fetch":
            await consumer.fetch(op[1])
        else:
            await consumer.restart()
    for _ in range(500):  # drain, the bus clock moving on
        if len(consumer.seen) == n:
            break
        clock.advance_ms(1)
        await consumer.fetch(3)
    return consumer, n


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=ops)
def test_events_written_in_time_order_come_out_in_time_order_per_account(script):
    consumer, n = asyncio.run(run(script, 0, [0]))
    assert len(consumer.seen) == n
    for order in consumer.order.values():
        assert order == sorted(order)  # the core would reject none as out of order


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=ops, lateness=st.integers(1, 5), delays=st.lists(st.integers(0, 50), min_size=1))
def test_with_a_lateness_events_up_to_it_late_still_come_out_in_time_order(script, lateness, delays):
    consumer, n = asyncio.run(run(script, lateness, delays))
    assert len(consumer.seen) == n
    for order in consumer.order.values():
        assert order == sorted(order)


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
