"""The reads behind the NAV/drawdown chart: one statement per chunk of an account's history.

``nav_events`` returns an account's processed snapshots and operator commands in
arrival order, each command with a flag saying whether one of its applied decisions
moved the drawdown peak (a forced unfreeze or a peak reset), decided in the same
statement by an ``EXISTS`` over the decisions: no query per command. ``chart_marks``
is one query for the applied freezes, unfreezes and mode changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, or_, select

from federation_ai.store import schema
from federation_ai.store.row_codec import decision_from_row

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncEngine

SNAPSHOT = "portfolio.snapshot_updated"
COMMAND = "operator.command"


@dataclass(frozen=True, slots=True)
class NavEvent:
    """One stored event the NAV fold needs."""

    seq: int
    event_type: str
    envelope: dict[str, Any]
    resets_peak: bool  # an operator command with an applied forced unfreeze or peak reset


def _peak_moved() -> Any:
    e, d = schema.events, schema.decisions
    forced_unfreeze = and_(d.c.decision_type == "unfreeze", d.c.role_source == "operator")
    peak_reset = and_(
        d.c.decision_type == "override", d.c.payload["action"].as_string() == "peak_reset"
    )
    return and_(
        e.c.event_type == COMMAND,
        exists().where(
            d.c.account_id == e.c.account_id,
            d.c.event_id == e.c.event_id,
            d.c.status == "applied",
            or_(forced_unfreeze, peak_reset),
        ),
    )


async def nav_events(
    engine: AsyncEngine, account_id: str, after_seq: int, limit: int
) -> list[NavEvent]:
    """Up to ``limit`` processed snapshots and commands of the account after ``after_seq``."""
    e = schema.events
    stmt = (
        select(e.c.seq, e.c.event_type, e.c.envelope, _peak_moved().label("resets_peak"))
        .where(
            e.c.account_id == account_id,
            e.c.outcome == "processed",
            e.c.event_type.in_((SNAPSHOT, COMMAND)),
            e.c.seq > after_seq,
        )
        .order_by(e.c.seq)
        .limit(limit)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [NavEvent(int(r.seq), r.event_type, r.envelope or {}, bool(r.resets_peak)) for r in rows]


async def chart_marks(
    engine: AsyncEngine, account_id: str, decision_types: Sequence[str], limit: int
) -> list[dict[str, Any]]:
    """The newest ``limit`` applied decisions of these types, newest first."""
    d = schema.decisions
    stmt = (
        select(d)
        .where(
            d.c.account_id == account_id,
            d.c.status == "applied",
            d.c.decision_type.in_(list(decision_types)),
        )
        .order_by(d.c.seq.desc())
        .limit(limit)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).mappings().all()
    return [decision_from_row(row) for row in rows]
