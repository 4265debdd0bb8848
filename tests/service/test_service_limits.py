"""Input limits on the bus path, on both legs (memory + SQLite, Redis + PostgreSQL): the
account limit, the message size cap and conflicting duplicates. Each is dead-lettered with its reason, counted,
and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from federation_ai.bus import dlq_key
from federation_ai.bus.envelope import message_bytes

from .helpers import eventually, seed_fields

SNAP = "portfolio.snapshot_updated"


def snapshot(event_id: str, minute: int, equity: float, account: str = "default") -> dict[str, Any]:
    return {"event_type": SNAP, "event_id": event_id, "account_id": account,
            "timestamp": f"2024-03-01T12:{minute:02d}:00Z", "payload": {"total_equity": equity}}


def dead_letters(svc: Any, reason: str) -> float:
    value = svc.metrics_registry().get_sample_value("federation_dead_letters_total", {"reason": reason})
    return value or 0.0


async def test_a_new_account_beyond_the_limit_is_dead_lettered_naming_it(leg):
    svc = await leg.build({"service": {"max_accounts": 2}})
    bus = svc.bus
    await svc.start()
    try:
        for n, account in enumerate(["a", "b", "c"]):
            await bus.publish_event(SNAP, seed_fields(snapshot(f"s-{account}", n, 10_000.0, account)))
        await bus.publish_event(SNAP, seed_fields(snapshot("s-a2", 5, 10_100.0, "a")))
        await eventually(lambda: svc.pipeline.events_processed == 3)
        await eventually(lambda: dead_letters(svc, "account_limit") == 1)
        assert svc.accounts() == ["a", "b"]
        (_, dead), = await bus.read_stream(dlq_key(SNAP))
        assert "account_id: new account refused" in dead["reason"]
        assert "service.max_accounts = 2" in dead["reason"]
        assert json.loads(dead["payload"])["account_id"] == "c"
        assert await svc.store.get_event("c", "s-c") is None
        assert svc.policy("a")["last_event_id"] == "s-a2"
    finally:
        await svc.stop()


@pytest.mark.parametrize("payload", [
    json.dumps({"total_equity": 10_000.0, "event_id": "big", "note": "x" * 5_000_000}),
    "not json " + "x" * 5_000_000,
], ids=["snapshot", "not-json"])
async def test_an_oversized_message_is_dead_lettered_as_a_sample_and_not_stored(leg, payload):
    svc = await leg.build()  # the default limit: 65536 bytes
    bus = svc.bus
    await svc.start()
    try:
        fields = {**seed_fields(snapshot("big", 0, 10_000.0)), "payload": payload}
        await bus.publish_event(SNAP, fields)
        await bus.publish_event(SNAP, seed_fields(snapshot("next", 1, 10_000.0)))
        await eventually(lambda: svc.pipeline.events_processed == 1)
        assert dead_letters(svc, "too_large") == 1
        (_, dead), = await bus.read_stream(dlq_key(SNAP))
        size = message_bytes(fields)
        assert size > 5_000_000
        assert dead["reason"] == f"message too large: {size} bytes, over service.max_message_bytes (65536)"
        assert dead["truncated"] == "true"
        assert sum(len(k) + len(v) for k, v in dead.items()) < 8 * 1024
        assert await svc.store.get_event("default", "big") is None
        assert svc.policy("default")["last_event_id"] == "next"
        assert await bus.pending_count() == 0
    finally:
        await svc.stop()


async def test_the_message_size_limit_is_configurable(leg):
    svc = await leg.build({"service": {"max_message_bytes": 4096}})
    bus = svc.bus
    await svc.start()
    try:
        fields = seed_fields({**snapshot("mid", 0, 10_000.0), "payload": {"total_equity": 1e4, "n": "x" * 5000}})
        await bus.publish_event(SNAP, fields)
        await eventually(lambda: dead_letters(svc, "too_large") == 1)
        (_, dead), = await bus.read_stream(dlq_key(SNAP))
        assert "over service.max_message_bytes (4096)" in dead["reason"]
        assert svc.accounts() == []
    finally:
        await svc.stop()


HEALTH = "system.health_updated"


def health(event_id: str, minute: int, status: str) -> dict[str, Any]:
    return {"event_type": HEALTH, "event_id": event_id, "account_id": "default",
            "timestamp": f"2024-03-01T12:{minute:02d}:00Z", "payload": {"overall_status": status}}


def conflicts(svc: Any, event_type: str) -> float:
    value = svc.metrics_registry().get_sample_value(
        "federation_conflicting_duplicates_total", {"event_type": event_type})
    return value or 0.0


async def test_an_id_reused_with_other_content_is_ignored_and_a_copy_dead_lettered(leg):
    svc = await leg.build()
    bus = svc.bus
    await svc.start()
    try:
        await bus.publish_event(SNAP, seed_fields(snapshot("s-0", 0, 10_000.0)))
        await bus.publish_event(HEALTH, seed_fields(health("h-1", 1, "HEALTHY")))
        await eventually(lambda: svc.pipeline.events_processed == 2)
        policy = svc.policy("default")
        decided = [d async for d in svc.store.iter_decisions()]
        resent = {**seed_fields(health("h-1", 1, "HEALTHY")), "trace_id": "other", "source": "retry"}
        await bus.publish_event(HEALTH, resent)  # the same event again: a plain duplicate
        await bus.publish_event(HEALTH, seed_fields(health("h-1", 1, "CRITICAL")))
        await eventually(lambda: dead_letters(svc, "conflicting_duplicate") == 1)
        await bus.publish_event(SNAP, seed_fields(snapshot("s-2", 2, 10_000.0)))
        await eventually(lambda: svc.pipeline.events_processed == 3)

        (_, dead), = await bus.read_stream(dlq_key(HEALTH))
        assert dead["reason"] == (
            "conflicting duplicate: event h-1 of account default was already taken with "
            "different content (payload.overall_status); this copy is ignored")
        assert json.loads(dead["payload"])["overall_status"] == "CRITICAL"
        assert conflicts(svc, HEALTH) == 1
        assert svc.status()["conflicting_duplicates"] == 1
        stored = await svc.store.get_event("default", "h-1")
        assert stored["payload"]["overall_status"] == "HEALTHY"
        assert [d async for d in svc.store.iter_decisions()][: len(decided)] == decided
        assert svc.policy("default")["mode"] == policy["mode"]
        assert await bus.pending_count() == 0
    finally:
        await svc.stop()


async def test_conflicting_duplicates_in_one_batch_are_caught_too(leg):
    bus = leg.bus()
    await bus.start()
    await bus.publish_event(HEALTH, seed_fields(health("h-1", 1, "HEALTHY")))
    await bus.publish_event(HEALTH, seed_fields(health("h-1", 1, "CRITICAL")))
    await bus.publish_event(HEALTH, seed_fields(health("h-1", 1, "HEALTHY")))
    svc = await leg.build(bus=bus)
    await svc.start()
    try:
        await eventually(lambda: dead_letters(svc, "conflicting_duplicate") == 1)
        await eventually(lambda: svc.pipeline.events_processed == 1)
        dead = await bus.read_stream(dlq_key(HEALTH))
        assert [json.loads(f["payload"])["overall_status"] for _, f in dead] == ["CRITICAL"]
        assert conflicts(svc, HEALTH) == 1
    finally:
        await svc.stop()


async def test_after_a_restart_conflicts_are_found_in_the_event_log(leg):
    first = await leg.build()
    await first.start()
    try:
        await first.bus.publish_event(HEALTH, seed_fields(health("h-1", 1, "HEALTHY")))
        await eventually(lambda: first.pipeline.events_processed == 1)  # the streams' order
        await first.bus.publish_event(SNAP, seed_fields(snapshot("s-1", 2, 10_000.0)))
        await eventually(lambda: first.pipeline.events_processed == 2)
    finally:
        await first.stop()
    svc = await leg.build()
    bus = svc.bus
    await svc.start()
    try:
        # newer than the account's last event: not looked up, caught by the event log at commit
        await bus.publish_event(SNAP, seed_fields(snapshot("s-1", 9, 500.0)))
        await eventually(lambda: dead_letters(svc, "conflicting_duplicate") == 1)
        await bus.publish_event(SNAP, seed_fields(snapshot("s-1", 2, 10_000.0)))  # plain redelivery
        await bus.publish_event(HEALTH, seed_fields(health("h-1", 1, "CRITICAL")))  # older: looked up
        await eventually(lambda: dead_letters(svc, "conflicting_duplicate") == 2)
        assert conflicts(svc, HEALTH) == 1
        assert conflicts(svc, SNAP) == 1
        (_, dead), = await bus.read_stream(dlq_key(SNAP))
        assert "(timestamp, payload.total_equity)" in dead["reason"]
        assert svc.policy("default")["frozen"]["frozen"] is False
        assert svc.pipeline.events_processed == 0
        assert await bus.pending_count() == 0
    finally:
        await svc.stop()
