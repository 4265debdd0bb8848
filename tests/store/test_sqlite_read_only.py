"""A SQLite connection opened while the database could not be written is replaced once
it can be: the file itself, or only its WAL file beside it (SQLite then opens the
connection read-only too, and it stays so)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text
from tests.service.test_service_sqlite_faults import set_read_only

from federation_ai.store.engine import create_engine, write_transaction

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize("unwritable", ["federation.db", "federation.db-wal"])
async def test_a_connection_opened_while_unwritable_is_replaced_once_writable(
    tmp_path: Path, unwritable: str
) -> None:
    db = tmp_path / "federation.db"
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with write_transaction(engine) as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        target = tmp_path / unwritable
        # a connection held open keeps the WAL file; the next one opens anew
        async with engine.connect() as holder:
            await holder.execute(text("SELECT 1"))
            assert target.exists()
            set_read_only([target], True)
            try:
                async with engine.connect() as conn:  # opens while unwritable, then pooled
                    assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1
            finally:
                set_read_only([target], False)
        async with write_transaction(engine) as conn:  # the first write after: no error
            await conn.execute(text("INSERT INTO t VALUES (2)"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2
    finally:
        await engine.dispose()
