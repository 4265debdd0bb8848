"""The bus path on both legs: consume, decide, commit, ack, publish; dead letters;
redelivery after a crash between commit and ack, or between commit and publish.

A crash is a service stopped while its bus port drops the acks (and refuses to
publish): the messages stay pending on the real bus, the decisions stay in the real
store, and a service started on the same backends must decide nothing twice.
"""

from __future__ import annotations

from .conftest import load_events
from .helpers import BusFaults, applied_ids, clean_replay, comparable, eventually, ids, seed_fields


def _inputs(events):
    return [(e["event_type"], seed_fields(e)) for e in events]


async def _processed(svc, count: int) -> bool:
    return svc.status()["events_processed"] >= count


async def _published(leg, count: int) -> bool:
    return len(await leg.published()) >= count


async def _stored(svc) -> list[dict]:
    return [d async for d in svc.store.iter_decisions()]


async def test_bus_events_are_decided_committed_and_published_in_order(leg, service):
    events = load_events()
    negative = {**events[0], "event_id": "neg", "payload": {"total_equity": -1}}
    await leg.produce([
        *_inputs(events[:1]),
        ("trade.closed", {"event_type": "trade.closed", "payload": "{nope"}),
        *_inputs([negative]),
        *_inputs(events[1:]),
    ])
    expected = clean_replay(events)
    await eventually(lambda: _processed(service, len(events)))
    await eventually(lambda: _published(leg, len(applied_ids(events))))

    assert comparable(await _stored(service)) == comparable(expected)
    published = await leg.published()
    assert ids(published) == applied_ids(events)
    assert published[0]["event_id"] == events[0]["event_id"]

    dead = await leg.dead_letters("trade.closed")
    assert len(dead) == 1 and "payload is not valid JSON" in dead[0]["reason"]
    dead = await leg.dead_letters("portfolio.snapshot_updated")
    assert len(dead) == 1 and "payload.total_equity" in dead[0]["reason"]
    assert await service.store.get_event("default", "neg") is None
    assert await service.bus.pending_count() == 0
    registry = service.metrics_registry()
    assert registry.get_sample_value("federation_dead_letters_total", {"reason": "invalid"}) == 2


async def test_commit_without_ack_is_redelivered_and_recognised(leg):
    """A crash between commit and ack: the restarted consumer gets the messages again,
    recognises every event id, makes no second decision and acknowledges them."""
    events = load_events()
    faults = BusFaults(leg.bus())
    faults.dropping.add("ack")
    first = await leg.build(bus=faults)
    await first.start()
    await leg.produce(_inputs(events))
    try:
        await eventually(lambda: _processed(first, len(events)))
        await eventually(lambda: _published(leg, len(applied_ids(events))))
        stored_before = await _stored(first)
    finally:
        await first.stop()
    assert await leg.bus("observer").pending_count() == len(events)  # no ack reached the bus

    second = await leg.build()
    await second.start()
    try:
        await eventually(lambda: _nothing_pending(second))
        stored_after = await _stored(second)
        assert stored_after == stored_before
        assert comparable(stored_after) == comparable(clean_replay(events))
        assert second.status()["events_processed"] == 0
    finally:
        await second.stop()
    assert ids(await leg.published()) == applied_ids(events)  # none published twice


async def test_decisions_left_unpublished_by_a_crash_go_out_first_and_in_order(leg):
    """Committed but never published (a crash right after the commit): the restarted
    service publishes them before any newer decision, so the stream keeps commit order."""
    events = load_events()
    half = len(events) // 2
    faults = BusFaults(leg.bus())
    faults.failing.add("publish_decisions")
    faults.dropping.add("ack")
    first = await leg.build(bus=faults)
    await first.start()
    await leg.produce(_inputs(events[:half]))
    try:
        await eventually(lambda: _processed(first, half))
    finally:
        await first.stop()
    assert await leg.published() == []

    second = await leg.build()
    await second.start()
    try:
        await leg.produce(_inputs(events[half:]))
        await eventually(lambda: _processed(second, len(events) - half))
        await eventually(lambda: _published(leg, len(applied_ids(events))))
        assert ids(await leg.published()) == applied_ids(events)
        await eventually(lambda: _outbox_empty(second))
        assert comparable(await _stored(second)) == comparable(clean_replay(events))
    finally:
        await second.stop()


async def _nothing_pending(svc) -> bool:
    return await svc.bus.pending_count() == 0


async def _outbox_empty(svc) -> bool:
    return await svc.store.outbox_stats() == {}
