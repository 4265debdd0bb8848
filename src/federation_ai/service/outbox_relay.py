"""The outbox relay: deliver what the store committed, retrying from the store.

"publish" rows go to the bus (idempotent by decision id) strictly in outbox-id order,
i.e. commit order: the oldest pending row that is not yet due holds back every newer
one. The fast path (``fast_publisher``) publishes committed decisions from memory;
their rows are removed by the next commit, or by the relay when the pipeline is idle,
and only rows the fast path missed become due (after a grace period). After a publish
failure the fast path stays off until the relay has caught up with every committed
row; on start, what an earlier run left unpublished goes out before anything new.
"adapter:<name>" rows go to the adapters (``adapter_delivery``), each in its own task,
so a slow or failing downstream system never holds up publishing.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from federation_ai.service.adapter_delivery import AdapterDelivery
from federation_ai.service.faults import describe_error
from federation_ai.service.health import Dependency, HealthBoard, Operation
from federation_ai.store import PUBLISH
from federation_ai.store.rfc3339 import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager

    from federation_ai.adapters.contracts import Adapter
    from federation_ai.bus import EventBus
    from federation_ai.service.fast_publisher import FastPublisher, PublishStatus
    from federation_ai.service.prometheus_metrics import ServiceMetrics
    from federation_ai.store import OutboxItem, Store

log = structlog.get_logger("federation_ai.outbox")



class OutboxRelay:
    def __init__(
        self,
        store: Store,
        bus: EventBus,
        adapters: dict[str, Adapter],
        metrics: ServiceMetrics,
        fast: FastPublisher,
        *,
        batch_size: int = 1000,
        idle_s: float = 0.1,
        scan_s: float = 1.0,
        backoff_s: float = 1.0,
        max_backoff_s: float = 300.0,
        publish_retry_max_s: float = 0.5,
        clock: Callable[[], datetime] = utc_now,
        health: HealthBoard | None = None,
    ) -> None:
        self.store = store
        self.bus = bus
        self.metrics = metrics
        self.fast = fast  # the relay removes its published rows and turns it on again
        self.batch_size = batch_size
        self.idle_s = idle_s  # how often fast-published rows are marked done (small UPDATEs)
        self.scan_s = scan_s  # how often the store is scanned for due rows while all is well
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        # publishing is retried this soon at the latest (cheap, idempotent), so decisions
        # flow again within this long of the bus's return; adapters keep max_backoff_s
        self.publish_retry_max_s = publish_retry_max_s
        self.clock = clock
        self.health = health if health is not None else HealthBoard()
        # late-bound clock: the adapter calls follow a clock replaced on the relay
        clock_now = lambda: self.clock()  # noqa: E731, PLW0108
        self.delivery = AdapterDelivery(
            store, adapters, metrics, backoff=self.backoff, clock=clock_now
        )
        self._wake = fast.relay_wanted  # also set by a commit while the fast path is off
        self._stopping = False
        self._round_lock = asyncio.Lock()  # one relay round at a time (run loop vs drain)
        self._backlog = False
        self._round_commits = 0  # the fast path's commit count at the last round: idle?
        self._round_error: str | None = None  # the last round's error, logged once

    @property
    def status(self) -> PublishStatus:
        return self.fast.status

    @property
    def publish_error(self) -> str | None:
        """The last publish error (fast path or relay); None once one succeeds."""
        return self.status.error

    @property
    def publish_error_at(self) -> datetime | None:
        return self.status.error_at

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.max_backoff_s, self.backoff_s * 2**attempts))

    def publish_backoff(self, attempts: int) -> timedelta:
        return min(self.backoff(attempts), timedelta(seconds=self.publish_retry_max_s))

    def _bus(self) -> AbstractAsyncContextManager[None]:
        return self.health.watch(Dependency.BUS, Operation.PUBLISH)

    def _store(self, operation: Operation = Operation.OUTBOX) -> AbstractAsyncContextManager[None]:
        """Health checks ``store.outbox`` (marking rows) and ``store.read`` (reading them)."""
        return self.health.watch(Dependency.STORE, operation)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last_scan = float("-inf")
        woken = True
        while not self._stopping:
            # Scan for due rows when asked, when behind, when the fast path is off, or
            # every scan_s; otherwise a round only marks fast-published rows done.
            scan = (
                woken
                or self._backlog
                or not self.fast.on
                or loop.time() - last_scan >= self.scan_s
            )
            try:
                busy = await self.relay_once(scan=scan)
                if scan:
                    last_scan = loop.time()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the relay must survive store outages
                self._round_failed(exc)
                busy = False
            woken = False
            if not (busy and self._backlog):
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that arrives as the wait completes.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.idle_s):
                        await self._wake.wait()
                        woken = True
                self._wake.clear()

    def _round_failed(self, exc: Exception) -> None:
        """Log once per distinct error unless the health board already tells the outage."""
        error = describe_error(exc)
        news, self._round_error = error != self._round_error, error
        if news and self.health.summary()["status"] == "ok":
            log.warning("outbox_round_failed", error=error)
        else:
            log.debug("outbox_round_failed", error=error)

    def request_stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def stop(self) -> None:
        self.request_stop()
        await self.delivery.wait()
        if self.fast.has_published:
            # Rows of decisions already on the stream would otherwise be published
            # again at the next start (a no-op only while the bus still has markers).
            with contextlib.suppress(Exception):
                await self.store.outbox_done_for(PUBLISH, self.fast.take_published())

    async def relay_once(self, *, scan: bool = True, everything: bool = False) -> bool:
        """One round; True if it published or dispatched anything (look again at once).

        ``everything``: also remove the rows of fast-published decisions that a busy
        pipeline would otherwise remove with its next commit (drain, tests).
        """
        async with self._round_lock:
            return await self._round(scan=scan, everything=everything)

    async def _round(self, *, scan: bool, everything: bool = False) -> bool:
        commits = self.fast.commits
        idle, self._round_commits = commits == self._round_commits, commits
        if self.fast.has_published and (idle or everything):
            # Rows the fast path already published: one DELETE, no payloads read. While
            # events flow, each commit removes them instead (no transaction of its own).
            ids = self.fast.take_published()
            try:
                async with self._store():
                    await self.store.outbox_done_for(PUBLISH, ids)
            except BaseException:
                self.fast.return_published(ids)  # the next commit or round removes them
                raise
        if not scan:
            self._round_error = None
            return False
        published = await self._publish_in_order()
        if published is None and not self.fast.on and commits == self.fast.commits:
            self.fast.resume()  # every committed row is published: back to the fast path
        async with self._store(Operation.READ):
            due = await self.store.due_outbox(self.clock(), self.batch_size, skip_kind=PUBLISH)
        self._backlog = self._backlog or len(due) >= self.batch_size
        dispatched = self.delivery.dispatch(due)
        self._round_error = None
        return bool(published or dispatched)

    async def _publish_in_order(self) -> bool | None:
        """Publish pending rows in commit order, if the oldest one is due.

        A row not yet due (within the fast path's grace, or backing off after a failure)
        holds back every newer one, so the stream keeps commit order. Returns None when
        nothing is pending, else whether anything was published.
        """
        async with self._store(Operation.READ):
            rows = await self.store.pending_outbox(PUBLISH, self.batch_size)
        self._backlog = len(rows) >= self.batch_size
        if not rows:
            return None
        if rows[0].next_attempt_at > self.clock() and not self._bus_is_back(rows[0]):
            return False
        await self._publish(rows)
        return self.status.error is None

    def _bus_is_back(self, oldest: OutboxItem) -> bool:
        """A row backing off after a failed publish goes at once when the bus has answered
        since (the consumer's read or the health probe): publishing resumes with the bus."""
        failed_at = self.status.failed_mono
        return (
            oldest.attempts > 0
            and failed_at is not None
            and self.health.answered_since(Dependency.BUS, failed_at)
        )

    async def recover(self) -> None:
        """At start: publish what an earlier run committed but never published.

        Runs before anything new is consumed, so those decisions keep their place in
        commit order. If the bus refuses, the fast path stays off and the relay
        publishes in order once it can.
        """
        async with self._round_lock:
            while rows := await self.store.pending_outbox(PUBLISH, self.batch_size):
                await self._publish(rows)
                if self.status.error is not None:
                    self.fast.switch_off()
                    return

    async def drain(self) -> None:
        """Relay until nothing is due and no adapter call is in flight (tests, shutdown).

        The fast path is flushed first (its lock also waits for a flush in flight), so
        rows it publishes are marked done here instead of waiting out the grace period.
        """
        await self.fast.flush()
        while await self.relay_once(everything=True) or self.delivery.busy:
            await self.delivery.wait()

    async def _publish(self, items: list[OutboxItem]) -> None:
        try:
            async with self._bus():
                added = await self.bus.publish_decisions([i.payload for i in items])
        except Exception as exc:  # noqa: BLE001 - retried from the store
            self.status.failed(exc, "publish_failed", len(items), self.clock())
            # Only the oldest row's next attempt matters (it holds back the others):
            # one write for it, not one per row, while the bus is down.
            first = items[0]
            retry_at = self.clock() + self.publish_backoff(first.attempts)
            async with self._store():
                await self.store.outbox_failed(first.id, self.status.error or "", retry_at)
            return
        self.status.succeeded()
        self.metrics.published.inc(added)
        async with self._store():
            await self.store.outbox_done([i.id for i in items])
