"""The figures ``status()`` and the gauges show, refreshed in the background.

Bus lag and pending, the outbox backlog, the gauges of accounts and adapter health,
and the enforcement adapter's view of the backend's halt keys. A figure that cannot
be refreshed keeps its last value, marked stale with its age.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from federation_ai.adapters.contracts import outbox_kind
from federation_ai.service import enforcement_reconcile
from federation_ai.service.faults import describe_error
from federation_ai.store import PUBLISH

if TYPE_CHECKING:
    from federation_ai.service.federation import FederationService

MONITOR_INTERVAL_S = 2.0  # bus lag and outbox backlog figures for status and metrics
# a figure older than this is marked stale (its refresh failed or hangs)
STALE_AFTER_S = 2 * MONITOR_INTERVAL_S + 1.0


@dataclass(slots=True)
class Figure:
    """A figure refreshed by the monitor, with its time and the last refresh's error."""

    value: Any = None
    at: datetime | None = None
    at_mono: float | None = None
    error: str | None = None
    error_at: datetime | None = None

    def set(self, value: Any) -> None:
        self.value, self.at, self.at_mono = value, datetime.now(UTC), time.monotonic()
        self.error = self.error_at = None

    def failed(self, exc: BaseException) -> None:
        self.error, self.error_at = describe_error(exc), datetime.now(UTC)

    def freshness(self) -> dict[str, Any]:
        """``as_of``, ``age_s`` and ``stale``: whether the figure can be taken as current."""
        age = None if self.at_mono is None else round(time.monotonic() - self.at_mono, 3)
        stale = self.error is not None or age is None or age > STALE_AFTER_S
        return {"as_of": None if self.at is None else self.at.isoformat(), "age_s": age,
                "stale": stale}


class FiguresMonitor:
    """Refreshes the figures every ``MONITOR_INTERVAL_S`` (``run``) or when asked."""

    def __init__(self, service: FederationService) -> None:
        self.service = service  # its bus, store, pipeline, relay, adapters and metrics
        self.lag, self.pending, self.outbox = Figure(), Figure(), Figure({})
        self.enforcement: Any = None

    def bus_freshness(self) -> dict[str, Any]:
        """Lag and pending are shown together: as current as the older of the two."""
        lag, pending = self.lag.freshness(), self.pending.freshness()
        ages = [f["age_s"] for f in (lag, pending)]
        older = pending if ages[0] is not None and (ages[1] is None or ages[1] > ages[0]) else lag
        return {**older, "stale": lag["stale"] or pending["stale"]}

    async def refresh(self) -> None:
        """Bus lag/pending and outbox backlog, for ``status()`` and the gauges."""
        svc = self.service
        metrics = svc.metrics
        metrics.set_accounts(a.policy.frozen for a in svc.pipeline.state.accounts.values())
        metrics.set_adapter_failures(
            {name: h.consecutive_failures for name, h in svc.relay.delivery.health.items()}
        )
        try:
            self.lag.set(await svc.bus.lag())
            metrics.bus_lag.set(self.lag.value)
        except Exception as exc:  # noqa: BLE001 - shown as stale; health has the outage
            self.lag.failed(exc)
        try:
            self.pending.set(await svc.bus.pending_count())
            metrics.bus_pending.set(self.pending.value)
        except Exception as exc:  # noqa: BLE001
            self.pending.failed(exc)
        try:
            stats = await svc.store.outbox_stats()
            self.outbox.set(stats)
            kinds = [PUBLISH, *(outbox_kind(n) for n in svc.adapters.writers)]
            metrics.set_backlog(stats, kinds)
        except Exception as exc:  # noqa: BLE001
            self.outbox.failed(exc)
        with contextlib.suppress(Exception):  # the keys' own errors are in the figure
            self.enforcement = await enforcement_reconcile.observe(
                svc.settings, svc.pipeline, svc.adapters
            )

    async def run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(MONITOR_INTERVAL_S)
