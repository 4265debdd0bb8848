"""One contract suite for both event-bus backends (in-memory and Redis Streams).

Redis comes from ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); every test
uses a random key namespace and deletes its keys afterwards. Without a reachable
Redis the redis cases are skipped, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest
from tests.conftest import REDIS_URL, BusBackend, connect_redis

from federation_ai.bus import BusMessage, InMemoryBus, RedisStreamsBus, stream_key

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["REDIS_URL", "Backend", "Drain"]


class Backend(BusBackend):
    """Makes buses that share one backend: several consumers, or a restarted process."""

    def __init__(self, name: str, redis: Redis | None = None) -> None:
        super().__init__(redis, "test-bus")
        self.name = name

    def make(self, consumer: str = "c1", **kw: Any) -> InMemoryBus | RedisStreamsBus:
        return super().make(consumer, **kw)

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
