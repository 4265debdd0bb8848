"""A stand-in for FederationService: the real core (`step`) over a real SQLite Store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator  # noqa: TC003
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from federation_ai.core import FederationState, parse_event, policy_view, step
from federation_ai.core.timeutil import format_timestamp
from federation_ai.settings import Settings  # noqa: TC001 - dataclass field type
from federation_ai.store import Batch, EventRow, Store


@dataclass
class FakeResult:
    outcome: str
    decisions: list[dict[str, Any]]


@dataclass
class FakeService:
    settings: Settings
    store: Store
    bus: Any = None
    state: FederationState = field(default_factory=FederationState)
    subscribers: list[asyncio.Queue[dict[str, Any]]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    ingested: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.events_total = Counter("federation_events", "events", ["outcome"], registry=self.registry)

    async def ingest(self, envelope: dict[str, Any]) -> FakeResult:
        event = parse_event(envelope)
        async with self.lock:
            result = step(self.state, event, self.settings.core)
            decisions = [d.to_dict() for d in result.decisions]
            acct = self.state.accounts[event.account_id]
            await self.store.commit_batch(
                Batch(
                    events=[EventRow(event.account_id, event.event_id, event.event_type,
                                     format_timestamp(event.ts), dict(envelope), result.outcome)],
                    decisions=decisions,
                    states={event.account_id: acct.to_json()},
                )
            )
            self.ingested.append(envelope)
            self.events_total.labels(result.outcome).inc()
        for d in decisions:
            for q in self.subscribers:
                q.put_nowait(d)
        return FakeResult(result.outcome, decisions)

    def accounts(self) -> list[str]:
        return sorted(a for a, s in self.state.accounts.items() if s.last_ts is not None)

    def policy(self, account_id: str) -> dict[str, Any] | None:
        acct = self.state.accounts.get(account_id)
        if acct is None or acct.last_ts is None:
            return None
        return policy_view(acct, self.settings.core)

    def status(self) -> dict[str, Any]:
        return {
            "status": "running",
            "accounts": {a: {"mode": self.state.accounts[a].policy.mode} for a in self.accounts()},
        }

    def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.subscribers.append(queue)

        async def gen() -> AsyncIterator[dict[str, Any]]:
            try:
                while True:
                    yield await queue.get()
            finally:
                self.subscribers.remove(queue)

        return gen()

    def metrics_registry(self) -> CollectorRegistry:
        return self.registry
