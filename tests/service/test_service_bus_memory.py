"""The bus path on the in-memory bus: consume, decide, commit, ack, publish; dead letters."""

from __future__ import annotations

import asyncio
import itertools
import json

from federation_ai.bus import DECISION_STREAM, InMemoryBroker, InMemoryBus, dlq_key
from federation_ai.service import build_service
from federation_ai.service.consumer_loop import validate

from .conftest import load_events, settings_for
from .helpers import clean_replay, comparable, seed_fields


def _broker() -> InMemoryBroker:
    ms = itertools.count(1_700_000_000_000)
    return InMemoryBroker(wall_clock=lambda: next(ms) / 1000)  # one millisecond per entry


async def _until(predicate, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_bus_events_are_decided_committed_and_published_in_order(tmp_path):
    events = load_events()
    bus = InMemoryBus("svc", broker=_broker())
    svc = await build_service(settings_for(tmp_path), bus=bus)
    await svc.start()
    try:
        await bus.publish_event(events[0]["event_type"], seed_fields(events[0]))
        await bus.publish_event("trade.closed", {"event_type": "trade.closed", "payload": "{nope"})
        await bus.publish_event(
            "portfolio.snapshot_updated",
            seed_fields({**events[0], "event_id": "neg", "payload": {"total_equity": -1}}),
        )
        for envelope in events[1:]:
            await bus.publish_event(envelope["event_type"], seed_fields(envelope))
        await _until(lambda: svc.pipeline.events_processed == len(events))
        await svc.relay.drain()

        expected = clean_replay(events)
        stored = [d async for d in svc.store.iter_decisions()]
        assert comparable(stored) == comparable(expected)
        published = [json.loads(f["payload"]) for _, f in await bus.read_stream(DECISION_STREAM)]
        assert [d["decision_id"] for d in published] == [
            d["decision_id"] for d in expected if d["status"] == "applied"
        ]
        assert published[0]["event_id"] == events[0]["event_id"]

        dead = await bus.read_stream(dlq_key("trade.closed"))
        assert len(dead) == 1 and "payload is not valid JSON" in dead[0][1]["reason"]
        dead = await bus.read_stream(dlq_key("portfolio.snapshot_updated"))
        assert len(dead) == 1 and "payload.total_equity" in dead[0][1]["reason"]
        assert await svc.store.get_event("default", "neg") is None
        assert await bus.pending_count() == 0
        registry = svc.metrics_registry()
        assert registry.get_sample_value("federation_dead_letters_total", {"reason": "invalid"}) == 2
    finally:
        await svc.stop()


async def test_commit_without_ack_is_redelivered_and_recognised(tmp_path):
    """A crash between commit and ack: the restarted consumer gets the messages again,
    recognises every event id, makes no second decision and acknowledges them."""
    events = load_events()
    broker = _broker()
    bus = InMemoryBus("svc", broker=broker)
    first = await build_service(settings_for(tmp_path), bus=bus)
    await first.pipeline.load()
    await bus.start()
    for envelope in events:
        await bus.publish_event(envelope["event_type"], seed_fields(envelope))
    messages = await bus.fetch(100, 0)
    async with first.pipeline.lock:  # commit, then "crash" before the ack
        await first.pipeline.run([validate(m) for m in messages])
    stored_before = [d async for d in first.store.iter_decisions()]
    await first.stop()

    restarted_bus = InMemoryBus("svc", broker=broker)
    second = await build_service(settings_for(tmp_path), bus=restarted_bus)
    await second.start()
    try:
        async with asyncio.timeout(10):
            while await restarted_bus.pending_count():
                await asyncio.sleep(0.01)
        stored_after = [d async for d in second.store.iter_decisions()]
        assert stored_after == stored_before
        assert comparable(stored_after) == comparable(clean_replay(events))
        assert second.pipeline.events_processed == 0
    finally:
        await second.stop()


async def test_decisions_left_unpublished_by_a_crash_go_out_first_and_in_order(tmp_path):
    """Committed but never published (a crash right after the commit): the restarted
    service publishes them before any newer decision, so the stream keeps commit order."""
    events = load_events()
    half = len(events) // 2
    broker = _broker()
    bus = InMemoryBus("svc", broker=broker)
    first = await build_service(settings_for(tmp_path), bus=bus)
    await first.pipeline.load()
    await bus.start()
    for envelope in events[:half]:
        await bus.publish_event(envelope["event_type"], seed_fields(envelope))
    messages = await bus.fetch(100, 0)
    async with first.pipeline.lock:  # commit, then "crash" before publishing or acking
        await first.pipeline.run([validate(m) for m in messages])
    await first.stop()
    assert await bus.read_stream(DECISION_STREAM) == []

    restarted_bus = InMemoryBus("svc", broker=broker)
    second = await build_service(settings_for(tmp_path), bus=restarted_bus)
    await second.start()
    try:
        for envelope in events[half:]:
            await restarted_bus.publish_event(envelope["event_type"], seed_fields(envelope))
        await _until(lambda: second.pipeline.events_processed == len(events) - half)
        await second.relay.drain()
        published = [json.loads(f["payload"]) for _, f in await bus.read_stream(DECISION_STREAM)]
        expected = clean_replay(events)
        assert [d["decision_id"] for d in published] == [
            d["decision_id"] for d in expected if d["status"] == "applied"
        ]
        assert await second.store.outbox_stats() == {}
    finally:
        await second.stop()
