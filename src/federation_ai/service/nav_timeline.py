"""NAV and drawdown over time for the dashboard's chart, folded by the core's own metrics.

Per account, the stored snapshots are parsed by the core's codec and fed to
``core.metrics.Metrics.on_snapshot`` in arrival order (SPEC §3: flow-neutral NAV,
peak, drawdown), so the chart and the decisions use one definition. An operator
command whose applied decisions moved the peak (a forced unfreeze or a peak reset)
resets it at that point, as the core did. The fold is incremental: a request reads
only the events stored since the previous one, in chunks of ``READ_BATCH`` (one
statement each, the peak-reset flag of every command included: no query per command),
and keeps the newest ``MAX_POINTS`` points per account. Freezes, unfreezes and mode
changes come from the audit trail as chart marks, in one query.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.core import InvalidEvent, parse_event
from federation_ai.core.account_metrics import Metrics
from federation_ai.core.micros import format_timestamp

if TYPE_CHECKING:
    from federation_ai.core.core_config import MetricsConfig
    from federation_ai.store import Store
    from federation_ai.store.nav_history import NavEvent

log = structlog.get_logger("federation_ai.timeline")

SNAPSHOT = "portfolio.snapshot_updated"
MAX_POINTS = 5000
READ_BATCH = 2000
MARK_TYPES = ("freeze", "unfreeze", "mode_change")
MARK_LIMIT = 600


@dataclass(slots=True)
class _Fold:
    """The core's metrics of one account as of ``last_seq``, and its recent points."""

    last_seq: int = 0
    metrics: Metrics = field(default_factory=Metrics)
    points: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_POINTS))

    def add(self, row: NavEvent) -> None:
        self.last_seq = row.seq
        if row.event_type != SNAPSHOT:
            if row.resets_peak:
                self.metrics.reset_peak()
            return
        try:
            event = parse_event(row.envelope)
        except InvalidEvent as exc:  # stored as processed, so only after a codec change
            log.warning("timeline_event_skipped", seq=row.seq, error=str(exc))
            return
        m = self.metrics
        m.on_snapshot(event.ts, event.payload)
        self.points.append({
            "timestamp": format_timestamp(event.ts),
            "nav": m.nav,
            "drawdown": m.dd,
            "equity": m.equity,
        })


class NavTimelines:
    """Incrementally folded NAV/DD series per account, over one store."""

    def __init__(self, store: Store, cfg: MetricsConfig) -> None:
        self._store = store
        self._cfg = cfg
        self._folds: dict[str, _Fold] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def points(self, account_id: str, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` points (oldest first), after catching up with the store."""
        lock = self._locks.setdefault(account_id, asyncio.Lock())
        async with lock:
            fold = self._folds.setdefault(account_id, _Fold())
            while True:
                rows = await self._store.nav_events(account_id, fold.last_seq, READ_BATCH)
                for row in rows:
                    fold.add(row)
                if len(rows) < READ_BATCH:
                    break
            items = list(fold.points)
        return items[-limit:]

    async def marks(self, account_id: str) -> list[dict[str, Any]]:
        """Applied freezes, unfreezes and mode changes (the newest ``MARK_LIMIT``), oldest first."""
        found = await self._store.chart_marks(account_id, MARK_TYPES, MARK_LIMIT)
        return [_mark(d) for d in reversed(found)]


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
