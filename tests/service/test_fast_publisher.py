"""The fast path keeps commit order across writers: a reservation is published only
after every earlier one, and a writer that gives up its turn hands over to the relay."""

from __future__ import annotations

import asyncio
import json

from federation_ai.bus import DECISION_STREAM, InMemoryBus
from federation_ai.service.fast_publisher import FastPublisher, PublishStatus
from federation_ai.service.health import HealthBoard
from federation_ai.service.pipeline import Committed
from federation_ai.service.prometheus_metrics import ServiceMetrics


def _decision(n: int) -> dict:
    return {
        "decision_id": f"dec-{n}",
        "event_id": f"ev-{n}",
        "account_id": "a",
        "decision_type": "mode_change",
        "role_source": "operator",
        "status": "applied",
        "payload": {"n": n},
        "timestamp": "2024-06-01T00:00:00Z",
    }


class OnePerCommit:
    """Stands in for the pipeline: each commit leaves one decision to publish."""

    def __init__(self) -> None:
        self.n = 0
        self.published: list[list[str]] = []

    async def run(self, events, published=()):
        self.published.append(list(published))
        self.n += 1
        return Committed([], [_decision(self.n)])


async def _on_stream(bus: InMemoryBus) -> list[str]:
    return [json.loads(f["payload"])["decision_id"] for _, f in await bus.read_stream(DECISION_STREAM)]


async def _publisher() -> tuple[InMemoryBus, FastPublisher, OnePerCommit]:
    bus = InMemoryBus("svc")
    await bus.start()
    return bus, FastPublisher(bus, ServiceMetrics(), PublishStatus(HealthBoard())), OnePerCommit()


async def test_a_later_commit_waits_for_the_earlier_ones_turn():
    bus, fast, pipeline = await _publisher()
    _, first = await fast.commit(pipeline, [])  # the consumer's: published with its next read
    _, second = await fast.commit(pipeline, [])  # the HTTP path's
    fast.publish_later(second)
    flushing = asyncio.create_task(fast.flush())
    await asyncio.sleep(0.05)
    assert await _on_stream(bus) == []  # the second waits for the first
    async with fast.turn(first) as decisions:
        fetched = await bus.publish_and_fetch(decisions, block_ms=0)
    fast.published(decisions, fetched.published)
    await asyncio.wait_for(flushing, 1)
    assert await _on_stream(bus) == ["dec-1", "dec-2"]
    await fast.commit(pipeline, [])  # the next commit is told what is on the stream
    assert pipeline.published[-1] == ["dec-1", "dec-2"]


async def test_a_turn_given_up_hands_over_to_the_relay_and_is_not_taken_twice():
    bus, fast, pipeline = await _publisher()
    _, first = await fast.commit(pipeline, [])
    _, second = await fast.commit(pipeline, [])

    async def publish_second() -> None:
        async with fast.turn(second) as decisions:
            await bus.publish_decisions(decisions)

    waiting = asyncio.create_task(publish_second())
    await asyncio.sleep(0.01)
    waiting.cancel()  # gave up while waiting for its turn: in doubt
    await asyncio.gather(waiting, return_exceptions=True)
    assert not fast.on  # the relay publishes from the store, in order
    async with fast.turn(first) as decisions:
        assert decisions == []  # made before the hand-over: nothing from memory
    async with asyncio.timeout(1):
        async with fast.turn(second) as decisions:  # its turn is over: no wait
            assert decisions == []
    _, third = await fast.commit(pipeline, [])
    assert third.decisions == []  # while off, commits reserve nothing
    assert await _on_stream(bus) == []
