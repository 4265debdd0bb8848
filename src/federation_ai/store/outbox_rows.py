"""Outbox: work committed with a batch and delivered afterwards, retried until done.

A row that is done is deleted: the table holds only pending work, so scans stay
small and marking done is the cheapest write PostgreSQL has (the decisions, the
audit trail, live in their own table).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update

from federation_ai.store import schema
from federation_ai.store.engine import write_transaction
from federation_ai.store.models import OutboxItem, OutboxRow
from federation_ai.store.rfc3339 import to_utc
from federation_ai.store.row_codec import record_from_row

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MAX_ERROR_LEN = 4000
CHUNK = 900


def new_row(row: OutboxRow, now: datetime) -> dict[str, Any]:
    """Column values of a new item; without `next_attempt_at` it is due at once."""
    return {
        "kind": row.kind,
        "decision_id": row.decision_id,
        "payload": row.payload,
        "attempts": 0,
        "next_attempt_at": now if row.next_attempt_at is None else to_utc(row.next_attempt_at),
        "last_error": None,
        "done": False,
    }


async def due(
    engine: AsyncEngine, now: datetime, limit: int, skip_kind: str | None = None
) -> list[OutboxItem]:
    t = schema.outbox
    stmt = select(t).where(t.c.done.is_(False), t.c.next_attempt_at <= to_utc(now))
    if skip_kind is not None:
        stmt = stmt.where(t.c.kind != skip_kind)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt.order_by(t.c.id).limit(limit))).mappings().all()
    return [record_from_row(OutboxItem, row) for row in rows]


async def pending(engine: AsyncEngine, kind: str, limit: int) -> list[OutboxItem]:
    """The oldest pending items of ``kind``, due or not, in commit order."""
    t = schema.outbox
    stmt = select(t).where(t.c.done.is_(False), t.c.kind == kind).order_by(t.c.id).limit(limit)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).mappings().all()
    return [record_from_row(OutboxItem, row) for row in rows]


async def mark_done(engine: AsyncEngine, ids: Sequence[int]) -> None:
    t = schema.outbox
    unique = list(dict.fromkeys(ids))
    if not unique:
        return
    async with write_transaction(engine) as conn:
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            await conn.execute(delete(t).where(t.c.id.in_(chunk)))


async def mark_done_by_decision(
    engine: AsyncEngine, kind: str, decision_ids: Sequence[str]
) -> None:
    if decision_ids:
        async with write_transaction(engine) as conn:
            await delete_by_decision(conn, kind, decision_ids)


async def delete_by_decision(
    conn: AsyncConnection, kind: str, decision_ids: Sequence[str]
) -> None:
    """Within the caller's transaction: the items of ``kind`` for these decisions go."""
    t = schema.outbox
    unique = list(dict.fromkeys(decision_ids))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        await conn.execute(delete(t).where(t.c.kind == kind, t.c.decision_id.in_(chunk)))


async def mark_failed(
    engine: AsyncEngine, item_id: int, error: str, next_attempt_at: datetime
) -> None:
    t = schema.outbox
    stmt = (
        update(t)
        .where(t.c.id == item_id)
        .values(
            attempts=t.c.attempts + 1,
            last_error=error[:MAX_ERROR_LEN],
            next_attempt_at=to_utc(next_attempt_at),
        )
    )
    async with write_transaction(engine) as conn:
        await conn.execute(stmt)


async def pending_per_kind(engine: AsyncEngine) -> dict[str, int]:
    t = schema.outbox
    stmt = select(t.c.kind, func.count()).where(t.c.done.is_(False)).group_by(t.c.kind)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return {kind: int(count) for kind, count in rows}
