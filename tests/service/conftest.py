"""Fixtures for the live-service tests: real Redis and PostgreSQL, SQLite files, settings.

Redis comes from REDIS_URL (default redis://127.0.0.1:6379/0) and every test uses a
random key namespace; PostgreSQL from DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test): a throw-away database is created per
session on that server and dropped at the end. An unreachable service skips its
tests with the reason, or fails them when CI=true.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

from federation_ai.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from federation_ai.settings import Settings

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATA = Path(__file__).parent / "data"


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


def load_events(name: str = "edge_operator.events.jsonl") -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def settings_for(tmp_path: Path, **service: Any) -> Settings:
    return load_settings(environ={}, overrides={"service": {"data_dir": str(tmp_path), **service}})


def _dsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(
        hide_password=False
    )


def _run(coro: Any) -> Any:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_dsn(DATABASE_URL, "postgres"), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class PgDatabases:
    def __init__(self) -> None:
        self.names: list[str] = []

    def create(self) -> str:
        name = f"fed_svc_{secrets.token_hex(6)}"
        _run(_admin(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.names:
            _run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg() -> Iterator[PgDatabases]:
    shown = make_url(DATABASE_URL).render_as_string(hide_password=True)
    try:
        _run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable(f"PostgreSQL not reachable at {shown}: {type(exc).__name__}: {exc}")
    dbs = PgDatabases()
    yield dbs
    dbs.drop_all()


@pytest.fixture
def pg_url(pg: PgDatabases) -> str:
    """A fresh, empty (not migrated) database for one test."""
    return pg.create()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        unavailable(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield client
    await client.aclose()


@pytest.fixture
async def namespace(redis: Redis) -> AsyncIterator[str]:
    """A random key prefix; its keys are deleted afterwards (nothing global is flushed)."""
    ns = f"test-svc-{uuid.uuid4().hex[:12]}:"
    yield ns
    keys = [k async for k in redis.scan_iter(match=f"{ns}*", count=1000)]
    for start in range(0, len(keys), 500):
        await redis.delete(*keys[start : start + 500])
