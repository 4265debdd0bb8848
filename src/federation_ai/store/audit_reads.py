"""Reads of the audit trail: the event log and the stored decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, select

from federation_ai.store import schema
from federation_ai.store.models import DecisionPage
from federation_ai.store.queries import decision_page, encode_cursor
from federation_ai.store.row_codec import decision_from_row

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Sequence

    from sqlalchemy.ext.asyncio import AsyncEngine

    from federation_ai.store.models import DecisionQuery

# Keeps every IN (...) list well below the bind-parameter limits of both backends.
_CHUNK = 900


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def logged_rows(
    engine: AsyncEngine, account_id: str, event_ids: Sequence[str], *columns: Any
) -> AsyncIterator[Any]:
    """The event-log rows (``event_id`` and ``columns``) of these ids of one account."""
    t = schema.events
    unique = list(dict.fromkeys(event_ids))
    if not unique:
        return
    async with engine.connect() as conn:
        for chunk in _chunks(unique):
            stmt = select(t.c.event_id, *columns).where(
                t.c.account_id == account_id, t.c.event_id.in_(chunk)
            )
            for row in await conn.execute(stmt):
                yield row


async def query_decisions(engine: AsyncEngine, q: DecisionQuery) -> DecisionPage:
    async with engine.connect() as conn:
        rows = (await conn.execute(decision_page(q))).mappings().all()
    page = rows[: q.limit]
    more = len(rows) > q.limit
    return DecisionPage(
        items=[decision_from_row(row) for row in page],
        next_cursor=encode_cursor(page[-1]["seq"]) if more else None,
    )


async def get_decision(engine: AsyncEngine, decision_id: str) -> dict[str, Any] | None:
    t = schema.decisions
    async with engine.connect() as conn:
        row = (
            (await conn.execute(select(t).where(t.c.decision_id == decision_id)))
            .mappings()
            .first()
        )
    return None if row is None else decision_from_row(row)


async def decisions_for_event(
    engine: AsyncEngine, account_id: str, event_id: str
) -> list[dict[str, Any]]:
    t = schema.decisions
    stmt = (
        select(t).where(t.c.account_id == account_id, t.c.event_id == event_id).order_by(t.c.seq)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).mappings().all()
    return [decision_from_row(row) for row in rows]


async def get_event(engine: AsyncEngine, account_id: str, event_id: str) -> dict[str, Any] | None:
    t = schema.events
    stmt = select(t.c.envelope).where(t.c.account_id == account_id, t.c.event_id == event_id)
    async with engine.connect() as conn:
        envelope: dict[str, Any] | None = await conn.scalar(stmt)
    return envelope


async def keyset(
    engine: AsyncEngine,
    base: Select[Any],
    key: Any,
    where: list[ColumnElement[bool]],
    batch: int,
) -> AsyncIterator[Any]:
    """Rows of ``base`` in ``key`` order, read in chunks of ``batch``.

    One short read per chunk: no transaction stays open while the caller works.
    """
    if batch < 1:
        raise ValueError("batch must be positive")
    last: int | None = None
    while True:
        stmt = base.where(*where)
        if last is not None:
            stmt = stmt.where(key > last)
        async with engine.connect() as conn:
            rows = (await conn.execute(stmt.order_by(key).limit(batch))).mappings().all()
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        last = rows[-1][key.name]
