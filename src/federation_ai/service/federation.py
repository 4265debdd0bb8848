"""The service facade used by the REST API and the CLI.

``FederationService`` owns one pipeline (the single writer), the bus consumer, the
fast publisher, the outbox relay and a monitor that refreshes the figures ``status()``
and the metrics show. Build it with ``build_service`` (``federation_ai.service.bootstrap``).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.core import InvalidEvent, parse_event, policy_view
from federation_ai.core.account_clock import ahead_of, too_far_ahead
from federation_ai.core.micros import format_timestamp
from federation_ai.service import enforcement_reconcile
from federation_ai.service.account_summary import account_status, account_summary
from federation_ai.service.figures_monitor import FiguresMonitor
from federation_ai.service.health import Dependency, HealthBoard
from federation_ai.service.read_port import ReadPort
from federation_ai.service.wall_clock import wall_clock
from federation_ai.service.watchdog import Watchdog

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Coroutine

    from prometheus_client import CollectorRegistry

    from federation_ai.adapters import AdapterSet
    from federation_ai.alerts.service_alerts import Alerts
    from federation_ai.bus import EventBus
    from federation_ai.core import Event
    from federation_ai.service.broadcast import Broadcaster
    from federation_ai.service.consumer_loop import Runner
    from federation_ai.service.fast_publisher import FastPublisher
    from federation_ai.service.outbox_relay import OutboxRelay
    from federation_ai.service.pipeline import Pipeline
    from federation_ai.service.probe import Prober
    from federation_ai.service.prometheus_metrics import ServiceMetrics
    from federation_ai.service.wall_clock import Clock
    from federation_ai.settings import Settings
    from federation_ai.store import Store

log = structlog.get_logger("federation_ai.service")
STATUS_PAGE = 100  # accounts per status answer unless asked otherwise
STATUS_PAGE_MAX = 500


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcome: str  # "processed" | "duplicate" | "out_of_order"
    decisions: list[dict[str, Any]]
    conflict: str | None = None  # a duplicate whose content differs from the logged event


class FederationService:
    def __init__(  # noqa: PLR0917 - wired once, by build_service
        self,
        settings: Settings,
        store: Store,
        bus: EventBus,
        adapters: AdapterSet,
        pipeline: Pipeline,
        runner: Runner,
        publisher: FastPublisher,
        relay: OutboxRelay,
        metrics: ServiceMetrics,
        subscribers: Broadcaster,
        owned: tuple[Any, ...] = (),
        clock: Clock = wall_clock,
        *,
        health: HealthBoard | None = None,
        prober: Prober | None = None,
        alerts: Alerts | None = None,
    ) -> None:
        self.alerts = alerts
        self.settings = settings
        self.store = store
        self.bus = bus
        self.adapters = adapters
        self.pipeline = pipeline
        self.runner = runner
        self.publisher = publisher
        self.relay = relay
        self.metrics = metrics
        self.subscribers = subscribers
        self.reads = ReadPort(store, settings.core)  # what the REST API may read
        self.health = health if health is not None else HealthBoard()
        self.prober = prober
        self._owned = owned  # the store and bus this service created (closed on stop)
        self.clock = clock  # live ingest's limit for future events, operator command stamps
        self._tasks: list[asyncio.Task[None]] = []
        self.figures = FiguresMonitor(self)
        self.started_at: str | None = None
        self.watchdog = Watchdog(settings.watchdog, pipeline, metrics, clock, self.ingest)

    # --- life cycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Load every account's state from the store, then consume and relay."""
        accounts = await self.pipeline.load()
        await self.bus.start()
        await self._bootstrap_snapshots()
        await enforcement_reconcile.reconcile(
            self.settings, self.store, self.pipeline, self.adapters
        )
        await self.relay.recover()
        self.started_at = datetime.now(UTC).isoformat()
        self._spawn(self.runner.run(), "consumer")
        self._spawn(self.relay.run(), "outbox")
        self._spawn(self.publisher.run(), "publisher")
        self._spawn(self.figures.run(), "monitor")
        if self.prober is not None:
            self._spawn(self.prober.run(), "probe")
        self._spawn(self.watchdog.run(), "watchdog")
        if self.alerts is not None:
            self._spawn(self.alerts.run(clock=self.clock, bus_lag=lambda: self.figures.lag.value,
                                        adapters=self.relay.delivery.health,
                                        watchdog=self.watchdog), "alerts")  # fmt: skip
        log.info("service_started", accounts=accounts, config_digest=self.settings.core.digest)

    async def stop(self) -> None:
        self.runner.stop()
        self.publisher.request_stop()
        self.relay.request_stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.relay.stop()
        await self.adapters.close()
        for resource in self._owned:
            with contextlib.suppress(Exception):
                await resource.close()
        log.info("service_stopped", events_processed=self.pipeline.events_processed)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=f"federation-{name}"))

    async def _bootstrap_snapshots(self) -> None:
        """Feed the portfolio adapter's latest snapshots that are newer than the stored state."""
        try:
            envelopes = await self.adapters.portfolio.latest_snapshots()
        except Exception as exc:  # noqa: BLE001 - optional; the bus brings snapshots anyway
            log.warning("portfolio_fetch_failed", error=str(exc))
            return
        for envelope in envelopes:
            try:
                event = parse_event(envelope)
            except ValueError as exc:
                log.warning("portfolio_snapshot_invalid", error=str(exc))
                continue
            acct = self.pipeline.state.accounts.get(event.account_id)
            if acct is not None and acct.last_ts is not None and event.ts < acct.last_ts:
                continue
            try:
                result = await self.ingest(envelope)
            except InvalidEvent as exc:
                log.warning("portfolio_snapshot_refused", event_id=event.event_id, error=str(exc))
                continue
            log.info("portfolio_snapshot_loaded", event_id=event.event_id, outcome=result.outcome)

    # --- the HTTP path ------------------------------------------------------------

    def now_us(self) -> int:
        """The service's clock (UTC microseconds)."""
        return self.clock()

    async def ingest(self, envelope: dict[str, Any]) -> IngestResult:
        """Validate (``InvalidEvent`` propagates unchanged), decide and commit one event.

        Live ingest: an event stamped more than ``ingest.max_future_skew_s`` ahead of
        the service's clock is refused like any invalid event.
        """
        event = parse_event(envelope)
        ahead = ahead_of(event, self.clock(), self.settings.ingest.max_future_skew_s)
        if ahead is not None:
            raise ahead
        return await self._decide(event)

    async def command(self, envelope: dict[str, Any]) -> IngestResult:
        """An operator command the API stamped itself (clamped to the account's clock,
        which may be ahead): decided like ``ingest``, the future-time rule applying only
        to a re-anchor's target ``clock_at``."""
        event = parse_event(envelope)
        ahead = too_far_ahead(
            "payload.clock_at",
            event.payload.get("clock_at"),
            self.clock(),
            self.settings.ingest.max_future_skew_s,
        )
        if ahead is not None:
            raise ahead
        return await self._decide(event)

    async def _decide(self, event: Event) -> IngestResult:
        async with self.pipeline.lock:
            (result,), reservation = await self.publisher.commit(self.pipeline, [event])
            self.publisher.publish_later(reservation)  # the publisher task, in its turn
        if result.error is not None:
            raise result.error  # invalid against the account's state: nothing changed
        return IngestResult(result.outcome, result.decisions, result.conflict)

    # --- read side ----------------------------------------------------------------

    def accounts(self) -> list[str]:
        return sorted(self.pipeline.state.accounts)

    def policy(self, account_id: str) -> dict[str, Any] | None:
        acct = self.pipeline.state.accounts.get(account_id)
        return None if acct is None else policy_view(acct, self.settings.core)

    def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Every decision (any status) as it is committed; slow readers lose the oldest."""
        return self.subscribers.subscribe()

    def metrics_registry(self) -> CollectorRegistry:
        return self.metrics.registry

    def health_summary(self) -> dict[str, Any]:
        """``{"status": "ok" | "degraded", "reasons": [...]}`` from memory: never blocks.

        Degraded while a dependency fails or stalls (the health board), and while data
        is stale (the watchdog's last look: ``stale_accounts``, ``input_stale``).
        """
        summary = self.health.summary()
        w = self.watchdog
        if not w.stale and not w.input_stale:
            return summary
        reasons = list(summary["reasons"])
        if w.stale:
            reasons.append(f"stale data: {len(w.stale)} account(s) without a recent snapshot")
        if w.input_stale:
            reasons.append("stale data: no input on the bus")
        return {
            "status": "degraded",
            "reasons": reasons,
            "stale_accounts": list(w.stale),
            "input_stale": w.input_stale,
        }

    def status(self, *, limit: int = STATUS_PAGE, cursor: str | None = None) -> dict[str, Any]:
        """Service figures, a summary of every account, and one page of accounts.

        ``accounts`` holds at most ``limit`` accounts in id order, those after ``cursor``
        (an account id); ``accounts_next_cursor`` continues, ``None`` on the last page.
        ``account_summary`` counts every account, so the answer stays small however
        many there are. Each account's ``clock_skew_s`` is its last event's time minus
        the service's clock (> 0: ahead; see the clock re-anchor command).
        """
        ids = self.accounts()
        start = 0 if cursor is None else bisect.bisect_right(ids, cursor)
        page = ids[start : start + limit]
        more = start + limit < len(ids)
        all_accounts = self.pipeline.state.accounts
        now = self.clock()
        accounts = {aid: account_status(all_accounts[aid], now) for aid in page}
        figures = self.figures
        outbox: dict[str, int] = figures.outbox.value
        return {
            "running": bool(self._tasks),
            "started_at": self.started_at,
            "config_digest": self.settings.core.digest,
            "events_processed": self.pipeline.events_processed,
            "conflicting_duplicates": self.pipeline.conflicting_duplicates,
            "account_summary": account_summary(all_accounts.values(), self.pipeline.max_accounts),
            "clock": {
                "now": format_timestamp(now),
                "max_future_skew_s": self.settings.ingest.max_future_skew_s,
            },
            "accounts": accounts,
            "accounts_next_cursor": page[-1] if more and page else None,
            "health": self.health.report(),
            "store": {
                "location": self.store.location,
                "last_error": self.health.last_error(Dependency.STORE),
            },
            "bus": {
                "lag": figures.lag.value,
                "pending": figures.pending.value,
                **figures.bus_freshness(),
                "last_error": self.health.last_error(Dependency.BUS),
            },
            "outbox": {
                "backlog": sum(outbox.values()),
                "by_kind": dict(outbox),
                **figures.outbox.freshness(),
                "publish_error": None
                if self.relay.publish_error is None
                else {"error": self.relay.publish_error, "at": _iso(self.relay.publish_error_at)},
            },
            "adapters": {name: h.as_dict() for name, h in self.relay.delivery.health.items()},
            "enforcement": figures.enforcement,
            "subscribers": self.subscribers.subscribers,
            "early_warnings": self.pipeline.warnings.as_status(),
            "watchdog": self.watchdog.as_status(),
            "alerts": None if self.alerts is None else self.alerts.as_status(),
        }

    async def refresh_figures(self) -> None:
        """Bus lag/pending, outbox backlog, gauges, enforcement view (``FiguresMonitor``)."""
        await self.figures.refresh()
