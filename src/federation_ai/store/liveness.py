"""The store's health probe: one round trip, optionally a write that changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

from federation_ai.store.engine import write_transaction

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


async def probe(engine: AsyncEngine, *, write: bool = False) -> None:
    """Raise if the database cannot answer, or (``write``) cannot write.

    The write changes nothing: on SQLite it rewrites the header's ``user_version`` with
    its own value under the write lock (a read-only file, a locked database or a failing
    disk refuse it); on PostgreSQL it takes a transaction id and commits (a read-only
    server refuses it). A disk that is full may still take the header write: the next
    real commit tells.
    """
    if not write:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return
    async with write_transaction(engine) as conn:
        if engine.dialect.name == "sqlite":
            version = int(await conn.scalar(text("PRAGMA user_version")) or 0)
            await conn.exec_driver_sql(f"PRAGMA user_version = {version}")
        else:
            await conn.execute(text("SELECT txid_current()"))
