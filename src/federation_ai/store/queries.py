"""Statement builders shared by the store: conflict-skipping inserts, audit queries, cursors."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sqlalchemy import Insert, Select, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from federation_ai.store import schema
from federation_ai.store.models import DecisionQuery, InvalidQueryError

_CURSOR_PREFIX = "d1:"


def insert_ignoring(dialect: str, table: Table, *conflict_columns: str) -> Insert:
    """INSERT that skips rows conflicting on the given unique columns."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table)
    return stmt.on_conflict_do_nothing(index_elements=list(conflict_columns))  # type: ignore[no-any-return]


def upsert_states(dialect: str) -> Insert:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(schema.states)
    return stmt.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=["account_id"],
        set_={
            "state": stmt.excluded.state,
            "last_event_id": func.coalesce(
                stmt.excluded.last_event_id, schema.states.c.last_event_id
            ),
            "updated_at": stmt.excluded.updated_at,
        },
    )


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError) as exc:
        raise InvalidQueryError("malformed cursor") from exc
    if not text.startswith(_CURSOR_PREFIX) or not text[len(_CURSOR_PREFIX) :].isdigit():
        raise InvalidQueryError("malformed cursor")
    return int(text[len(_CURSOR_PREFIX) :])


def decision_page(q: DecisionQuery) -> Select[Any]:
    """Newest first (by seq); one extra row tells whether another page exists."""
    t = schema.decisions
    stmt = select(t)
    if q.account_id is not None:
        stmt = stmt.where(t.c.account_id == q.account_id)
    if q.role_source is not None:
        stmt = stmt.where(t.c.role_source == q.role_source)
    if q.decision_type is not None:
        stmt = stmt.where(t.c.decision_type == q.decision_type)
    if q.status is not None:
        stmt = stmt.where(t.c.status == q.status)
    if q.since is not None:
        stmt = stmt.where(t.c.timestamp >= q.since)
    if q.until is not None:
        stmt = stmt.where(t.c.timestamp < q.until)
    if q.cursor is not None:
        stmt = stmt.where(t.c.seq < decode_cursor(q.cursor))
    return stmt.order_by(t.c.seq.desc()).limit(q.limit + 1)
