"""The stale-data watchdog: stale after the configured time, degrade demotes and restores,
and a replay of the stored event log gives the same decisions."""

from __future__ import annotations

import pytest
from prometheus_client import generate_latest

from federation_ai.core.core_config import ConfigError
from federation_ai.core.micros import US_PER_SECOND, format_timestamp, parse_timestamp
from federation_ai.service import build_service
from federation_ai.settings import load_settings

from .helpers import clean_replay, comparable

T0 = parse_timestamp("2024-01-01T10:00:00Z")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += round(seconds * US_PER_SECOND)


def settings(tmp_path, on_stale: str = "report"):
    return load_settings(
        environ={},
        overrides={
            "service": {"data_dir": str(tmp_path)},
            "watchdog": {"stale_after_s": 60.0, "on_stale": on_stale, "check_every_s": 3600.0},
        },
    )


def snap(clock: Clock, n: int, equity: float = 10_000.0) -> dict:
    return {"event_type": "portfolio.snapshot_updated", "event_id": f"s{n}", "account_id": "acc",
            "timestamp": format_timestamp(clock.now), "payload": {"total_equity": equity}}  # fmt: skip


@pytest.fixture
def clock():
    return Clock()


async def test_an_account_is_stale_after_the_configured_time(tmp_path, clock):
    svc = await build_service(settings(tmp_path), clock=clock)
    await svc.start()
    try:
        await svc.ingest(snap(clock, 1))
        assert await svc.watchdog.check() == []
        clock.advance(60)
        assert await svc.watchdog.check() == []  # exactly the limit: not yet
        assert svc.health_summary()["status"] == "ok"
        clock.advance(1)
        assert await svc.watchdog.check() == ["acc"]
        health = svc.health_summary()
        assert health["status"] == "degraded"
        assert (health["stale_accounts"], health["input_stale"]) == (["acc"], True)
        assert svc.status()["watchdog"]["stale_accounts"] == ["acc"]
        text = generate_latest(svc.metrics_registry()).decode()
        assert "federation_stale_accounts 1.0" in text
        assert "federation_input_stale 1.0" in text
        assert svc.policy("acc")["mode"] == "LIVE"  # report only: no event written
        await svc.ingest(snap(clock, 2))
        assert await svc.watchdog.check() == []
        assert svc.health_summary()["status"] == "ok"
    finally:
        await svc.stop()


async def test_degrade_demotes_restores_and_replays_the_same(tmp_path, clock):
    svc = await build_service(settings(tmp_path, "degrade"), clock=clock)
    await svc.start()
    try:
        await svc.ingest(snap(clock, 1))
        await svc.watchdog.check()
        clock.advance(61)
        assert await svc.watchdog.check() == ["acc"]
        assert svc.policy("acc")["mode"] == "SHADOW"  # the CEO's DEGRADED rule
        clock.advance(10)
        await svc.watchdog.check()  # still stale: no second event
        await svc.ingest(snap(clock, 2))
        assert await svc.watchdog.check() == []
        assert svc.policy("acc")["mode"] == "LIVE"
        logged = [e async for e in svc.store.iter_events()]
        health = [e for e in logged if e["event_type"] == "system.health_updated"]
        assert [e["payload"]["overall_status"] for e in health] == ["DEGRADED", "HEALTHY"]
        assert all(e["source"] == "federation-watchdog" for e in health)
        assert health[0]["payload"]["active_alerts"] == ["stale_data"]
        stored = [d async for d in svc.store.iter_decisions()]
        assert comparable(stored) == comparable(clean_replay(logged))
    finally:
        await svc.stop()


async def test_health_route_reports_degraded(tmp_path, clock):
    from httpx import ASGITransport, AsyncClient  # noqa: PLC0415

    from federation_ai.api import create_app  # noqa: PLC0415

    svc = await build_service(settings(tmp_path), clock=clock)
    await svc.start()
    try:
        await svc.ingest(snap(clock, 1))
        await svc.watchdog.check()
        clock.advance(61)
        await svc.watchdog.check()
        async with AsyncClient(transport=ASGITransport(create_app(svc)), base_url="http://t") as c:
            r = await c.get("/health")
        assert r.status_code == 200
        assert r.json()["status"] == "degraded"
        assert r.json()["stale_accounts"] == ["acc"]
    finally:
        await svc.stop()


@pytest.mark.parametrize(
    ("key", "value"), [("stale_after_s", 0), ("on_stale", "panic"), ("check_every_s", -1)]
)
def test_bad_watchdog_settings_are_named(key, value):
    with pytest.raises(ConfigError) as info:
        load_settings(environ={}, overrides={"watchdog": {key: value}})
    assert info.value.key == f"watchdog.{key}"
