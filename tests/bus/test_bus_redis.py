"""Redis-only: interoperability with plain redis-py producers and operators."""

from __future__ import annotations

import asyncio
import json

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout
from sqlalchemy.engine import make_url
from tests.bus.conftest import REDIS_URL
from tests.bus.test_bus_contract import decision
from tests.service.tcp_proxy import TcpProxy

from federation_ai.bus import (
    DECISION_STREAM,
    RedisStreamsBus,
    envelope_to_event_dict,
    group_name,
    stream_key,
)

pytestmark = pytest.mark.redis

SNAP = "portfolio.snapshot_updated"


async def test_message_written_by_a_plain_client_in_the_seed_envelope_is_consumed(
    redis_backend, drain
):
    redis = redis_backend.redis
    key = redis_backend.namespace + stream_key(SNAP)
    # the group already exists, as when another deployment created it
    await redis.xgroup_create(key, group_name(SNAP), id="0", mkstream=True)
    payload = {"event_id": "e-000123", "total_equity": 10_500.0, "cash_balance": 2_000.0}
    msg_id = await redis.xadd(
        key,
        {
            "event_type": SNAP,
            "payload": json.dumps(payload),
            "trace_id": "trace-1",
            "correlation_id": "corr-1",
            "timestamp": "2024-03-01T12:00:05Z",
            "source": "quantum-trader",
        },
    )
    bus = await redis_backend.started("c1")
    (msg,) = await drain(bus, lambda seen: len(seen) >= 1)
    assert (msg.event_type, msg.message_id, msg.deliveries) == (SNAP, msg_id, 1)
    event = envelope_to_event_dict(msg)
    assert event["event_id"] == "e-000123"
    assert event["account_id"] == "default"
    assert event["timestamp"] == "2024-03-01T12:00:05Z"
    assert event["payload"] == {"total_equity": 10_500.0, "cash_balance": 2_000.0}
    assert event["source"] == "quantum-trader"
    await bus.ack([msg])
    pending = await redis.xpending(key, group_name(SNAP))
    assert pending["pending"] == 0


async def test_a_deleted_stream_is_recreated_and_consumption_resumes(redis_backend, drain):
    bus = await redis_backend.started("c1")
    key = redis_backend.namespace + stream_key(SNAP)
    await redis_backend.redis.delete(key)
    assert await bus.fetch(block_ms=0) == []  # NOGROUP: groups are recreated
    msg_id = await bus.publish_event(SNAP, {"payload": "{}"})
    got = await drain(bus, lambda seen: len(seen) >= 1)
    assert [m.message_id for m in got] == [msg_id]


async def test_a_pending_entry_trimmed_from_the_stream_is_dropped(redis_backend, drain):
    bus = await redis_backend.started("dead", claim_idle_ms=50)
    key = redis_backend.namespace + stream_key(SNAP)
    gone = await bus.publish_event(SNAP, {"payload": "{}"})
    await drain(bus, lambda seen: len(seen) >= 1)
    await redis_backend.redis.xdel(key, gone)
    kept = await bus.publish_event(SNAP, {"payload": "{}"})
    other = await redis_backend.started("c2", claim_idle_ms=50)
    got = await drain(other, lambda seen: any(m.message_id == kept for m in seen))
    assert gone not in [m.message_id for m in got]
    assert await other.pending_count() <= 1


async def test_refreshing_a_held_entry_keeps_owner_and_delivery_count(redis_backend):
    bus = await redis_backend.started("c1")
    msg_id = await bus.publish_event(SNAP, {"payload": "{}"})
    assert len(await bus.fetch(block_ms=0)) == 1
    await bus._refresh(SNAP, [msg_id])
    key = redis_backend.namespace + stream_key(SNAP)
    (row,) = await redis_backend.redis.xpending_range(key, group_name(SNAP), "-", "+", 10)
    assert (row["consumer"], row["times_delivered"]) == ("c1", 1)


async def test_reading_and_publishing_survive_a_redis_that_lost_its_scripts(
    redis_backend, drain
):
    """Reads and publishes run server-side scripts by SHA; a flushed cache reloads them."""
    bus = await redis_backend.started("c1")
    await redis_backend.redis.script_flush()
    msg_id = await bus.publish_event(SNAP, {"payload": "{}"})
    assert [m.message_id for m in await drain(bus, lambda seen: len(seen) >= 1)] == [msg_id]
    await redis_backend.redis.script_flush()
    assert await bus.publish_decisions([decision(1), decision(2)]) == 2
    assert await bus.publish_decisions([decision(2)]) == 0  # loaded once, still idempotent
    entries = await bus.read_stream(DECISION_STREAM)
    assert [json.loads(f["payload"])["decision_id"] for _, f in entries] == ["dec-1", "dec-2"]


async def test_a_message_that_is_not_utf8_is_delivered_instead_of_blocking_the_stream(
    redis_backend, drain
):
    """Built from a URL (as the service builds it), the bus decodes what it cannot as
    U+FFFD: the message can be dead-lettered and the messages behind it are read."""
    bus = RedisStreamsBus("c1", client=REDIS_URL, namespace=redis_backend.namespace)
    redis_backend.buses.append(bus)
    await bus.start()
    raw = Redis.from_url(REDIS_URL)
    try:
        await raw.xadd(redis_backend.namespace + stream_key(SNAP), {b"payload": b"\xff\xfe{}"})
    finally:
        await raw.aclose()
    after = await bus.publish_event(SNAP, {"payload": "{}"})
    got = await drain(bus, lambda seen: len(seen) >= 2)
    assert got[0].fields["payload"] == "\ufffd\ufffd{}"
    assert got[1].message_id == after
    await bus.dead_letter(got[0], "invalid message: payload is not valid JSON")
    await bus.ack(got[1:])
    assert await bus.pending_count() == 0


async def _add(redis, key: str, n: int) -> list[str]:
    return [await redis.xadd(key, {"event_type": SNAP, "payload": json.dumps(
        {"event_id": f"e-{n}-{i}", "total_equity": 1.0})}) for i in range(3)]


async def test_entries_a_read_delivered_while_its_reply_was_lost_come_back_first(redis_backend):
    """A read that timed out may still run later (the request was in flight): its entries
    are then pending under this consumer, unseen. The next read returns them before
    anything newer, so nothing waits for the claim time and nothing overtakes them."""
    redis = redis_backend.redis
    key = redis_backend.namespace + stream_key(SNAP)
    bus = await redis_backend.started("c1", event_types=[SNAP])
    first = await _add(redis, key, 1)
    assert [m.message_id for m in await bus.fetch(block_ms=0)] == first
    lost = await _add(redis, key, 2)
    # the stale request runs now, as this consumer; its reply goes nowhere
    await redis.xreadgroup(group_name(SNAP), "c1", {key: ">"}, count=10)
    newer = await _add(redis, key, 3)
    got = [m.message_id for m in await bus.fetch(block_ms=0, ack=[])]
    assert got == lost + newer


async def test_acknowledgements_of_a_failed_read_go_with_the_next_one(redis_backend):
    """A read that fails may not have run: the acknowledgements riding along are sent
    again with the next read instead of leaving the entries pending for the claim time."""
    redis = redis_backend.redis
    key = redis_backend.namespace + stream_key(SNAP)
    bus = await redis_backend.started("c1", event_types=[SNAP])
    await _add(redis, key, 1)
    first = await bus.fetch(block_ms=0)
    assert len(first) == 3

    async def broken(*_args, **_kw):
        raise ConnectionError("connection reset")

    real, bus._read_new = bus._read_new, broken
    with pytest.raises(ConnectionError):
        await bus.fetch(block_ms=0, ack=first)
    bus._read_new = real
    later = await _add(redis, key, 2)
    assert [m.message_id for m in await bus.fetch(block_ms=0)] == later
    pending = await redis.xpending(key, group_name(SNAP))
    assert pending["pending"] == len(later)  # the first three were acknowledged


async def test_a_hung_redis_connection_becomes_an_error(redis_backend):
    """Every command is bounded by the socket timeout and tried once: a connection that
    stops answering fails fast instead of waiting (or resending) without end."""
    url = make_url(REDIS_URL.replace("redis://", "postgresql://"))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 6379)
    port = await proxy.start()
    bus = RedisStreamsBus("c1", client=f"redis://127.0.0.1:{port}/{url.database or 0}",
                          namespace=redis_backend.namespace, event_types=[SNAP],
                          socket_timeout_s=0.3, connect_timeout_s=0.3)
    try:
        await bus.start()
        await bus.ping()
        proxy.pause()
        for call in (bus.ping, lambda: bus.fetch(block_ms=0), bus.pending_count):
            async with asyncio.timeout(5):  # the test's guard, far above the bound
                with pytest.raises(RedisTimeout):
                    await call()
        proxy.resume()
        await bus.ping()
        await proxy.kill()
        async with asyncio.timeout(5):
            with pytest.raises(RedisConnectionError):
                await bus.fetch(block_ms=0)
    finally:
        await bus.close()
        await proxy.close()


async def test_order_holds_through_a_connection_that_hung(redis_backend):
    """Reads time out while the connection hangs; when it flows again the stale reads run
    after all. Every entry still arrives once, and in entry-id order across streams."""
    redis = redis_backend.redis
    types = [SNAP, "trade.closed", "system.health_updated"]
    url = make_url(REDIS_URL.replace("redis://", "postgresql://"))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 6379)
    port = await proxy.start()
    bus = RedisStreamsBus("c1", client=f"redis://127.0.0.1:{port}/{url.database or 0}",
                          namespace=redis_backend.namespace, event_types=types,
                          socket_timeout_s=0.3, connect_timeout_s=0.3)
    sent: list[str] = []
    got: list[str] = []
    acks: list = []

    async def produce(k: int) -> None:
        for _ in range(k):
            n = len(sent)
            et = types[1] if n % 7 == 0 else types[n % 3]
            sent.append(await redis.xadd(redis_backend.namespace + stream_key(et), {
                "event_type": et, "payload": json.dumps({"event_id": f"e{n}"})},
                id=f"{1000 + n}-0"))

    async def fetch() -> None:
        nonlocal acks
        try:
            acks = await bus.fetch(max_count=20, block_ms=0, ack=acks)
        except RedisTimeout:
            acks = []
        got.extend(m.message_id for m in acks)

    try:
        await bus.start()
        await produce(50)
        await fetch()
        proxy.pause()
        for k in (50, 30, 0):
            await produce(k)
            await fetch()
        proxy.resume()
        for _ in range(40):
            await produce(3)
            await fetch()
    finally:
        await bus.close()
        await proxy.close()
    assert got == sent
