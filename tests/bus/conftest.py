"""One contract suite for both event-bus backends (in-memory and Redis Streams).

Redis comes from ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); every test
uses a random key namespace and deletes its keys afterwards. Without a reachable
Redis the redis cases are skipped, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from federation_ai.bus import BusMessage, InMemoryBroker, InMemoryBus, RedisStreamsBus, stream_key

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


async def connect_redis() -> Redis:
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        reason = f"Redis not reachable at {REDIS_URL} ({exc}); start redis-server or set REDIS_URL"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (required when CI=true)")
        pytest.skip(reason)
    return client


class Backend:
    """Makes buses that share one backend: several consumers, or a restarted process."""

    def __init__(self, name: str, redis: Redis | None = None) -> None:
        self.name = name
        self.redis = redis
        self.namespace = f"test-bus-{uuid.uuid4().hex[:12]}:"
        self.broker = InMemoryBroker()
        self.buses: list[Any] = []

    def make(self, consumer: str = "c1", **kw: Any) -> InMemoryBus | RedisStreamsBus:
        bus: InMemoryBus | RedisStreamsBus
        if self.redis is None:
            bus = InMemoryBus(consumer, broker=self.broker, namespace=self.namespace, **kw)
        else:
            bus = RedisStreamsBus(consumer, client=self.redis, namespace=self.namespace, **kw)
        self.buses.append(bus)
        return bus

    async def started(self, consumer: str = "c1", **kw: Any) -> InMemoryBus | RedisStreamsBus:
        bus = self.make(consumer, **kw)
        await bus.start()
        return bus

    async def xadd(self, event_type: str, fields: dict[str, str], entry_id: str) -> str:
        """Write an input entry with an explicit id, as a producer's XADD would."""
        key = self.namespace + stream_key(event_type)
        if self.redis is None:
            return self.broker.add(key, fields, entry_id=entry_id)
        return str(await self.redis.xadd(key, fields, id=entry_id))  # type: ignore[arg-type]

    async def cleanup(self) -> None:
        for bus in self.buses:
            await bus.close()
        if self.redis is not None:
            keys = [k async for k in self.redis.scan_iter(match=f"{self.namespace}*")]
            if keys:
                await self.redis.delete(*keys)
            await self.redis.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    redis = await connect_redis() if request.param == "redis" else None
    b = Backend(request.param, redis)
    yield b
    await b.cleanup()


@pytest.fixture
async def bus(backend: Backend) -> InMemoryBus | RedisStreamsBus:
    """A started consumer ``c1`` with a short claim time (50 ms)."""
    return await backend.started("c1", claim_idle_ms=50)


@pytest.fixture
async def redis_backend() -> AsyncIterator[Backend]:
    """Redis only: for tests that talk to Redis with a plain client too."""
    b = Backend("redis", await connect_redis())
    yield b
    await b.cleanup()


Drain = Callable[..., Awaitable[list[BusMessage]]]


@pytest.fixture
def drain() -> Drain:
    """Fetch repeatedly until ``until(messages)`` holds (bounded number of tries)."""

    async def run(
        bus: Any,
        until: Callable[[list[BusMessage]], bool],
        max_count: int = 500,
        tries: int = 300,
    ) -> list[BusMessage]:
        seen: list[BusMessage] = []
        for _ in range(tries):
            seen.extend(await bus.fetch(max_count=max_count, block_ms=20))
            if until(seen):
                return seen
            await asyncio.sleep(0.005)
        raise AssertionError(f"condition never held; fetched {seen!r}")

    return run
