"""Adapter calls from the outbox: each adapter in its own task, newest update per account.

The relay hands over the due "adapter:<name>" rows of a round. A slow or failing
downstream system never holds up publishing or another adapter: while an adapter's
task runs, its new rows wait for a later round. Per adapter and account only the
newest row is sent (every row carries the full part of the policy the adapter owns);
a failure postpones that account's rows with the relay's backoff, so an older update
never overtakes a newer one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.adapters.contracts import adapter_of

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime, timedelta

    from federation_ai.adapters.contracts import Adapter
    from federation_ai.service.prometheus_metrics import ServiceMetrics
    from federation_ai.store import OutboxItem, Store

log = structlog.get_logger("federation_ai.outbox")


@dataclass(slots=True)
class AdapterHealth:
    backend: str
    calls: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    last_error: str | None = None
    last_error_at: str | None = None
    last_success_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "healthy": self.consecutive_failures == 0,
            "calls": self.calls,
            "failures": self.failures,
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "last_success_at": self.last_success_at,
        }


class AdapterDelivery:
    def __init__(
        self,
        store: Store,
        adapters: dict[str, Adapter],
        metrics: ServiceMetrics,
        *,
        backoff: Callable[[int], timedelta],
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.adapters = adapters
        self.metrics = metrics
        self.backoff = backoff
        self.clock = clock
        self.health = {name: AdapterHealth(a.backend.description) for name, a in adapters.items()}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._in_flight: set[int] = set()

    @property
    def busy(self) -> bool:
        """True while any adapter call is in flight."""
        return bool(self._tasks)

    def dispatch(self, due: list[OutboxItem]) -> bool:
        """Start a task per adapter that has due rows and none running; True if any."""
        by_adapter: dict[str, list[OutboxItem]] = {}
        for item in due:
            name = adapter_of(item.kind)
            if item.id not in self._in_flight and name is not None and name not in self._tasks:
                by_adapter.setdefault(name, []).append(item)
        for name, rows in by_adapter.items():
            self._in_flight.update(r.id for r in rows)
            self._tasks[name] = asyncio.create_task(self._deliver(name, rows))
        return bool(by_adapter)

    async def wait(self) -> None:
        """Until the calls in flight now have finished (their failures are recorded)."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _deliver(self, name: str, rows: list[OutboxItem]) -> None:
        try:
            adapter = self.adapters.get(name)
            if adapter is None:
                log.warning("outbox_unknown_adapter", adapter=name, items=len(rows))
                await self.store.outbox_done([r.id for r in rows])
                return
            per_account: dict[str, list[OutboxItem]] = {}
            for row in sorted(rows, key=lambda r: r.id):
                per_account.setdefault(str(row.payload.get("account_id")), []).append(row)
            done: list[int] = []
            for account_rows in per_account.values():
                if await self._deliver_account(name, adapter, account_rows):
                    done.extend(r.id for r in account_rows)
            if done:
                await self.store.outbox_done(done)  # one transaction per round and adapter
        except Exception as exc:  # noqa: BLE001 - rows stay due; the next round retries them
            log.warning("adapter_round_failed", adapter=name, error=str(exc))
        finally:
            self._in_flight.difference_update(r.id for r in rows)
            self._tasks.pop(name, None)

    async def _deliver_account(self, name: str, adapter: Adapter, rows: list[OutboxItem]) -> bool:
        """Write the newest update; True if delivered (the caller marks the rows done)."""
        health = self.health.setdefault(name, AdapterHealth(adapter.backend.description))
        newest = rows[-1]
        health.calls += 1
        try:
            await adapter.write(newest.payload)
        except Exception as exc:  # noqa: BLE001 - any downstream failure is retried later
            error = f"{type(exc).__name__}: {exc}"
            health.failures += 1
            health.consecutive_failures += 1
            health.last_error, health.last_error_at = error, self.clock().isoformat()
            self.metrics.adapter_failures.labels(name).inc()
            retry_at = self.clock() + self.backoff(max(r.attempts for r in rows))
            log.warning(
                "adapter_failed",
                adapter=name,
                decision_id=newest.decision_id,
                error=error,
                retry_at=retry_at.isoformat(),
            )
            for r in rows:
                await self.store.outbox_failed(r.id, error, retry_at)
            return False
        health.consecutive_failures = 0
        health.last_success_at = self.clock().isoformat()
        return True
