"""``serve --demo`` runs the service on the feed's compressed time, so the future-time rule
of live ingest holds for the demo too: none of its events is ahead of the service."""

from __future__ import annotations

import asyncio
import itertools

from federation_ai.bus import InMemoryBroker, InMemoryBus
from federation_ai.service import build_service
from federation_ai.service.demo import DemoClock, run_demo

from .conftest import settings_for


class Ticking:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_demo_clock_follows_the_wall_clock_then_runs_at_the_feed_pace():
    mono = Ticking()
    clock = DemoClock(speed=600.0, wall_us=lambda: 1_000_000_000, monotonic=mono)
    mono.now += 2.0
    assert clock() == 1_000_000_000 + 2_000_000
    clock.start(5_000_000_000)
    assert clock() == 5_000_000_000
    mono.now += 1.5
    assert clock() == 5_000_000_000 + 900_000_000  # 1.5 s at 600x: 15 minutes


async def test_a_demo_feed_on_its_clock_is_never_refused_as_future(tmp_path):
    ms = itertools.count(1_900_000_000_000)
    bus = InMemoryBus("svc", broker=InMemoryBroker(wall_clock=lambda: next(ms) / 1000))
    tick_s = 0.01  # 10 event-minutes per tick: 60,000x
    clock = DemoClock(speed=600 / tick_s)
    svc = await build_service(settings_for(tmp_path), bus=bus, clock=clock)
    await svc.start()
    try:
        start = clock()  # now, as `serve --demo` starts: the feed soon runs hours ahead of it
        clock.start(start)
        published = await run_demo(bus, start, tick_s=tick_s, ticks=40)
        async with asyncio.timeout(20):
            while await bus.pending_count() or svc.pipeline.events_processed < published:
                dead = svc.metrics_registry().get_sample_value(
                    "federation_dead_letters_total", {"reason": "future"})
                assert not dead
                await asyncio.sleep(0.01)
        assert svc.pipeline.events_processed == published
    finally:
        await svc.stop()
