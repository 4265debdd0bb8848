"""One contract suite, two backends: every test taking `store` runs on SQLite and PostgreSQL.

PostgreSQL comes from DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test).
The suite creates its own randomly named databases and drops them at the end, so it
never touches the data of other users of that server. Without a reachable server the
PostgreSQL cases are skipped with the reason, except under CI=true where they fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from federation_ai.store import Store
from federation_ai.store.schema import ALL_TABLES

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
    from pathlib import Path

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
T = TypeVar("T")

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync fixture code, even inside a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
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
        conn = await asyncpg.connect(_asyncpg_dsn(self.url, "postgres"), timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def create(self) -> str:
        name = f"fed_test_{secrets.token_hex(6)}"
        run_sync(self._admin(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.created:
            run_sync(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.clear()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PostgresDatabases]:
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        run_sync(_ping(url))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL not reachable at {shown}: {type(exc).__name__}: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    databases = PostgresDatabases(url)
    yield databases
    databases.drop_all()


async def _ping(url: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(url, "postgres"), timeout=5)
    await conn.close()


@pytest.fixture(scope="session")
def pg_shared_url(pg_databases: PostgresDatabases) -> str:
    """One database for the session's PostgreSQL cases; tables are emptied per test."""
    return pg_databases.create()


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_shared_url"))


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database nobody has migrated yet."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    databases: PostgresDatabases = request.getfixturevalue("pg_databases")
    return databases.create()


@pytest.fixture
async def store(backend_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(backend_url)
    await opened.upgrade()
    if opened.dialect == "postgresql":
        # The session shares one database: start every test from empty tables
        # (DELETE is much quicker than TRUNCATE on tables this small).
        async with opened.engine.begin() as conn:
            for table in ALL_TABLES:
                await conn.execute(table.delete())
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def open_store(backend_url: str) -> Callable[[], Coroutine[Any, Any, Store]]:
    """Open another Store on the same database as `store` (for concurrency cases)."""

    async def _open() -> Store:
        return await Store.open(backend_url)

    return _open
