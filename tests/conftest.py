"""Fixtures every test directory shares: the real backends, and the service built on them.

Backends: Redis from ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``), PostgreSQL
from ``DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``). A
service that cannot be reached skips its tests with the reason, or fails them when
``CI=true`` (``unavailable``: the one place that decides it, for the bus, store and
service suites alike).

The service runs on two legs, the ``leg_name`` parameter: ``memory-sqlite`` (the
embedded set-up: in-process bus, a SQLite file) and ``redis-postgres`` (Redis Streams,
PostgreSQL). ``leg`` builds services and buses on one leg's backends, so a test can
stop a service and start another on the same data, as a restarted process would.
Isolation: every test gets a random Redis key prefix (its keys are deleted
afterwards) and empty tables in a PostgreSQL database the session created for
itself and drops at the end. A directory whose tests are not about the backends
pins the leg by overriding ``leg_name`` (see tests/api/conftest.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

from federation_ai.api import create_app
from federation_ai.api.security import generate_key, hash_key
from federation_ai.bus import (
    DECISION_STREAM,
    InMemoryBroker,
    InMemoryBus,
    RedisStreamsBus,
    dlq_key,
    stream_key,
)
from federation_ai.service import build_service
from federation_ai.service.wall_clock import wall_clock
from federation_ai.settings import load_settings
from federation_ai.store import Store
from federation_ai.store.schema import ALL_TABLES

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator, Mapping
    from pathlib import Path

    from fastapi import FastAPI

    from federation_ai.service import FederationService
    from federation_ai.service.wall_clock import Clock
    from federation_ai.settings import Settings

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
MEMORY_SQLITE = "memory-sqlite"
REDIS_POSTGRES = "redis-postgres"
LEGS = [MEMORY_SQLITE, pytest.param(REDIS_POSTGRES, marks=[pytest.mark.redis, pytest.mark.postgres])]
SCOPES = ("viewer", "operator", "admin")
T = TypeVar("T")
Bus = InMemoryBus | RedisStreamsBus


def unavailable(reason: str) -> None:
    """Skip for a backend that is not there, or fail when CI=true requires it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync fixture code, even inside a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def connect_redis() -> Redis:
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        unavailable(f"Redis not reachable at {REDIS_URL} ({exc}); start redis-server or set REDIS_URL")
    return client


async def delete_namespace(client: Redis, namespace: str) -> None:
    keys = [k async for k in client.scan_iter(match=f"{namespace}*", count=1000)]
    for start in range(0, len(keys), 500):
        await client.delete(*keys[start : start + 500])


def new_namespace(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}:"


def asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


class PostgresDatabases:
    """Creates throw-away databases on the server of DATABASE_URL and drops them later."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.created: list[str] = []

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(asyncpg_dsn(self.url, "postgres"), timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def create(self) -> str:
        """A new, empty (not migrated) database; its URL."""
        name = f"fed_test_{secrets.token_hex(6)}"
        run_sync(self._admin(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.created:
            run_sync(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.clear()


async def _ping_postgres(url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url, "postgres"), timeout=5)
    await conn.close()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PostgresDatabases]:
    shown = make_url(DATABASE_URL).render_as_string(hide_password=True)
    try:
        run_sync(_ping_postgres(DATABASE_URL))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable(f"PostgreSQL not reachable at {shown}: {type(exc).__name__}: {exc}")
    databases = PostgresDatabases(DATABASE_URL)
    yield databases
    databases.drop_all()


@pytest.fixture
def pg_url(pg_databases: PostgresDatabases) -> str:
    """A fresh, empty (not migrated) database for one test."""
    return pg_databases.create()


@pytest.fixture(scope="session")
def pg_service_url(pg_databases: PostgresDatabases) -> str:
    """One migrated database for the session's service tests; ``leg`` empties it per test."""
    url = pg_databases.create()

    async def migrate() -> None:
        async with await Store.open(url) as store:
            await store.upgrade()

    run_sync(migrate())
    return url


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = await connect_redis()
    yield client
    await client.aclose()


@pytest.fixture
async def namespace(redis: Redis) -> AsyncIterator[str]:
    """A random key prefix; its keys are deleted afterwards (nothing global is flushed)."""
    ns = new_namespace("test-svc")
    yield ns
    await delete_namespace(redis, ns)


class BusBackend:
    """Buses on one backend, Redis when ``redis`` is given, else an in-process broker,
    under one random key prefix: several consumers, or a restarted process."""

    def __init__(self, redis: Redis | None, prefix: str, broker: InMemoryBroker | None = None) -> None:
        self.redis = redis
        self.namespace = new_namespace(prefix)
        self.broker = broker if broker is not None else InMemoryBroker()
        self.buses: list[Bus] = []

    def make(self, consumer: str, **kw: Any) -> Bus:
        bus: Bus
        if self.redis is None:
            bus = InMemoryBus(consumer, broker=self.broker, namespace=self.namespace, **kw)
        else:
            bus = RedisStreamsBus(consumer, client=self.redis, namespace=self.namespace, **kw)
        self.buses.append(bus)
        return bus

    async def cleanup(self) -> None:
        """Close the buses, delete the prefix's keys, close the Redis client."""
        for bus in self.buses:
            await bus.close()
        if self.redis is not None:
            await delete_namespace(self.redis, self.namespace)
            await self.redis.aclose()


class Leg(BusBackend):
    """One backend pair of the service: makes its services, buses and reads its streams."""

    def __init__(self, name: str, data_dir: Path, redis: Redis | None, db_url: str) -> None:
        ms = itertools.count(1_700_000_000_000)  # entries written one millisecond apart
        super().__init__(redis, "test-leg", InMemoryBroker(wall_clock=lambda: next(ms) / 1000))
        self.name = name
        self.data_dir = data_dir
        self.db_url = db_url
        self._entries = 0
        self._base_ms = int(time.time() * 1000)

    @property
    def on_redis(self) -> bool:
        return self.redis is not None

    def settings(self, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Settings:
        merged = {k: dict(v) for k, v in (overrides or {}).items()}
        service = merged.setdefault("service", {})
        service.setdefault("data_dir", str(self.data_dir))
        service.setdefault("db_url", self.db_url)
        return load_settings(environ={}, overrides=merged)

    def bus(self, consumer: str | None = None, settings: Settings | None = None, **kw: Any) -> Bus:
        """A new consumer on the leg's bus (the same streams every time), configured from
        ``settings`` (default: the leg's) as the service configures the bus it makes;
        ``consumer`` defaults to the service's consumer name, as a restart would use."""
        cfg = (settings or self.settings()).service
        kw = {"claim_idle_ms": cfg.claim_idle_ms, "merge_lateness_ms": cfg.merge_lateness_ms,
              "maxlen": cfg.output_maxlen, "max_message_bytes": cfg.max_message_bytes, **kw}
        return self.make(consumer or cfg.consumer_name, **kw)

    async def build(
        self,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        bus: Any = None,
        clock: Clock = wall_clock,
        **kw: Any,
    ) -> FederationService:
        """A service (not started) on the leg's store and bus; ``bus`` may wrap ``self.bus()``."""
        settings = self.settings(overrides)
        if bus is None:
            bus = self.bus(settings=settings)
        return await build_service(settings, bus=bus, namespace=self.namespace, clock=clock, **kw)

    async def produce(self, envelopes: Iterable[tuple[str, Mapping[str, str]]]) -> None:
        """XADD input entries (event type, fields) one millisecond apart, as a producer
        writing in order does (entry ids decide the merge of the input streams)."""
        for event_type, fields in envelopes:
            key = self.namespace + stream_key(event_type)
            if self.redis is None:
                self.broker.add(key, fields)  # the broker's clock: a millisecond an entry
                continue
            self._entries += 1
            entry_id = f"{self._base_ms + self._entries}-0"
            await self.redis.xadd(key, dict(fields), id=entry_id)  # type: ignore[arg-type]

    async def _read(self, stream: str) -> list[dict[str, str]]:
        key = self.namespace + stream
        if self.redis is None:
            return [dict(fields) for _, fields in self.broker.entries(key)]
        return [fields for _, fields in await self.redis.xrange(key)]

    async def published(self) -> list[dict[str, Any]]:
        """The decisions on the output stream, oldest first."""
        return [json.loads(fields["payload"]) for fields in await self._read(DECISION_STREAM)]

    async def dead_letters(self, event_type: str) -> list[dict[str, str]]:
        return await self._read(dlq_key(event_type))


async def _empty_tables(url: str) -> None:
    async with await Store.open(url) as store, store.engine.begin() as conn:
        for table in ALL_TABLES:
            await conn.execute(table.delete())


@pytest.fixture(params=LEGS)
def leg_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def leg(leg_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Leg]:
    if leg_name == MEMORY_SQLITE:
        made = Leg(leg_name, tmp_path, None, f"sqlite+aiosqlite:///{tmp_path / 'federation.db'}")
    else:
        url = str(request.getfixturevalue("pg_service_url"))
        client = await connect_redis()
        await _empty_tables(url)
        made = Leg(leg_name, tmp_path, client, url)
    try:
        yield made
    finally:
        await made.cleanup()


@pytest.fixture
def settings_overrides() -> dict[str, dict[str, Any]]:
    """Settings the ``service`` fixture applies (a test module overrides this fixture)."""
    return {}


@pytest.fixture
def clock() -> Clock:
    return wall_clock


@pytest.fixture
async def service(
    leg: Leg, settings_overrides: dict[str, dict[str, Any]], clock: Clock
) -> AsyncIterator[FederationService]:
    """A started service on the leg's backends, stopped afterwards."""
    svc = await leg.build(settings_overrides, clock=clock)
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()


@pytest.fixture
def app(service: FederationService) -> FastAPI:
    return create_app(service)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The service's HTTP API, in-process."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def add_keys(store: Store, name: str = "{scope}-key") -> dict[str, str]:
    """Store an API key of every scope (named by ``name``); the keys by scope."""
    made = {}
    for scope in SCOPES:
        made[scope] = generate_key()
        await store.add_api_key(name.format(scope=scope), scope, hash_key(made[scope]))
    return made
