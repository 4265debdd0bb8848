"""The persistence API used by the service runner, the REST API and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import ColumnElement, select, text

from federation_ai.store import apikeys, audit_reads, liveness, nav_history, outbox_rows, schema
from federation_ai.store.batch_write import BatchWriter
from federation_ai.store.engine import (
    DEFAULT_TIMEOUTS,
    StoreTimeouts,
    create_engine,
    normalize_url,
    secure_sqlite_file,
    sqlite_file,
    write_transaction,
)
from federation_ai.store.migrate import current_revision_sync, head_revision, upgrade_sync
from federation_ai.store.pg_batch import PgBatchWriter
from federation_ai.store.row_codec import decision_from_row

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncEngine

    from federation_ai.store.models import (
        ApiKeyRecord,
        Batch,
        DecisionPage,
        DecisionQuery,
        OutboxItem,
    )
    from federation_ai.store.nav_history import NavEvent

# Serialises concurrent `upgrade()` calls on one PostgreSQL database.
_MIGRATION_LOCK_KEY = 0x46454441  # "FEDA"


class Store:
    """Async persistence over SQLite or PostgreSQL. Create with `await Store.open(url)`."""

    def __init__(self, engine: AsyncEngine, timeouts: StoreTimeouts = DEFAULT_TIMEOUTS) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._pg_batch: PgBatchWriter | None = None
        if self._dialect == "postgresql":
            dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._pg_batch = PgBatchWriter(
                dsn,
                connect_timeout_s=timeouts.connect_s,
                command_timeout_s=timeouts.command_s,
            )
        self._writer = BatchWriter(engine, self._pg_batch)

    @classmethod
    async def open(cls, url: str, timeouts: StoreTimeouts = DEFAULT_TIMEOUTS) -> Self:
        """Create the engine and check the database answers. Does not migrate."""
        target = normalize_url(url)
        path = sqlite_file(target)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            secure_sqlite_file(path)
        engine = create_engine(target)
        engine = create_engine(target, timeouts)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, timeouts)

    async def close(self) -> None:
        if self._pg_batch is not None:
            await self._pg_batch.close()
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"Store({self._engine.url.render_as_string(hide_password=True)!r})"

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self._dialect

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def location(self) -> str:
        """Where the data lives, for logs and status: the SQLite file, or host/database."""
        url = self._engine.url
        path = sqlite_file(url)
        if path is not None:
            return str(path)
        if self._dialect == "sqlite":
            return "sqlite (in memory)"
        return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"

    # -- health ---------------------------------------------------------------------------

    async def probe(self, *, write: bool = False) -> None:
        """One round trip; raises if the database cannot answer (``write``: cannot write)."""
        await liveness.probe(self._engine, write=write)

    # -- schema ---------------------------------------------------------------------------

    async def upgrade(self) -> None:
        """Migrate the schema to the newest revision (a no-op when already there)."""
        async with write_transaction(self._engine) as conn:
            if self._dialect == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            await conn.run_sync(upgrade_sync)

    async def schema_revision(self) -> str | None:
        """The applied migration revision, None for an empty database."""
        async with self._engine.connect() as conn:
            return await conn.run_sync(current_revision_sync)

    async def is_up_to_date(self) -> bool:
        return await self.schema_revision() == head_revision()

    # -- the hot path ---------------------------------------------------------------------

    async def commit_batch(self, batch: Batch) -> None:
        """Write events, decisions, states and outbox rows in ONE transaction.

        Rows that already exist (same event, decision or outbox key) are skipped, so
        committing a batch again after a crash is harmless. Any error rolls back all of
        it; an event the log already holds raises ``EventsAlreadyStoredError``.
        """
        await self._writer.commit(batch)

    async def known_event_ids(self, account_id: str, event_ids: Sequence[str]) -> set[str]:
        """The ids among `event_ids` already in the account's event log (any outcome)."""
        rows = audit_reads.logged_rows(self._engine, account_id, event_ids)
        return {row.event_id async for row in rows}

    async def event_envelopes(
        self, account_id: str, event_ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """The logged envelope of each of these ids the account's event log holds."""
        rows = audit_reads.logged_rows(
            self._engine, account_id, event_ids, schema.events.c.envelope
        )
        return {row.event_id: row.envelope async for row in rows}

    async def load_states(self) -> dict[str, dict[str, Any]]:
        t = schema.states
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.c.account_id, t.c.state))).all()
        return {row.account_id: row.state for row in rows}

    async def accounts(self) -> list[str]:
        """Accounts with stored state, sorted."""
        t = schema.states
        async with self._engine.connect() as conn:
            return list((await conn.scalars(select(t.c.account_id).order_by(t.c.account_id))).all())

    # -- outbox ---------------------------------------------------------------------------

    async def due_outbox(
        self, now: datetime, limit: int = 500, *, skip_kind: str | None = None
    ) -> list[OutboxItem]:
        """Pending items whose next attempt is at or before `now`, oldest first."""
        return await outbox_rows.due(self._engine, now, limit, skip_kind)

    async def pending_outbox(self, kind: str, limit: int = 500) -> list[OutboxItem]:
        """The oldest pending items of one kind, due or not (for in-order delivery)."""
        return await outbox_rows.pending(self._engine, kind, limit)

    async def outbox_done(self, ids: Sequence[int]) -> None:
        await outbox_rows.mark_done(self._engine, ids)

    async def outbox_done_for(self, kind: str, decision_ids: Sequence[str]) -> None:
        """Mark the rows of ``kind`` for these decisions done, without reading them."""
        await outbox_rows.mark_done_by_decision(self._engine, kind, decision_ids)

    async def outbox_failed(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        """Count a failed attempt, keep its error and schedule the next one."""
        await outbox_rows.mark_failed(self._engine, item_id, error, next_attempt_at)

    async def outbox_stats(self) -> dict[str, int]:
        """Pending (not done) items per kind; kinds with nothing pending are absent."""
        return await outbox_rows.pending_per_kind(self._engine)

    # -- audit trail ----------------------------------------------------------------------

    async def query_decisions(self, q: DecisionQuery) -> DecisionPage:
        return await audit_reads.query_decisions(self._engine, q)

    async def get_decision(self, decision_id: str) -> dict[str, Any] | None:
        return await audit_reads.get_decision(self._engine, decision_id)

    async def decisions_for_event(self, account_id: str, event_id: str) -> list[dict[str, Any]]:
        """The decisions one event produced, in the order they were stored."""
        return await audit_reads.decisions_for_event(self._engine, account_id, event_id)

    async def iter_decisions(
        self, account_id: str | None = None, batch: int = 1000
    ) -> AsyncIterator[dict[str, Any]]:
        """Every stored decision in storage order, read in chunks of `batch`."""
        t = schema.decisions
        where = [] if account_id is None else [t.c.account_id == account_id]
        async for row in audit_reads.keyset(self._engine, select(t), t.c.seq, where, batch):
            yield decision_from_row(row)

    async def get_event(self, account_id: str, event_id: str) -> dict[str, Any] | None:
        """The stored envelope of an event, exactly as received."""
        return await audit_reads.get_event(self._engine, account_id, event_id)

    async def iter_events(
        self, account_id: str | None = None, batch: int = 1000
    ) -> AsyncIterator[dict[str, Any]]:
        """Envelopes of processed events in arrival order (what a replay must reproduce)."""
        t = schema.events
        where: list[ColumnElement[bool]] = [t.c.outcome == "processed"]
        if account_id is not None:
            where.append(t.c.account_id == account_id)
        base = select(t.c.seq, t.c.envelope)
        async for row in audit_reads.keyset(self._engine, base, t.c.seq, where, batch):
            yield row["envelope"]

    async def iter_event_log(self, batch: int = 1000) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """(outcome, envelope) of every logged event, processed or not, in arrival order."""
        t = schema.events
        base = select(t.c.seq, t.c.outcome, t.c.envelope)
        async for row in audit_reads.keyset(self._engine, base, t.c.seq, [], batch):
            yield row["outcome"], row["envelope"]

    async def nav_events(self, account_id: str, after_seq: int, limit: int) -> list[NavEvent]:
        """Processed snapshots and operator commands (with their peak-reset flag), by seq."""
        return await nav_history.nav_events(self._engine, account_id, after_seq, limit)

    async def chart_marks(
        self, account_id: str, decision_types: Sequence[str], limit: int
    ) -> list[dict[str, Any]]:
        """The newest applied decisions of these types, newest first."""
        return await nav_history.chart_marks(self._engine, account_id, decision_types, limit)

    # -- API keys -------------------------------------------------------------------------

    async def add_api_key(self, name: str, scope: str, key_hash: str) -> None:
        """Store a key's sha256 hex digest; raises KeyExists for a taken name or hash."""
        await apikeys.add(self._engine, name, scope, key_hash)

    async def find_api_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The non-revoked key with this hash."""
        return await apikeys.find(self._engine, key_hash)

    async def list_api_keys(self) -> list[ApiKeyRecord]:
        return await apikeys.list_all(self._engine)

    async def revoke_api_key(self, name: str) -> bool:
        return await apikeys.revoke(self._engine, name)
