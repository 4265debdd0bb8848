"""Redis-only: interoperability with plain redis-py producers and operators."""

from __future__ import annotations

import json

import pytest
from tests.bus.test_bus_contract import decision

from federation_ai.bus import DECISION_STREAM, envelope_to_event_dict, group_name, stream_key

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


async def test_after_a_failed_read_the_consumer_takes_back_what_it_held(redis_backend):
    """A read that fails resets the read-ahead: held entries and anything the failed read
    delivered come back from this consumer's pending list, in order, before new ones."""
    redis = redis_backend.redis
    key = redis_backend.namespace + stream_key(SNAP)
    bus = await redis_backend.started("c1", event_types=[SNAP])
    first = await _add(redis, key, 1)
    assert [m.message_id for m in await bus.fetch(block_ms=0)] == first

    async def broken(*_args, **_kw):
        raise ConnectionError("connection reset")

    real, bus._read_new = bus._read_new, broken
    with pytest.raises(ConnectionError):
        await bus.fetch(block_ms=0)
    bus._read_new = real
    # not acknowledged: the first entries come back first (a redelivery), then new ones
    later = await _add(redis, key, 2)
    got = [m.message_id for m in await bus.fetch(block_ms=0)]
    assert got == first
    assert [m.message_id for m in await bus.fetch(block_ms=0)] == later
