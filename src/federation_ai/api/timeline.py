"""NAV and drawdown over time for the dashboard's chart, rebuilt from the stored event log.

Per account, the stored snapshot events are folded forward exactly as the core does
(SPEC §3: ``nav_t = nav_{t-1} * (equity_t - net_flow_t) / equity_{t-1}``, peak = max
NAV, DD = 1 - nav / peak); an operator command whose decisions reset the peak (a
forced unfreeze or a peak reset) sets the peak to the NAV of that moment. The fold is
incremental: each request reads only the events stored since the previous one, and
the points are kept in a bounded ring buffer per account, so a poll costs one small
query. Freezes, unfreezes and mode changes come from the audit trail as chart marks.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from federation_ai.store import DecisionQuery, schema
from federation_ai.store.timeutil import format_utc

if TYPE_CHECKING:
    from federation_ai.store import Store

SNAPSHOT = "portfolio.snapshot_updated"
COMMAND = "operator.command"
MAX_POINTS = 5000
READ_BATCH = 2000
MARK_TYPES = ("freeze", "unfreeze", "mode_change")
MARK_LIMIT = 200


@dataclass(slots=True)
class _Fold:
    """The running NAV fold of one account and its recent points."""

    last_seq: int = 0
    nav: float | None = None
    peak: float | None = None
    equity: float | None = None
    points: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_POINTS))

    def snapshot(self, timestamp: str, payload: dict[str, Any]) -> None:
        equity = float(payload["total_equity"])
        if self.nav is None or self.equity is None or self.peak is None:
            self.nav, self.peak = 1.0, 1.0
        else:
            flow = float(payload.get("net_flow") or 0.0)
            self.nav = self.nav * (equity - flow) / self.equity
            self.peak = max(self.peak, self.nav)
        self.equity = equity
        self.points.append({
            "timestamp": timestamp,
            "nav": self.nav,
            "drawdown": 1.0 - self.nav / self.peak,
            "equity": equity,
        })

    def reset_peak(self) -> None:
        if self.nav is not None:
            self.peak = self.nav


def _resets_peak(decision: dict[str, Any]) -> bool:
    if decision.get("status") != "applied":
        return False
    kind = decision.get("decision_type")
    if kind == "unfreeze":
        return decision.get("role_source") == "operator"
    return kind == "override" and (decision.get("payload") or {}).get("action") == "peak_reset"


class Timelines:
    """Incrementally folded NAV/DD series per account, over one store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._folds: dict[str, _Fold] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def points(self, account_id: str, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` points (oldest first), after catching up with the store."""
        lock = self._locks.setdefault(account_id, asyncio.Lock())
        async with lock:
            fold = self._folds.setdefault(account_id, _Fold())
            while await self._catch_up(account_id, fold) == READ_BATCH:
                pass
            items = list(fold.points)
        return items[-limit:]

    async def _catch_up(self, account_id: str, fold: _Fold) -> int:
        t = schema.events
        stmt = (
            select(t.c.seq, t.c.event_id, t.c.event_type, t.c.timestamp, t.c.envelope)
            .where(
                t.c.account_id == account_id,
                t.c.outcome == "processed",
                t.c.event_type.in_((SNAPSHOT, COMMAND)),
                t.c.seq > fold.last_seq,
            )
            .order_by(t.c.seq)
            .limit(READ_BATCH)
        )
        async with self._store.engine.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        for row in rows:
            if row["event_type"] == SNAPSHOT:
                payload = (row["envelope"] or {}).get("payload") or {}
                fold.snapshot(format_utc(row["timestamp"]), payload)
            else:
                decided = await self._store.decisions_for_event(account_id, row["event_id"])
                if any(_resets_peak(d) for d in decided):
                    fold.reset_peak()
            fold.last_seq = int(row["seq"])
        return len(rows)

    async def marks(self, account_id: str) -> list[dict[str, Any]]:
        """Applied freezes, unfreezes and mode changes, oldest first."""
        found: list[dict[str, Any]] = []
        for kind in MARK_TYPES:
            page = await self._store.query_decisions(
                DecisionQuery(
                    account_id=account_id, decision_type=kind, status="applied", limit=MARK_LIMIT
                )
            )
            found.extend(_mark(d) for d in page.items)
        found.sort(key=lambda m: m["timestamp"])
        return found


def _mark(d: dict[str, Any]) -> dict[str, Any]:
    payload = d.get("payload") or {}
    kind = d["decision_type"]
    if kind == "freeze":
        label = "FROZEN: " + ", ".join(payload.get("triggers") or [])
    elif kind == "unfreeze":
        label = f"unfrozen -> {payload.get('restored_mode')}"
    else:
        label = f"{payload.get('previous_mode')} -> {payload.get('mode')}"
    return {
        "timestamp": d["timestamp"],
        "kind": kind,
        "label": label,
        "role": d.get("role_source"),
        "decision_id": d.get("decision_id"),
    }
