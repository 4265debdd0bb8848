"""Publishing keeps commit order through bus failures, on both legs: no newer decision
overtakes an older one still waiting to be published, and a graceful stop leaves
nothing to publish twice. Observed from outside: events in through the service's
ingest port, decisions out on the output stream, the outbox as the store has it."""

from __future__ import annotations

from federation_ai.store import Store

from .conftest import load_events
from .helpers import BusFaults, applied_ids, eventually, ids

PUBLISH = "publish_decisions"


async def test_a_newer_decision_never_overtakes_one_waiting_for_a_retry(leg):
    events = load_events()
    thirds = len(events) // 3
    faults = BusFaults(leg.bus())
    svc = await leg.build(bus=faults)
    await svc.start()
    try:
        faults.failing.add(PUBLISH)
        for envelope in events[:thirds]:
            await svc.ingest(envelope)
        await eventually(lambda: _tried(faults, 1))
        for envelope in events[thirds : 2 * thirds]:
            await svc.ingest(envelope)  # committed while the older ones wait for a retry
        tried = faults.refused[PUBLISH]
        await eventually(lambda: _tried(faults, tried + 2))  # retried with both in the outbox
        assert await leg.published() == []
        faults.failing.clear()
        for envelope in events[2 * thirds :]:
            await svc.ingest(envelope)  # the bus is back: these may take the fast way out

        expected = applied_ids(events)
        await eventually(lambda: _published(leg, len(expected)))
        assert ids(await leg.published()) == expected
        await eventually(lambda: _outbox_empty(svc.store))
    finally:
        await svc.stop()
    assert ids(await leg.published()) == expected  # the stop published nothing again


async def test_a_graceful_stop_leaves_no_published_decision_to_publish_again(leg):
    events = load_events()[:5]
    svc = await leg.build()
    await svc.start()
    for envelope in events:
        await svc.ingest(envelope)
    expected = applied_ids(events)
    await eventually(lambda: _published(leg, len(expected)))
    await svc.stop()
    async with await Store.open(leg.db_url) as store:
        assert await store.outbox_stats() == {}
    assert ids(await leg.published()) == expected


async def _tried(faults: BusFaults, times: int) -> bool:
    return faults.refused.get(PUBLISH, 0) >= times


async def _published(leg, count: int) -> bool:
    return len(await leg.published()) >= count


async def _outbox_empty(store) -> bool:
    return await store.outbox_stats() == {}
