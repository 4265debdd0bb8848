"""The bus goes away (an in-process bus switched off): figures marked stale with their
age, errors stamped and cleared, the log backs off, retries stay short."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from structlog.testing import capture_logs

from federation_ai.service import build_service
from federation_ai.service.health import Dependency, Operation

from .conftest import load_events, settings_for
from .helpers import SwitchableBus, eventually


@pytest.fixture
async def bus_service(tmp_path):
    bus = SwitchableBus("svc")
    svc = await build_service(settings_for(tmp_path, health_probe_s=0.05), bus=bus)
    yield svc, bus
    await svc.stop()


async def _committed_then_bus_down(bus_service):
    """Five events committed over HTTP (no background tasks), then the bus goes away."""
    svc, bus = bus_service
    await svc.pipeline.load()
    for envelope in load_events()[:5]:
        await svc.ingest(envelope)
    bus.down = True
    return svc, bus


async def test_bus_figures_are_marked_stale_with_their_age_during_an_outage(bus_service):
    svc, bus = bus_service
    await svc.refresh_figures()
    fresh = svc.status()["bus"]
    assert fresh["stale"] is False
    assert fresh["as_of"]
    assert fresh["age_s"] >= 0
    bus.down = True
    await asyncio.sleep(0.05)
    await svc.refresh_figures()
    stale = svc.status()["bus"]
    assert (stale["lag"], stale["pending"]) == (fresh["lag"], fresh["pending"])  # last known
    assert stale["stale"] is True
    assert stale["as_of"] == fresh["as_of"]
    assert stale["age_s"] > fresh["age_s"]
    bus.down = False
    await svc.refresh_figures()
    assert svc.status()["bus"]["stale"] is False


async def test_health_and_errors_follow_the_bus_and_recover_at_once(bus_service):
    svc, bus = bus_service
    await svc.start()
    assert svc.health_summary()["status"] == "ok"
    with capture_logs() as logs:
        bus.down = True
        await eventually(lambda: svc.health_summary()["status"] == "degraded", "degraded")
        await asyncio.sleep(1.0)  # the consumer, the relay and the probe keep trying
        error = svc.status()["bus"]["last_error"]
        assert error["error"].startswith("ConnectionError: Error 111")
        assert error["at"]
        assert "bus: consume failing (unreachable)" in " ".join(svc.health_summary()["reasons"])
        bus.down = False
        await eventually(lambda: svc.health_summary()["status"] == "ok", "ok again")
    assert svc.status()["bus"]["last_error"] is None
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert [e["event"] for e in warnings] == ["dependency_failing"], warnings
    assert [e["event"] for e in logs if e["log_level"] == "info"] == ["dependency_recovered"]


async def test_the_relay_does_not_log_every_failed_round(bus_service):
    svc, bus = await _committed_then_bus_down(bus_service)
    with capture_logs() as logs:
        await svc.publisher.flush()
        for _ in range(30):  # three seconds of relay rounds
            await svc.relay.relay_once()
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert len(warnings) == 1, [e["event"] for e in warnings]
    assert svc.status()["outbox"]["publish_error"]["at"]
    bus.down = False
    later = datetime.now(UTC) + timedelta(seconds=5)
    svc.relay.clock = lambda: later  # the oldest row's retry is due
    await svc.relay.drain()
    assert svc.status()["outbox"]["publish_error"] is None


async def test_the_consumer_never_waits_longer_than_retry_max_s(tmp_path):
    bus = SwitchableBus("svc")
    svc = await build_service(settings_for(tmp_path, retry_max_s=0.3), bus=bus)
    waits: list[float] = []
    real = svc.health.recovery

    async def recorded(within_s: float, since: float = float("inf")) -> None:
        waits.append(within_s)
        await real(within_s=0.01, since=since)

    svc.health.recovery = recorded  # type: ignore[method-assign]
    bus.down = True
    await svc.start()
    try:
        await eventually(lambda: len(waits) >= 12, "retries")
    finally:
        await svc.stop()
    assert max(waits) == pytest.approx(0.3)
    assert waits == sorted(waits)  # a short backoff first, then capped


async def test_publishing_resumes_as_soon_as_the_bus_answers_again(bus_service):
    svc, bus = await _committed_then_bus_down(bus_service)
    await svc.publisher.flush()
    past_grace = datetime.now(UTC) + timedelta(seconds=3)
    svc.relay.clock = lambda: past_grace
    await svc.relay.relay_once()  # fails: the oldest row backs off
    assert svc.relay.publish_error is not None
    bus.down = False
    assert await svc.relay.relay_once() is False  # backing off, and nothing says the bus is back
    async with svc.health.watch(Dependency.BUS, Operation.PROBE, probe=True):
        await bus.ping()  # the health probe gets an answer
    assert await svc.relay.relay_once() is True  # published at once, not after the backoff
    assert svc.relay.publish_error is None
