"""The read port the REST API uses: the audit trail, one decision, the NAV timeline, API keys.

The API never touches the store: it asks the service, which answers from here (and
from its in-memory state for policies and status). Filters arrive as plain values; a
malformed one (a cursor that is not ours) raises ``InvalidReadQuery``. The audit trail
takes the store's ``DecisionQuery`` (re-exported here), which the route builds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from federation_ai.service.nav_timeline import MAX_POINTS, NavTimelines
from federation_ai.store import DecisionQuery, InvalidQueryError

if TYPE_CHECKING:
    from federation_ai.core import CoreConfig
    from federation_ai.store import ApiKeyRecord, Store

__all__ = ["MAX_POINTS", "DecisionQuery", "InvalidReadQuery", "ReadPort"]


class InvalidReadQuery(ValueError):  # noqa: N818 - reads as what the caller sent
    """A filter or pagination cursor the audit trail cannot answer."""


class ReadPort:
    """Reads over one store, for one service."""

    def __init__(self, store: Store, core: CoreConfig) -> None:
        self._store = store
        self._timelines = NavTimelines(store, core.metrics)

    async def decisions(self, query: DecisionQuery) -> dict[str, Any]:
        """``{"items": [...], "next_cursor": str | None}``, newest first."""
        try:
            page = await self._store.query_decisions(query)
        except InvalidQueryError as exc:
            raise InvalidReadQuery(str(exc)) from exc
        return {"items": page.items, "next_cursor": page.next_cursor}

    async def decision(self, decision_id: str) -> dict[str, Any] | None:
        """One decision and, under ``event``, the envelope of the event that triggered it."""
        decision = await self._store.get_decision(decision_id)
        if decision is None:
            return None
        event = await self._store.get_event(decision["account_id"], decision["event_id"])
        return {**decision, "event": event}

    async def timeline(self, account_id: str, limit: int) -> dict[str, Any]:
        """The newest ``limit`` NAV/drawdown points (oldest first) and the chart marks."""
        points = await self._timelines.points(account_id, limit)
        marks = await self._timelines.marks(account_id)
        return {"account_id": account_id, "points": points, "marks": marks}

    async def find_api_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The stored, non-revoked key with this SHA-256 digest."""
        return await self._store.find_api_key(key_hash)
