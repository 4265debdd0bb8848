"""End to end on real services: a plain redis-py producer, the Redis bus, PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import pytest

from federation_ai.bus import DECISION_STREAM, RedisStreamsBus, dlq_key, stream_key
from federation_ai.service import SchemaNotReady, build_service
from federation_ai.service.verify import verify
from federation_ai.store import Store

from .conftest import REDIS_URL, load_events, settings_for
from .helpers import clean_replay, comparable, seed_fields

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


async def test_redis_in_postgres_redis_out(tmp_path, redis, namespace, pg_url):
    settings = settings_for(tmp_path, db_url=pg_url, bus_url="redis://unused")
    with pytest.raises(SchemaNotReady):
        await build_service(settings, bus=RedisStreamsBus("x", client=redis, namespace=namespace))
    store = await Store.open(pg_url)
    await store.upgrade()
    await store.close()

    events = load_events()
    base_ms = 1_700_000_000_000
    # Explicit entry ids, one millisecond apart (back-to-back writes that share
    # milliseconds: test_service_stream_merge.py).
    for n, envelope in enumerate(events[:3]):
        await redis.xadd(namespace + stream_key(envelope["event_type"]), seed_fields(envelope),
                         id=f"{base_ms + n}-0")
    await redis.xadd(namespace + stream_key("model.performance_updated"),
                     {"event_type": "model.performance_updated", "payload": json.dumps(
                         {"event_id": "bad", "model_name": "x", "sharpe_ratio": "high",
                          "win_rate": 0.5}), "timestamp": "2024-07-01T10:11:00Z",
                      "source": "test"}, id=f"{base_ms + 3}-0")

    bus = RedisStreamsBus("svc-1", client=redis, namespace=namespace)
    svc = await build_service(settings, bus=bus, namespace=namespace)
    await svc.start()
    try:
        for n, envelope in enumerate(events[3:], start=4):
            await redis.xadd(namespace + stream_key(envelope["event_type"]), seed_fields(envelope),
                             id=f"{base_ms + n}-0")
        async with asyncio.timeout(20):
            while svc.pipeline.events_processed < len(events) or await bus.pending_count():
                await asyncio.sleep(0.02)
        await svc.relay.drain()

        expected = clean_replay(events)
        stored = [d async for d in svc.store.iter_decisions()]
        assert comparable(stored) == comparable(expected)
        assert (await verify(svc.store, svc.settings.core)).ok

        out = await redis.xrange(namespace + DECISION_STREAM)
        published = [json.loads(fields["payload"]) for _, fields in out]
        applied = [d for d in expected if d["status"] == "applied"]
        assert [d["decision_id"] for d in published] == [d["decision_id"] for d in applied]
        first = out[0][1]
        assert first["event_type"] == "ai.federation.decision_made"
        assert first["trace_id"] == f"trace-{events[0]['event_id']}"
        assert first["correlation_id"] == events[0]["event_id"]

        dead = await redis.xrange(namespace + dlq_key("model.performance_updated"))
        assert len(dead) == 1
        assert "payload.sharpe_ratio" in dead[0][1]["reason"]
        assert await svc.store.get_event("default", "bad") is None
    finally:
        await svc.stop()


async def test_redis_adapters_write_the_seed_policy_keys(tmp_path, redis, namespace, pg_url):
    store = await Store.open(pg_url)
    await store.upgrade()
    settings = settings_for(tmp_path, db_url=pg_url)
    settings = type(settings)(
        core=settings.core, service=settings.service,
        adapters=type(settings.adapters)(
            policy_store="redis", ai_engine="redis", ess="redis", redis_url=REDIS_URL
        ),
    )
    svc = await build_service(settings, store=store, namespace=namespace)
    await svc.start()
    try:
        for envelope in load_events():
            await svc.ingest(envelope)
        await svc.relay.drain()
        current = await redis.hgetall(namespace + "quantum:policy:current")
        per_account = await redis.hgetall(namespace + "quantum:policy:default")
        assert current == per_account
        policy = svc.policy("default")
        assert current["trading_mode"] == policy["mode"]
        assert json.loads(current["risk_limits"]) == policy["risk_limits"]
        assert json.loads(current["capital_profile"]) == policy["capital_profile"]
        ess = await redis.hgetall(namespace + "quantum:ess:default")
        assert json.loads(ess["ess"]) == policy["ess"]
        ai = await redis.hgetall(namespace + "quantum:ai_engine:default")
        assert json.loads(ai["model_weights"]) == policy["model_weights"]
    finally:
        await svc.stop()
        await store.close()
