"""Conformance with the real quantum_trader backend, on real Redis and PostgreSQL.

The producer writes what that backend writes (tests/service/quantum_trader_producer.py);
the checks read the halt keys and the policy hash the way its services do.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from federation_ai.bus import INPUT_EVENT_TYPES, RedisStreamsBus, dlq_key
from federation_ai.interop.quantum_trader import EXTRA_STREAMS
from federation_ai.service import build_service
from federation_ai.service.verify import verify
from federation_ai.settings import load_settings
from federation_ai.store import Store

from .conftest import REDIS_URL
from .quantum_trader_producer import BackendProducer

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from federation_ai.service.federation import FederationService

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
POLICY = "quantum:policy:current"
# lib/policy_store.py: PolicyStore.REQUIRED_FIELDS, written by the backend's AI policy
AI_POLICY = {
    "universe_symbols": json.dumps(["BTCUSDT"]),
    "leverage_by_symbol": json.dumps({"BTCUSDT": 3.0}),
    "harvest_params": json.dumps({}),
    "kill_params": json.dumps({}),
    "valid_until_epoch": "4102444800.0",
    "policy_version": "1.0",
}


async def governor_view(redis: Redis, ns: str) -> dict[str, Any]:
    """The halt as the backend's services read it, and the policy hash."""
    kill = await redis.get(ns + "quantum:kill")
    switch = await redis.get(ns + "quantum:global:kill_switch")
    return {
        # microservices/governor/main.py: Gate 0
        "governor_blocks": kill == "1",
        # microservices/execution/service_v2.py: int(kill_switch) if kill_switch else 0
        "execution_blocks": (int(kill) if kill else 0) == 1,
        # microservices/apply_layer/main.py: lower() in (true, 1, yes)
        "apply_layer_blocks": bool(switch) and switch.lower() in ("true", "1", "yes"),
        "governor_halt": await redis.get(ns + "quantum:governor:halt"),
        "reason": await redis.get(ns + "quantum:global:kill_switch:reason"),
        "policy": await redis.hgetall(ns + POLICY),  # lib/policy_store.py: HGETALL
    }


def profile_settings(tmp_path, pg_url: str) -> Any:
    return load_settings(
        environ={"FEDERATION_INTEROP__PROFILE": "quantum_trader"},
        overrides={"service": {"data_dir": str(tmp_path), "db_url": pg_url, "bus_url": REDIS_URL}},
    )


async def start(settings: Any, redis: Redis, namespace: str) -> tuple[FederationService, Any]:
    bus = RedisStreamsBus("federation-1", (*INPUT_EVENT_TYPES, *EXTRA_STREAMS), client=redis,
                          namespace=namespace)
    svc = await build_service(settings, bus=bus, namespace=namespace)
    await svc.start()
    return svc, bus


async def settle(svc: FederationService, bus: RedisStreamsBus, processed: int) -> None:
    """Until ``processed`` events are in and every message is handled, then relay."""
    async with asyncio.timeout(20):
        while (svc.pipeline.events_processed < processed or await bus.pending_count()
               or await bus.lag()):
            await asyncio.sleep(0.02)
    await svc.relay.drain()


class Scenario:
    """The service under test and the backend talking to it, one message at a time."""

    def __init__(self, svc: FederationService, bus: RedisStreamsBus, backend: BackendProducer):
        self.svc, self.bus, self.backend, self.sent = svc, bus, backend, 0

    async def step(self, coro: Any) -> None:
        await coro
        self.sent += 1
        await settle(self.svc, self.bus, self.sent)
        self.backend.now += timedelta(minutes=5)

    def frozen(self) -> dict[str, Any]:
        return self.svc.policy("default")["frozen"]


async def drawdown_freezes(s: Scenario, redis: Redis, ns: str) -> None:
    await s.step(s.backend.snapshot(10_000.0, 10_000.0))
    view = await governor_view(redis, ns)
    assert not view["governor_blocks"]
    assert view["policy"] == AI_POLICY  # no policy decision yet: nothing written

    await s.step(s.backend.snapshot(8_500.0, 10_000.0))  # 15 % down: freeze
    assert s.frozen()["frozen"]
    view = await governor_view(redis, ns)
    assert view["governor_blocks"] and view["execution_blocks"]
    assert view["apply_layer_blocks"]
    assert view["governor_halt"] == "1"
    freeze = [d async for d in s.svc.store.iter_decisions() if d["decision_type"] == "freeze"]
    assert f"decision {freeze[0]['decision_id']}" in view["reason"]
    assert "drawdown" in view["reason"]
    assert view["policy"]["federation_frozen"] == "true"
    assert json.loads(view["policy"]["federation_freeze_triggers"]) == s.frozen()["triggers"]
    assert view["policy"]["federation_mode"] == "EMERGENCY"
    assert {k: view["policy"][k] for k in AI_POLICY} == AI_POLICY  # theirs untouched

    await s.step(s.backend.trade_closed("BTCUSDT", 100.0, 98.0))  # a loss by its percent
    assert s.svc.pipeline.state.accounts["default"].metrics.consecutive_losses == 1


async def ess_trip_and_recovery(s: Scenario, redis: Redis, ns: str) -> None:
    s.backend.service = "risk_safety"
    await s.step(s.backend.ess_state_changed("NORMAL", "CRITICAL"))
    await s.step(s.backend.ess_tripped("daily drawdown limit"))
    assert s.svc.policy("default")["metrics"]["ess_state"] == "CRITICAL"

    s.backend.now += timedelta(days=1)  # a new day, equity back, ESS still tripped
    await s.step(s.backend.snapshot(9_800.0, 9_800.0))
    assert s.frozen()["frozen"]
    assert (await governor_view(redis, ns))["governor_blocks"]

    await s.step(s.backend.ess_state_changed("CRITICAL", "NORMAL", reset=True))  # recovery
    assert not s.frozen()["frozen"]
    view = await governor_view(redis, ns)
    assert not (view["governor_blocks"] or view["execution_blocks"] or view["apply_layer_blocks"])
    assert view["governor_halt"] is None and view["reason"] is None
    assert view["policy"]["federation_frozen"] == "false"

    await s.step(s.backend.ess_state_changed("NORMAL", "CRITICAL"))  # the ESS alone freezes
    assert s.frozen()["triggers"] == ["ess_critical"]
    view = await governor_view(redis, ns)
    assert view["governor_blocks"] and "ess_critical" in view["reason"]


async def status_shows_each_key(s: Scenario, redis: Redis, ns: str) -> None:
    await s.svc.refresh_figures()
    status = s.svc.status()["enforcement"]
    assert status["all_match"] and status["frozen"]
    assert status["keys"]["quantum:kill"] == {"value": "1", "expected": "1", "matches": True}
    await redis.delete(ns + "quantum:governor:halt")  # someone clears one by hand
    await s.svc.refresh_figures()
    status = s.svc.status()["enforcement"]
    assert not status["all_match"]
    assert not status["keys"]["quantum:governor:halt"]["matches"]


async def test_the_backend_freezes_on_drawdown_and_ess_and_recovers(
    tmp_path, redis, namespace, pg_url
):
    store = await Store.open(pg_url)
    await store.upgrade()
    await store.close()
    await redis.hset(namespace + POLICY, mapping=AI_POLICY)
    settings = profile_settings(tmp_path, pg_url)
    assert settings.interop.profile == "quantum_trader"
    svc, bus = await start(settings, redis, namespace)
    backend = BackendProducer(redis, namespace, datetime(2026, 3, 16, 9, 0), "portfolio")
    try:
        s = Scenario(svc, bus, backend)
        await drawdown_freezes(s, redis, namespace)
        await ess_trip_and_recovery(s, redis, namespace)
        await status_shows_each_key(s, redis, namespace)
        events = [e async for e in svc.store.iter_events()]
        assert len(events) == s.sent
        assert all(e["timestamp"].endswith("Z") for e in events)  # stored normalised
        assert (await verify(svc.store, svc.settings.core)).ok  # the log replays exactly
    finally:
        await svc.stop()

    # A restart reconciles the keys with the policy (the hand-cleared key comes back).
    svc, bus = await start(settings, redis, namespace)
    try:
        await svc.relay.drain()
        assert await redis.get(namespace + "quantum:governor:halt") == "1"
    finally:
        await svc.stop()


async def test_bad_backend_messages_are_dead_lettered_with_the_reason(
    tmp_path, redis, namespace, pg_url
):
    store = await Store.open(pg_url)
    await store.upgrade()
    await store.close()
    svc, bus = await start(profile_settings(tmp_path, pg_url), redis, namespace)
    backend = BackendProducer(redis, namespace, datetime(2026, 3, 16, 9, 0), "risk_safety")
    try:
        await backend.trade_closed(None, 100.0, 98.0)
        await backend.trade_closed("BTCUSDT", 100.0, 98.0, pnl_percent="n/a")
        await backend.ess_state_changed("ARMED", "MELTDOWN")
        # Wait for the three dead letters themselves: the groups' lag can read 0 while
        # Redis cannot tell it (XINFO GROUPS answers null), so "nothing pending, no lag"
        # may hold before the consumer has read the last two.
        async with asyncio.timeout(20):
            while True:
                trades = await redis.xrange(namespace + dlq_key("trade.closed"))
                ess = await redis.xrange(namespace + dlq_key("ess.state.changed"))
                if len(trades) + len(ess) >= 3 and not await bus.pending_count():
                    break
                await asyncio.sleep(0.02)
        reasons = [f["reason"] for _, f in trades] + [f["reason"] for _, f in ess]
        assert reasons == [
            "invalid event: payload.symbol: is required",
            "invalid message: pnl_percent: must be a number, got 'n/a'",
            ("invalid message: ess.state.changed: ESS state 'MELTDOWN' is not in "
            "interop.ess_states (known: ARMED, CAUTION, COOLING_DOWN, CRITICAL, DISABLED, "
            "NORMAL, TRIPPED)"),
        ]
        assert trades[0][1]["source"] == "intent_executor_main"  # the original fields kept
        assert svc.pipeline.events_processed == 0
        assert [e async for e in svc.store.iter_events()] == []
    finally:
        await svc.stop()
