"""Publishing keeps commit order through bus failures: the relay never lets a newer
decision overtake an older one that is still waiting to be published."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from federation_ai.bus import DECISION_STREAM, InMemoryBus
from federation_ai.service import build_service

from .conftest import load_events, settings_for
from .helpers import clean_replay


class FlakyBus(InMemoryBus):
    """An in-memory bus whose publishing can be switched off, as if Redis were down."""

    down = False

    async def publish_decisions(self, decisions):
        if self.down:
            raise ConnectionError("bus unreachable")
        return await super().publish_decisions(decisions)


def _ids(decisions) -> list[str]:
    return [d["decision_id"] for d in decisions]


async def test_a_newer_decision_never_overtakes_one_waiting_for_a_retry(tmp_path):
    events = load_events()
    thirds = len(events) // 3
    bus = FlakyBus("svc")
    svc = await build_service(settings_for(tmp_path), bus=bus)
    await svc.pipeline.load()  # driven by hand: no background tasks, no wall-clock races
    await bus.start()
    relay = svc.relay
    start = datetime.now(UTC)
    try:
        bus.down = True
        for envelope in events[:thirds]:
            await svc.ingest(envelope)
        await svc.publisher.flush()  # fails: the fast path stops until the relay caught up
        assert relay.publish_error == "ConnectionError: bus unreachable"

        relay.clock = lambda: start + timedelta(seconds=10)
        await relay.relay_once()  # the oldest row fails again and backs off (at most 0.5 s)
        for envelope in events[thirds : 2 * thirds]:
            await svc.ingest(envelope)  # committed while the fast path is off
        await svc.publisher.flush()
        bus.down = False

        # the newer rows are due, the older ones are still backing off: nothing moves
        relay.clock = lambda: start + timedelta(seconds=10.25)
        assert await relay.relay_once() is False
        assert await bus.read_stream(DECISION_STREAM) == []

        relay.clock = lambda: start + timedelta(seconds=20)
        await relay.drain()
        assert relay.publish_error is None
        await relay.relay_once()  # caught up: the fast path is back
        for envelope in events[2 * thirds :]:
            await svc.ingest(envelope)
        await svc.publisher.flush()

        published = [json.loads(f["payload"]) for _, f in await bus.read_stream(DECISION_STREAM)]
        applied = [d for d in clean_replay(events) if d["status"] == "applied"]
        assert _ids(published) == _ids(applied)
        await relay.relay_once()
        assert await svc.store.pending_outbox("publish") == []
    finally:
        await svc.stop()


async def test_a_graceful_stop_leaves_no_published_decision_to_publish_again(tmp_path):
    bus = InMemoryBus("svc")
    svc = await build_service(settings_for(tmp_path), bus=bus)
    await svc.pipeline.load()
    await bus.start()
    for envelope in load_events()[:5]:
        await svc.ingest(envelope)
    await svc.publisher.flush()
    assert await svc.store.pending_outbox("publish") != []  # published, rows not yet gone
    await svc.relay.stop()
    assert await svc.store.pending_outbox("publish") == []
    await svc.stop()
