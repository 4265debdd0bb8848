"""One contract suite, two backends: every test taking `store` runs on SQLite and PostgreSQL.

PostgreSQL comes from DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test).
The suite creates its own randomly named databases and drops them at the end, so it
never touches the data of other users of that server. Without a reachable server the
PostgreSQL cases are skipped with the reason, except under CI=true where they fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from federation_ai.store import Store
from federation_ai.store.schema import ALL_TABLES

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine
    from pathlib import Path

    from tests.conftest import PostgresDatabases

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


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
