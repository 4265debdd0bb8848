"""Write one batch (events, decisions, states, outbox rows) in ONE transaction.

PostgreSQL goes through ``PgBatchWriter`` (one statement); SQLite, and any other
dialect, through SQLAlchemy Core statements inside one write transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from federation_ai.store import outbox_rows, schema
from federation_ai.store.engine import write_transaction
from federation_ai.store.models import PUBLISH, EventsAlreadyStoredError
from federation_ai.store.queries import insert_ignoring, upsert_states
from federation_ai.store.row_codec import decision_to_row, event_to_row, state_rows

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from federation_ai.store.models import Batch
    from federation_ai.store.pg_batch import PgBatchWriter


def not_inserted(
    events: list[dict[str, Any]], inserted: set[tuple[Any, ...]]
) -> list[tuple[str, str]]:
    """Event keys the insert skipped: already logged, or repeated inside the batch."""
    first: set[tuple[Any, ...]] = set()
    out: list[tuple[str, str]] = []
    for e in events:
        key = (e["account_id"], e["event_id"])
        if key in inserted and key not in first:
            first.add(key)
        else:
            out.append(key)
    return out


class BatchWriter:
    """``commit``: a batch in one transaction, on either backend."""

    def __init__(self, engine: AsyncEngine, pg_batch: PgBatchWriter | None) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._pg_batch = pg_batch
        self._insert_events = insert_ignoring(
            self._dialect, schema.events, "account_id", "event_id"
        ).returning(schema.events.c.account_id, schema.events.c.event_id)
        self._insert_decisions = insert_ignoring(self._dialect, schema.decisions, "decision_id")
        self._insert_outbox = insert_ignoring(self._dialect, schema.outbox, "kind", "decision_id")
        self._upsert_states = upsert_states(self._dialect)

    async def commit(self, batch: Batch) -> None:
        """Write events, decisions, states and outbox rows in ONE transaction.

        Rows that already exist (same event, decision or outbox key) are skipped, so
        committing a batch again after a crash is harmless. Any error rolls back all of it.
        """
        events = [event_to_row(row) for row in batch.events]
        decisions = [decision_to_row(decision) for decision in batch.decisions]
        now = datetime.now(UTC)
        states = state_rows(batch, now)
        pending = [outbox_rows.new_row(row, now) for row in batch.outbox]
        if not (events or decisions or states or pending or batch.published):
            return
        if self._pg_batch is not None:
            inserted = await self._pg_batch.write(
                events, decisions, states, pending, batch.published
            )
            if len(inserted) < len(events):
                raise EventsAlreadyStoredError(not_inserted(events, inserted))
            return
        async with write_transaction(self._engine) as conn:
            if events:
                # The event log is the idempotency authority: a batch with an event it
                # already holds is rolled back whole, so its decisions and state never
                # land twice; the caller re-runs the batch without those events.
                inserted = {tuple(r) for r in await conn.execute(self._insert_events, events)}
                if len(inserted) < len(events):
                    raise EventsAlreadyStoredError(not_inserted(events, inserted))
            if decisions:
                if self._dialect == "sqlite":
                    # The write lock is held since BEGIN IMMEDIATE: nobody else can
                    # assign seq values until this transaction ends.
                    top = await conn.scalar(
                        select(func.coalesce(func.max(schema.decisions.c.seq), 0))
                    )
                    for offset, row in enumerate(decisions, start=1):
                        row["seq"] = int(top or 0) + offset
                await conn.execute(self._insert_decisions, decisions)
            if states:
                await conn.execute(self._upsert_states, states)
            if pending:
                await conn.execute(self._insert_outbox, pending)
            await outbox_rows.delete_by_decision(conn, PUBLISH, batch.published)
