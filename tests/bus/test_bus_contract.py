"""Behaviour every EventBus backend must show (run against memory and Redis)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from federation_ai.bus import (
    DECISION_STREAM,
    EventBus,
    dlq_key,
    envelope_to_event_dict,
)

TRADE = "trade.closed"
SNAP = "portfolio.snapshot_updated"


def seed_fields(event_type: str, payload: dict[str, Any], **extra: str) -> dict[str, str]:
    return {
        "event_type": event_type,
        "payload": json.dumps(payload),
        "trace_id": "t-1",
        "correlation_id": "c-1",
        "source": "test",
        **extra,
    }


def decision(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "decision_id": f"dec-{n}",
        "event_id": f"e-{n}",
        "account_id": "default",
        "decision_type": "mode_change",
        "role_source": "ceo",
        "priority": 2,
        "timestamp": "2024-03-01T12:00:05Z",
        "reason": "test",
        "payload": {"mode": "SHADOW", "previous_mode": "LIVE", "duration_minutes": None},
        "status": "applied",
        "config_digest": "sha256:abc",
        **extra,
    }


async def test_both_backends_satisfy_the_protocol(bus):
    assert isinstance(bus, EventBus)


async def test_fetch_keeps_publish_order_within_each_stream(bus, drain):
    published: dict[str, list[str]] = {TRADE: [], SNAP: []}
    for i in range(6):
        event_type = TRADE if i % 3 else SNAP
        published[event_type].append(
            await bus.publish_event(event_type, seed_fields(event_type, {"n": i}))
        )
    got = await drain(bus, lambda seen: len(seen) >= 6)
    assert len(got) == 6
    for event_type, ids in published.items():
        assert [m.message_id for m in got if m.event_type == event_type] == ids
    assert all(m.deliveries == 1 for m in got)
    first_snap = next(m for m in got if m.event_type == SNAP)
    assert json.loads(first_snap.fields["payload"]) == {"n": 0}
    assert await bus.fetch(block_ms=0) == []


async def test_batches_respect_max_count_and_arrival_order_across_streams(bus, drain):
    order = [SNAP, TRADE, SNAP, TRADE, SNAP]
    ids = []
    for i, event_type in enumerate(order):
        ids.append(await bus.publish_event(event_type, seed_fields(event_type, {"n": i})))
        await asyncio.sleep(0.002)  # distinct entry-id milliseconds across the two streams
    batches = []
    while sum(len(b) for b in batches) < len(ids):
        batch = await bus.fetch(max_count=2, block_ms=20)
        assert len(batch) <= 2
        batches.append(batch)
        assert len(batches) < 50
    assert [m.message_id for b in batches for m in b] == ids
    assert [m.event_type for b in batches for m in b] == order


async def test_ack_removes_messages_from_pending(bus, drain):
    for i in range(3):
        await bus.publish_event(TRADE, seed_fields(TRADE, {"n": i}))
    assert await bus.lag() == 3
    got = await drain(bus, lambda seen: len(seen) >= 3)
    assert await bus.pending_count() == 3
    assert await bus.lag() == 0
    await bus.ack(got[:2])
    assert await bus.pending_count() == 1
    await bus.ack(got[2:])
    await bus.ack(got)  # acking twice is harmless
    assert await bus.pending_count() == 0


async def test_fetch_acknowledges_the_last_batch_on_its_way(bus, drain):
    for i in range(2):
        await bus.publish_event(TRADE, seed_fields(TRADE, {"n": i}))
        await bus.publish_event(SNAP, seed_fields(SNAP, {"n": i}))
    got = await drain(bus, lambda seen: len(seen) >= 4)
    assert await bus.pending_count() == 4
    await bus.publish_event(TRADE, seed_fields(TRADE, {"n": 2}))
    (new,) = await bus.fetch(block_ms=0, ack=got[:3])  # acknowledged, then read
    assert await bus.pending_count() == 2
    assert await bus.fetch(block_ms=0, ack=[got[3], new]) == []
    assert await bus.pending_count() == 0


async def _published_ids(bus) -> list[str]:
    return [json.loads(f["payload"])["decision_id"] for _, f in await bus.read_stream(DECISION_STREAM)]


async def test_fetch_publishes_decisions_with_the_read_once_each(bus, drain):
    await bus.publish_event(TRADE, seed_fields(TRADE, {"n": 0}))
    got = await drain(bus, lambda seen: len(seen) >= 1)
    await bus.publish_event(SNAP, seed_fields(SNAP, {"n": 1}))
    out = [decision(1), decision(2), decision(1)]
    fetched = await bus.publish_and_fetch(out, block_ms=0, ack=got)  # ack, publish, then read
    (new,) = fetched.messages
    assert new.event_type == SNAP
    assert fetched.published == 2
    assert await _published_ids(bus) == ["dec-1", "dec-2"]
    again = await bus.publish_and_fetch([decision(2), decision(3)], block_ms=0, ack=[new])
    assert again.messages == []
    assert again.published == 1  # dec-2 was already on the stream
    assert await _published_ids(bus) == ["dec-1", "dec-2", "dec-3"]
    assert await bus.pending_count() == 0


async def test_fetch_publishes_even_when_it_reads_no_new_entries(backend):
    before = await backend.started("worker", claim_idle_ms=60_000)
    await before.publish_event(TRADE, seed_fields(TRADE, {"n": 0}))
    assert len(await before.fetch(block_ms=0)) == 1
    await before.close()
    after = await backend.started("worker", claim_idle_ms=60_000)  # recovery path first
    fetched = await after.publish_and_fetch([decision(4)], block_ms=0)
    assert len(fetched.messages) == 1
    assert fetched.published == 1
    assert await _published_ids(after) == ["dec-4"]


async def test_fetch_with_an_unencodable_decision_publishes_and_reads_nothing(bus):
    await bus.publish_event(TRADE, seed_fields(TRADE, {"n": 0}))
    bad = [decision(1), decision(2, payload={"x": float("nan")})]
    with pytest.raises(ValueError):  # as publish_decisions: nothing is written
        await bus.publish_and_fetch(bad, block_ms=0)
    assert await _published_ids(bus) == []
    assert len(await bus.fetch(block_ms=0)) == 1  # the entry is still there to read


async def test_unacked_message_goes_to_another_consumer_after_claim_idle(backend, bus, drain):
    msg_id = await bus.publish_event(TRADE, seed_fields(TRADE, {"pnl_usd": 1.5}))
    first = await drain(bus, lambda seen: len(seen) >= 1)
    assert [(m.message_id, m.deliveries) for m in first] == [(msg_id, 1)]
    other = await backend.started("c2", claim_idle_ms=50)
    claimed = await drain(other, lambda seen: len(seen) >= 1)
    assert [(m.message_id, m.deliveries) for m in claimed] == [(msg_id, 2)]
    assert claimed[0].fields == first[0].fields
    await other.ack(claimed)
    assert await other.pending_count() == 0


async def test_recently_delivered_message_is_not_claimed(backend):
    first = await backend.started("c1", claim_idle_ms=60_000)
    await first.publish_event(TRADE, seed_fields(TRADE, {"n": 1}))
    assert len(await first.fetch(block_ms=0)) == 1
    other = await backend.started("c2", claim_idle_ms=60_000)
    assert await other.fetch(block_ms=0) == []
    assert await other.pending_count() == 1


async def test_restarted_consumer_gets_its_pending_messages_back_merged_with_new_ones(backend):
    before = await backend.started("worker", claim_idle_ms=60_000)
    old = [await before.publish_event(TRADE, seed_fields(TRADE, {"n": i})) for i in range(2)]
    assert [m.message_id for m in await before.fetch(block_ms=0)] == old
    new = await before.publish_event(TRADE, seed_fields(TRADE, {"n": 2}))
    await before.close()

    after = await backend.started("worker", claim_idle_ms=60_000)  # same name, new process
    recovered = await after.fetch(block_ms=0)
    assert [(m.message_id, m.deliveries) for m in recovered] == [*((i, 2) for i in old), (new, 1)]
    assert await after.fetch(block_ms=0) == []


async def test_dead_letter_keeps_reason_and_fields_and_acks(bus, drain):
    fields = seed_fields(SNAP, {"total_equity": -5})
    msg_id = await bus.publish_event(SNAP, fields)
    (msg,) = await drain(bus, lambda seen: len(seen) >= 1)
    await bus.dead_letter(msg, "payload.total_equity: must be > 0, got -5.0")
    assert await bus.pending_count() == 0
    (entry,) = await bus.read_stream(dlq_key(SNAP))
    dlq = entry[1]
    assert dlq["reason"] == "payload.total_equity: must be > 0, got -5.0"
    assert dlq["original_id"] == msg_id
    assert dlq["deliveries"] == "1"
    assert {k: dlq[k] for k in fields} == fields
    assert await bus.fetch(block_ms=0) == []


async def test_publish_decisions_is_idempotent_by_decision_id(backend, bus):
    assert await bus.publish_decisions([decision(1), decision(2), decision(1)]) == 2
    assert await bus.publish_decisions([decision(1), decision(2)]) == 0
    restarted = await backend.started("c1-restarted")
    assert await restarted.publish_decisions([decision(2), decision(3)]) == 1
    assert await bus.publish_decisions([]) == 0
    entries = await bus.read_stream(DECISION_STREAM)
    assert [json.loads(f["payload"])["decision_id"] for _, f in entries] == [
        "dec-1",
        "dec-2",
        "dec-3",
    ]


async def test_decision_message_uses_the_seed_envelope(bus):
    d = decision(7, trace_id="trace-abc")
    assert await bus.publish_decisions([d]) == 1
    ((_, fields),) = await bus.read_stream(DECISION_STREAM)
    # the seed's envelope, written out here on purpose: the contract, not the code's constant
    assert set(fields) == {"event_type", "payload", "timestamp", "source",
                           "trace_id", "correlation_id"}
    assert fields["event_type"] == "ai.federation.decision_made"
    assert fields["trace_id"] == "trace-abc"
    assert fields["correlation_id"] == "e-7"
    assert fields["timestamp"] == "2024-03-01T12:00:05Z"
    assert fields["source"] == "federation-ai"
    body = dict(d)
    del body["trace_id"]
    assert json.loads(fields["payload"]) == body


async def test_decision_without_trace_id_is_traced_by_its_id(bus):
    await bus.publish_decisions([decision(8)])
    ((_, fields),) = await bus.read_stream(DECISION_STREAM)
    assert fields["trace_id"] == "dec-8"


async def test_a_bad_decision_in_a_batch_writes_nothing(bus):
    with pytest.raises(ValueError):
        await bus.publish_decisions([decision(1), decision(2, payload={"x": float("nan")})])
    with pytest.raises(ValueError, match="decision_id"):
        await bus.publish_decisions([{"event_id": "e-1"}])
    assert await bus.read_stream(DECISION_STREAM) == []
    assert await bus.publish_decisions([decision(1)]) == 1


async def test_decision_can_be_published_again_after_the_marker_expires(backend):
    bus = await backend.started("c1", dedup_ttl_ms=30)
    assert await bus.publish_decisions([decision(1)]) == 1
    for _ in range(200):
        if await bus.publish_decisions([decision(1)]) == 1:
            break
        await asyncio.sleep(0.01)
    assert len(await bus.read_stream(DECISION_STREAM)) == 2


async def test_output_stream_is_capped_near_maxlen(backend):
    bus = await backend.started("c1", maxlen=10)
    assert await bus.publish_decisions([decision(i) for i in range(300)]) == 300
    entries = await bus.read_stream(DECISION_STREAM)
    assert 10 <= len(entries) < 300
    assert json.loads(entries[-1][1]["payload"])["decision_id"] == "dec-299"


async def test_start_with_existing_groups_keeps_working(backend, bus, drain):
    await bus.start()
    other = await backend.started("c2")
    msg_id = await other.publish_event(TRADE, seed_fields(TRADE, {"n": 1}))
    got = await drain(bus, lambda seen: len(seen) >= 1)
    assert [m.message_id for m in got] == [msg_id]
    assert await other.fetch(block_ms=0) == []


async def test_messages_published_before_the_first_start_are_delivered(backend, drain):
    producer = backend.make("producer")
    msg_id = await producer.publish_event(SNAP, seed_fields(SNAP, {"total_equity": 10}))
    bus = await backend.started("c1")
    got = await drain(bus, lambda seen: len(seen) >= 1)
    assert [m.message_id for m in got] == [msg_id]


async def test_fetch_blocks_until_a_message_arrives(backend, bus):
    async def publish_later() -> str:
        await asyncio.sleep(0.05)
        return await backend.make("producer").publish_event(TRADE, seed_fields(TRADE, {}))

    task = asyncio.create_task(publish_later())
    got = await bus.fetch(block_ms=5_000)
    msg_id = await task
    assert [m.message_id for m in got] == [msg_id]


async def test_only_configured_event_types_are_consumed(backend, drain):
    bus = await backend.started("c1", event_types=[TRADE])
    await bus.publish_event(SNAP, seed_fields(SNAP, {}))
    trade_id = await bus.publish_event(TRADE, seed_fields(TRADE, {}))
    got = await drain(bus, lambda seen: len(seen) >= 1)
    assert [(m.event_type, m.message_id) for m in got] == [(TRADE, trade_id)]
    assert await bus.fetch(block_ms=0) == []


async def test_fetched_message_converts_to_an_event(bus, drain):
    payload = {"event_id": "e-9", "account_id": "acct-2", "total_equity": 10_000.0}
    await bus.publish_event(SNAP, seed_fields(SNAP, payload, timestamp="2024-03-01T12:00:05Z"))
    (msg,) = await drain(bus, lambda seen: len(seen) >= 1)
    event = envelope_to_event_dict(msg)
    assert event["event_id"] == "e-9"
    assert event["account_id"] == "acct-2"
    assert event["payload"] == {"total_equity": 10_000.0}


async def test_fetch_rejects_a_non_positive_max_count(bus):
    with pytest.raises(ValueError):
        await bus.fetch(max_count=0)


async def test_dead_letter_of_an_oversized_message_keeps_a_bounded_sample(backend, drain):
    bus = await backend.started("c1", max_message_bytes=65_536)
    fields = seed_fields(SNAP, {"total_equity": 1})
    fields["payload"] = "not json " + "x" * 5_000_000
    await bus.publish_event(SNAP, fields)
    (msg,) = await drain(bus, lambda seen: len(seen) >= 1)
    await bus.dead_letter(msg, "message too large")
    assert await bus.pending_count() == 0
    ((_, dlq),) = await bus.read_stream(dlq_key(SNAP))
    assert sum(len(k.encode()) + len(v.encode()) for k, v in dlq.items()) < 8 * 1024
    assert dlq["reason"] == "message too large"
    assert dlq["truncated"] == "true"
    assert int(dlq["original_bytes"]) > 5_000_000
    assert dlq["original_fields"] == str(len(fields))
    assert dlq["payload"].startswith("not json xxx")
    assert {k: dlq[k] for k in ("event_type", "trace_id", "source")} == {
        k: fields[k] for k in ("event_type", "trace_id", "source")
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"payload": "é" * 40_000},  # 80,000 bytes in 40,000 characters, cut on a character
        {f"f{i}": "v" * 100 for i in range(10_000)},  # many small fields
        {"n" * 100_000: "v"},  # one huge field name
    ],
    ids=["multibyte", "many-fields", "long-name"],
)
async def test_dead_letter_sample_is_bounded_whatever_the_shape(backend, drain, fields):
    bus = await backend.started("c1", max_message_bytes=2048)
    await bus.publish_event(SNAP, fields)
    (msg,) = await drain(bus, lambda seen: len(seen) >= 1)
    await bus.dead_letter(msg, "r" * 100_000)
    ((_, dlq),) = await bus.read_stream(dlq_key(SNAP))
    assert sum(len(k.encode()) + len(v.encode()) for k, v in dlq.items()) < 8 * 1024
    assert dlq["truncated"] == "true"
    assert len(dlq["reason"]) <= 1024
    assert await bus.pending_count() == 0


async def test_dead_letter_within_the_size_limit_copies_every_field(backend, drain):
    bus = await backend.started("c1", max_message_bytes=2048)
    fields = {"payload": "y" * 1500, "truncated": "mine"}
    await bus.publish_event(SNAP, fields)
    (msg,) = await drain(bus, lambda seen: len(seen) >= 1)
    await bus.dead_letter(msg, "bad")
    ((_, dlq),) = await bus.read_stream(dlq_key(SNAP))
    assert dlq["payload"] == fields["payload"]
    assert dlq["truncated"] == "mine"
    assert "original_bytes" not in dlq
