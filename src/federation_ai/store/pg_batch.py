"""PostgreSQL hot path for ``commit_batch``: one transaction, four array-``unnest`` inserts.

The batch is the live service's hot path (one per fetched batch of events). SQLAlchemy
Core stays the store's language everywhere else; here a dedicated asyncpg connection
sends each table's rows as column arrays in a single statement, which costs about a
third of the same work through the engine (measured on the reference machine).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import asyncpg
import orjson
from sqlalchemy.exc import IntegrityError, StatementError

if TYPE_CHECKING:
    from collections.abc import Sequence

# table -> (columns with their PostgreSQL types, conflict clause)
_TABLES: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {
    "federation_events": (
        (
            ("account_id", "text"),
            ("event_id", "text"),
            ("event_type", "text"),
            ("timestamp", "timestamptz"),
            ("envelope", "jsonb"),
            ("outcome", "text"),
        ),
        "ON CONFLICT (account_id, event_id) DO NOTHING RETURNING account_id, event_id",
    ),
    "federation_decisions": (
        (
            ("decision_id", "text"),
            ("event_id", "text"),
            ("account_id", "text"),
            ("decision_type", "text"),
            ("role_source", "text"),
            ("priority", "int4"),
            ("timestamp", "timestamptz"),
            ("reason", "text"),
            ("payload", "jsonb"),
            ("status", "text"),
            ("config_digest", "text"),
        ),
        "ON CONFLICT (decision_id) DO NOTHING",
    ),
    "federation_state": (
        (
            ("account_id", "text"),
            ("state", "jsonb"),
            ("last_event_id", "text"),
            ("updated_at", "timestamptz"),
        ),
        (
            "ON CONFLICT (account_id) DO UPDATE SET state = EXCLUDED.state, "
            "last_event_id = COALESCE(EXCLUDED.last_event_id, federation_state.last_event_id), "
            "updated_at = EXCLUDED.updated_at"
        ),
    ),
    "federation_outbox": (
        (
            ("kind", "text"),
            ("decision_id", "text"),
            ("payload", "jsonb"),
            ("attempts", "int4"),
            ("next_attempt_at", "timestamptz"),
            ("last_error", "text"),
            ("done", "bool"),
        ),
        "ON CONFLICT (kind, decision_id) DO NOTHING",
    ),
}


def _statement(table: str) -> str:
    columns, tail = _TABLES[table]
    names = ", ".join(f'"{name}"' for name, _ in columns)
    arrays = ", ".join(f"${i}::{kind}[]" for i, (_, kind) in enumerate(columns, 1))
    return f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {tail}"  # noqa: S608 - names are constants


_SQL = {table: _statement(table) for table in _TABLES}


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _arrays(table: str, rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    columns, _ = _TABLES[table]
    return [
        [_json(r[name]) if kind == "jsonb" else r[name] for r in rows] for name, kind in columns
    ]


class PgBatchWriter:
    """Writes one batch per transaction on its own connection (re-opened after an error)."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: asyncpg.Connection | None = None

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._dsn)
        return self._conn

    async def write(
        self,
        events: Sequence[dict[str, Any]],
        decisions: Sequence[dict[str, Any]],
        states: Sequence[dict[str, Any]],
        outbox: Sequence[dict[str, Any]],
    ) -> set[tuple[str, str]]:
        """Insert everything in one transaction; returns the event keys actually inserted.

        If an event is already logged, the transaction is rolled back and the returned
        set is smaller than ``events``: the caller reports which ones.
        """
        try:  # encode everything before the transaction starts
            arrays = {
                table: _arrays(table, rows)
                for table, rows in (
                    ("federation_events", events),
                    ("federation_decisions", decisions),
                    ("federation_state", states),
                    ("federation_outbox", outbox),
                )
                if rows
            }
        except TypeError as exc:
            raise StatementError(
                "value is not JSON serializable", "commit_batch", None, exc
            ) from exc
        conn = await self._connection()
        tx = conn.transaction()
        await tx.start()
        try:
            inserted: set[tuple[str, str]] = set()
            if events:
                found = await conn.fetch(_SQL["federation_events"], *arrays["federation_events"])
                inserted = {(r["account_id"], r["event_id"]) for r in found}
                if len(inserted) < len(events):
                    await tx.rollback()  # the caller reports the events already logged
                    return inserted
            for table in ("federation_decisions", "federation_state", "federation_outbox"):
                if table in arrays:
                    await conn.execute(_SQL[table], *arrays[table])
            await tx.commit()
        except asyncpg.IntegrityConstraintViolationError as exc:
            await tx.rollback()
            # the same error type the engine raises for the other backends
            raise IntegrityError("commit_batch", None, exc) from exc
        except BaseException:
            if not conn.is_closed():
                with contextlib.suppress(asyncpg.InterfaceError, OSError):
                    await tx.rollback()
            await self.close()  # a fresh connection next time
            raise
        return inserted

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            await conn.close()
