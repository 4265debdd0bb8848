"""Schema management: migrations from empty, idempotent re-runs, schema == metadata, URLs."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from federation_ai.store import Store, UnsupportedDatabaseError
from federation_ai.store.engine import normalize_url
from federation_ai.store.migrate import head_revision
from federation_ai.store.schema import ALL_TABLES, VERSION_TABLE, metadata


async def test_upgrade_from_empty_then_again_is_a_no_op(empty_url: str) -> None:
    store = await Store.open(empty_url)
    try:
        assert await store.schema_revision() is None
        assert not await store.is_up_to_date()
        await store.upgrade()
        assert await store.schema_revision() == head_revision()
        await store.upgrade()
        assert await store.schema_revision() == head_revision()
        assert await store.is_up_to_date()
        async with store.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {t.name for t in ALL_TABLES} | {VERSION_TABLE} <= tables
    finally:
        await store.close()


async def test_upgrade_keeps_data(store: Store) -> None:
    await store.add_api_key("ops", "operator", "0" * 64)
    await store.upgrade()
    assert [k.name for k in await store.list_api_keys()] == ["ops"]


async def test_migrated_schema_matches_table_definitions(store: Store) -> None:
    def diff(sync_conn):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(
            sync_conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        return compare_metadata(context, metadata)

    async with store.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


@pytest.mark.parametrize(
    "backend_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_json_columns_use_jsonb_on_postgresql_but_state_keeps_its_order(
    store: Store,
) -> None:
    assert store.dialect == "postgresql"
    query = (
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE data_type IN ('json', 'jsonb') AND table_name LIKE 'federation_%'"
    )
    async with store.engine.connect() as conn:
        rows = (await conn.execute(text(query))).all()
    types = {(table, column): kind for table, column, kind in rows}
    assert types == {
        ("federation_decisions", "payload"): "jsonb",
        ("federation_events", "envelope"): "jsonb",
        ("federation_outbox", "payload"): "jsonb",
        # jsonb would reorder the keys (schema.ordered_json_type)
        ("federation_state", "state"): "json",
    }


@pytest.mark.parametrize(
    "backend_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_account_state_stays_inline_and_lz4_compressed_on_postgresql(store: Store) -> None:
    async with store.engine.connect() as conn:
        options = (
            await conn.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'federation_state'")
            )
        ).scalar()
        lz4 = (
            await conn.execute(
                text(
                    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                    "WHERE name = 'default_toast_compression'"
                )
            )
        ).scalar()
        method = (
            await conn.execute(
                text(
                    "SELECT attcompression::text FROM pg_attribute "
                    "WHERE attrelid = 'federation_state'::regclass AND attname = 'state'"
                )
            )
        ).scalar()
    assert options == ["toast_tuple_target=8160"]
    assert method == ("l" if lz4 else "")


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
async def test_sqlite_runs_in_wal_mode_with_foreign_keys(store: Store) -> None:
    assert store.dialect == "sqlite"
    async with store.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/f.db", "sqlite+aiosqlite:///data/f.db"),
        ("sqlite+aiosqlite:////abs/f.db", "sqlite+aiosqlite:////abs/f.db"),
        ("data/federation.db", "sqlite+aiosqlite:///data/federation.db"),
        ("postgresql://u@h:5432/db", "postgresql+asyncpg://u@h:5432/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql://u@h/db?sslmode=require", "postgresql+asyncpg://u@h/db?ssl=require"),
    ],
)
def test_urls_are_normalised_to_async_drivers(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("url", ["mysql://u@h/db", "", "postgresql://u@h/db?sslmode=bogus"])
def test_unsupported_urls_are_rejected(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseError):
        normalize_url(url)


async def test_open_creates_the_sqlite_directory(tmp_path) -> None:
    target = tmp_path / "nested" / "dir" / "federation.db"
    store = await Store.open(f"sqlite:///{target}")
    try:
        await store.upgrade()
        assert target.exists()
        assert "federation.db" in repr(store)
    finally:
        await store.close()
