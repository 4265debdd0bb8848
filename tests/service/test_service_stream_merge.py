"""A producer writing its accounts' events across the input streams as fast as it can.

One producer, one tight loop, the events in time order over four input streams (a
backfill, a replayer, a burst after a network hiccup): entries of different streams
share milliseconds. No event may be rejected as out of order, and the decisions
equal a replay of the same log. Run on the in-memory bus with SQLite and on Redis
with PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest

from federation_ai.bus import (
    DECISION_STREAM,
    INPUT_EVENT_TYPES,
    InMemoryBus,
    RedisStreamsBus,
    dlq_key,
)
from federation_ai.core.micros import format_timestamp
from federation_ai.service import build_service
from federation_ai.service.demo import DemoFeed
from federation_ai.service.verify import verify
from federation_ai.store import Store

from .conftest import settings_for
from .helpers import clean_replay, comparable, seed_fields

if TYPE_CHECKING:
    from federation_ai.bus import EventBus

START_US = 1_717_200_000_000_000  # 2024-06-01T00:00:00Z


def feed(accounts: tuple[str, ...], per_account: int) -> list[dict[str, Any]]:
    """The demo feed of each account (all four input streams), merged by time."""
    items = []
    for n, account in enumerate(accounts):
        source, count = DemoFeed(START_US, seed=200 + n, account_id=account), 0
        while count < per_account:
            for event_type, payload, ts in source.next_tick():
                items.append((ts, n, count, account, event_type, payload))
                count += 1
    items.sort()
    return [
        {"event_type": et, "event_id": f"{acct}-{i:05d}", "account_id": acct,
         "timestamp": format_timestamp(ts), "payload": payload}
        for ts, _, i, acct, et, payload in items
    ]


def by_account(decisions: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for d in comparable(decisions):
        out.setdefault(d["account_id"], []).append(d)
    return out


async def dead_letters(bus: EventBus) -> int:
    return sum([len(await bus.read_stream(dlq_key(et))) for et in INPUT_EVENT_TYPES])  # type: ignore[attr-defined]


async def check_against_replay(svc: Any, bus: EventBus, events: list[dict[str, Any]]) -> None:
    expected = clean_replay(events)
    stored = [d async for d in svc.store.iter_decisions()]
    report = await verify(svc.store, svc.settings.core)
    assert (report.out_of_order, await dead_letters(bus)) == (0, 0)
    assert by_account(stored) == by_account(expected)
    assert report.ok, [d.describe() for d in report.differences[:10]]
    published = [json.loads(f["payload"]) for _, f in await bus.read_stream(DECISION_STREAM)]  # type: ignore[attr-defined]
    applied = [d for d in expected if d["status"] == "applied"]
    assert {a: [d["decision_id"] for d in ds] for a, ds in by_account(published).items()} == {
        a: [d["decision_id"] for d in ds] for a, ds in by_account(applied).items()
    }


async def drive(svc: Any, bus: EventBus, events: list[dict[str, Any]], write: Any) -> None:
    """Write every event in one loop while the service consumes; wait for all of them."""
    await svc.start()
    try:
        for n, envelope in enumerate(events):
            await write(envelope["event_type"], seed_fields(envelope))
            if n % 64 == 0:
                await asyncio.sleep(0)  # the consumer runs alongside, as a live service
        async with asyncio.timeout(120):
            while svc.pipeline.events_processed + await dead_letters(bus) < len(events):
                await asyncio.sleep(0.05)
        await svc.relay.drain()
        await check_against_replay(svc, bus, events)
    finally:
        await svc.stop()


ACCOUNTS = [("solo",), ("a", "b", "c", "d")]


@pytest.mark.parametrize("accounts", ACCOUNTS, ids=["one-account", "four-accounts"])
async def test_a_tight_loop_on_the_memory_bus_loses_no_event(tmp_path, accounts):
    events = feed(accounts, 1200 // len(accounts))
    bus = InMemoryBus("svc-1")
    svc = await build_service(settings_for(tmp_path, batch_size=64), bus=bus)
    await drive(svc, bus, events, bus.publish_event)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.parametrize("accounts", ACCOUNTS, ids=["one-account", "four-accounts"])
async def test_a_tight_loop_on_redis_loses_no_event(tmp_path, redis, namespace, pg_url, accounts):
    store = await Store.open(pg_url)
    await store.upgrade()
    await store.close()
    events = feed(accounts, 3000 // len(accounts))
    bus = RedisStreamsBus("svc-1", client=redis, namespace=namespace)
    settings = settings_for(tmp_path, db_url=pg_url, batch_size=64)
    svc = await build_service(settings, bus=bus, namespace=namespace)

    async def write(event_type: str, fields: dict[str, str]) -> None:  # a plain XADD
        await redis.xadd(namespace + f"quantum:stream:{event_type}", fields)  # type: ignore[arg-type]

    await drive(svc, bus, events, write)


def test_the_lateness_is_configurable_and_checked(tmp_path):
    from federation_ai.core.core_config import ConfigError  # noqa: PLC0415

    assert settings_for(tmp_path).service.merge_lateness_ms == 0
    assert settings_for(tmp_path, merge_lateness_ms=25).service.merge_lateness_ms == 25
    with pytest.raises(ConfigError, match=r"service\.merge_lateness_ms"):
        settings_for(tmp_path, merge_lateness_ms=-1)


async def test_the_service_bus_merges_with_the_configured_lateness(tmp_path):
    svc = await build_service(settings_for(tmp_path, merge_lateness_ms=25))
    try:
        assert svc.bus.merge_lateness_ms == 25  # type: ignore[attr-defined]
    finally:
        await svc.stop()
