"""The alerts' rows in the store's outbox: kind ``alert:<channel id>``, keyed by happening.

Unlike the other outbox rows, a sent alert row is kept (``done``) for
``alerts.keep_sent_days``: the (kind, decision_id) unique key then refuses the same
happening for the same channel again, whether it comes with a batch (the store
inserts ignoring conflicts) or from the shell (``enqueue``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, update

from federation_ai.store import schema
from federation_ai.store.engine import write_transaction
from federation_ai.store.outbox_rows import MAX_ERROR_LEN, new_row
from federation_ai.store.queries import insert_ignoring
from federation_ai.store.rfc3339 import to_utc

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from federation_ai.store import OutboxRow, Store

PREFIX = "alert:"


async def enqueue(store: Store, rows: Sequence[OutboxRow], now: datetime) -> None:
    """Add rows whose (channel, happening) is not yet in the outbox, sent or pending."""
    if not rows:
        return
    stmt = insert_ignoring(store.dialect, schema.outbox, "kind", "decision_id")
    async with write_transaction(store.engine) as conn:
        await conn.execute(stmt, [new_row(r, now) for r in rows])


async def mark_sent(store: Store, ids: Sequence[int], now: datetime) -> None:
    t = schema.outbox
    stmt = (
        update(t)
        .where(t.c.id.in_(list(ids)))
        .values(done=True, last_error=None, next_attempt_at=to_utc(now))
    )
    async with write_transaction(store.engine) as conn:
        await conn.execute(stmt)


async def mark_failed(store: Store, ids: Sequence[int], error: str, retry_at: datetime) -> None:
    t = schema.outbox
    stmt = (
        update(t)
        .where(t.c.id.in_(list(ids)))
        .values(
            attempts=t.c.attempts + 1,
            last_error=error[:MAX_ERROR_LEN],
            next_attempt_at=to_utc(retry_at),
        )
    )
    async with write_transaction(store.engine) as conn:
        await conn.execute(stmt)


async def prune(store: Store, before: datetime) -> None:
    """Forget the keys of happenings sent before ``before``."""
    t = schema.outbox
    stmt = delete(t).where(
        t.c.kind.startswith(PREFIX), t.c.done.is_(True), t.c.next_attempt_at < to_utc(before)
    )
    async with write_transaction(store.engine) as conn:
        await conn.execute(stmt)
