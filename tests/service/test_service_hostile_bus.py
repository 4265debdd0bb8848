"""Hostile messages on the bus (in-memory and Redis): each is dead-lettered with its reason,
stores nothing, never counts as a commit failure and never holds up the messages after it.

Before, some failed the commit (the batch retried for ever: the bus stood still), one
blew the JSON reader's recursion limit (the same), and a future timestamp was taken:
the account's clock then passed every real event to come.
"""

from __future__ import annotations

import itertools
import json

import pytest

from federation_ai.bus import InMemoryBroker, InMemoryBus, RedisStreamsBus, dlq_key
from federation_ai.bus.contract import entry_id_key
from federation_ai.core.micros import parse_timestamp
from federation_ai.service import build_service
from federation_ai.store import Store

from .conftest import settings_for
from .helpers import eventually

SNAPSHOT = "portfolio.snapshot_updated"
NOW = "2030-06-01T12:00:00Z"
PAST = "2030-06-01T11:59:00Z"


def fields(event_id: str, payload_json: str, timestamp: str = PAST) -> dict[str, str]:
    """A seed envelope whose payload text is given as is (``{{id}}`` marks the event id)."""
    return {
        "event_type": SNAPSHOT,
        "payload": payload_json.replace("{id}", event_id),
        "timestamp": timestamp,
        "source": "hostile-producer",
    }


def deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


HOSTILE = [
    # (payload JSON, timestamp, words in the dead letter's reason, metric label)
    ('{"event_id":"{id}","total_equity":1' + "0" * 400 + "}", PAST,
     "payload.total_equity: integer outside the signed 64-bit range", "invalid"),
    ('{"event_id":"{id}","total_equity":10,"extra":' + str(2**64) + "}", PAST,
     "payload.extra: integer outside", "invalid"),
    ('{"event_id":"{id}","total_equity":10,"num_positions":' + str(2**70) + "}", PAST,
     "payload.num_positions: integer outside", "invalid"),
    ('{"event_id":' + str(2**80) + ',"total_equity":10}', PAST, "event_id: integer outside", "invalid"),
    ('{"event_id":"{id}","total_equity":10,"x":' + deep(254) + "}", PAST, "nested deeper than 32", "invalid"),
    # over service.max_message_bytes: refused before it is read at all
    ('{"event_id":"{id}","total_equity":10,"x":' + deep(100_000) + "}", PAST, "message too large", "too_large"),
    ('{"event_id":"{id}","total_equity":10,"note":"a\\u0000b"}', PAST, "payload.note: contains NUL", "invalid"),
    ('{"event_id":"{id}","total_equity":10,"note":"\\ud800"}', PAST, "payload.note: contains a lone surrogate", "invalid"),
    ('{"event_id":"{id}","total_equity":10,"note":NaN}', PAST, "payload.note: must be finite", "invalid"),
    ('{"event_id":"{id}","total_equity":10}', "9999-12-31T23:59:59-23:59", "timestamp: outside the accepted range", "invalid"),
    ('{"event_id":"{id}","total_equity":10}', "0001-01-01T00:00:00+23:59", "timestamp: outside the accepted range", "invalid"),
    ('{"event_id":"{id}","total_equity":10}', "2030-06-02T12:00:00Z", "86400 s ahead of the service clock", "future"),
    ('{"event_id":"{id}","total_equity":10}', "9999-12-31T23:59:59Z", "ahead of the service clock", "future"),
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def settings(request, tmp_path):
    if request.param == "sqlite":
        return settings_for(tmp_path)
    url = request.getfixturevalue("pg_url")
    store = await Store.open(url)
    await store.upgrade()
    await store.close()
    return settings_for(tmp_path, db_url=url)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def bus(request):
    if request.param == "memory":
        ms = itertools.count(1_900_000_000_000)
        return InMemoryBus("svc", broker=InMemoryBroker(wall_clock=lambda: next(ms) / 1000))
    redis = request.getfixturevalue("redis")
    return RedisStreamsBus("svc", client=redis, namespace=request.getfixturevalue("namespace"))


async def test_hostile_messages_are_dead_lettered_and_the_bus_goes_on(settings, bus):
    svc = await build_service(settings, bus=bus, clock=lambda: parse_timestamp(NOW))
    await svc.start()
    try:
        await bus.publish_event(SNAPSHOT, fields("ok-1", '{"event_id":"{id}","total_equity":10000}',
                                                 "2030-06-01T11:58:00Z"))
        for n, (payload, timestamp, _, _) in enumerate(HOSTILE):
            await bus.publish_event(SNAPSHOT, fields(f"bad-{n}", payload, timestamp))
        await bus.publish_event(SNAPSHOT, fields("ok-2", '{"event_id":"{id}","total_equity":9000}'))

        async def settled() -> bool:
            return svc.pipeline.events_processed == 2 and await bus.pending_count() == 0

        await eventually(settled)
        # in publishing order (the merge hands events out by their own time)
        dead = sorted(
            (f for _, f in await bus.read_stream(dlq_key(SNAPSHOT))),
            key=lambda f: entry_id_key(f["original_id"]),
        )
        assert len(dead) == len(HOSTILE)
        for letter, (_, _, words, _) in zip(dead, HOSTILE, strict=True):
            assert words in letter["reason"], letter["reason"]
        assert [e["event_id"] async for e in svc.store.iter_events()] == ["ok-1", "ok-2"]
        assert svc.policy("default")["last_event_at"] == PAST
        registry = svc.metrics_registry()
        assert registry.get_sample_value("federation_commit_failures_total") == 0
        for label in ("invalid", "future", "too_large"):
            expected = sum(1 for *_, lab in HOSTILE if lab == label)
            assert registry.get_sample_value("federation_dead_letters_total", {"reason": label}) == expected
        assert svc.runner.last_error is None
    finally:
        await svc.stop()


async def test_a_reanchor_command_on_the_bus_is_held_to_the_future_limit(tmp_path, bus):
    svc = await build_service(settings_for(tmp_path), bus=bus, clock=lambda: parse_timestamp(NOW))
    await svc.start()
    try:
        await bus.publish_event(SNAPSHOT, fields("ok-1", '{"event_id":"{id}","total_equity":10000}'))
        command = {"event_id": "op-1", "command": "reanchor_clock", "key_name": "ops",
                   "scopes": ["admin"], "clock_at": "2030-06-01T13:00:00Z"}
        await bus.publish_event("operator.command", {
            "event_type": "operator.command", "payload": json.dumps(command), "timestamp": NOW})

        async def settled() -> bool:
            return svc.pipeline.events_processed == 1 and await bus.pending_count() == 0

        await eventually(settled)
        (letter,) = [f for _, f in await bus.read_stream(dlq_key("operator.command"))]
        assert "payload.clock_at: 2030-06-01T13:00:00Z is 3600 s ahead" in letter["reason"]
        assert svc.policy("default")["last_event_at"] == PAST
    finally:
        await svc.stop()


EDGES = [
    # values at the bounds: accepted, stored and read back exactly
    '{"event_id":"{id}","total_equity":10000,"big":' + str(2**63 - 1) + ',"small":' + str(-(2**63)) + "}",
    '{"event_id":"{id}","total_equity":1.7976931348623157e308,"x":' + deep(30) + "}",
    '{"event_id":"{id}","total_equity":10000,"note":"Grüße 📈 \\u202e \\ud83d\\ude00"}',
]


async def test_values_at_the_bounds_are_stored_and_read_back_exactly(settings, bus):
    svc = await build_service(settings, bus=bus, clock=lambda: parse_timestamp(NOW))
    await svc.start()
    try:
        sent = []
        for n, payload in enumerate(EDGES):
            message = fields(f"edge-{n}", payload, f"2030-06-01T11:5{n}:00Z")
            sent.append(json.loads(message["payload"]))
            await bus.publish_event(SNAPSHOT, message)

        async def settled() -> bool:
            return svc.pipeline.events_processed + len(
                await bus.read_stream(dlq_key(SNAPSHOT))) == len(EDGES) and not await bus.pending_count()

        await eventually(settled)
        assert not await bus.read_stream(dlq_key(SNAPSHOT))
        for n, payload in enumerate(sent):
            stored = await svc.store.get_event("default", f"edge-{n}")
            assert stored["payload"] == {k: v for k, v in payload.items() if k != "event_id"}
        assert svc.metrics_registry().get_sample_value("federation_commit_failures_total") == 0
    finally:
        await svc.stop()
