"""The fast path: committed decisions published from memory, in commit order.

Both writers (the bus consumer and the HTTP path) commit under the pipeline's lock
with ``commit``, which also reserves the commit's place in the publish order and
returns it (a ``Reservation``): the decisions the commit left to publish. The writer
publishes them in their turn (``turn``): the consumer with its next read, the HTTP
path through the publisher task (``publish_later``, ``run``). What the bus says it
published goes back with ``published``; the next ``commit`` removes those rows from
the outbox (``take_published``), in its own transaction.

After a publish failure the fast path is off (new reservations hold nothing, older
ones publish nothing) until the relay has published every committed row from the
store, in order, and calls ``resume``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.service.faults import describe_error
from federation_ai.service.health import Dependency, HealthBoard, Operation

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from federation_ai.bus import EventBus
    from federation_ai.core import Event
    from federation_ai.service.pipeline import EventResult, Pipeline
    from federation_ai.service.prometheus_metrics import ServiceMetrics

log = structlog.get_logger("federation_ai.outbox")
PUBLISHED_MEMORY = 100_000  # decision ids whose rows wait for removal (a miss: a re-publish)


@dataclass(frozen=True, slots=True)
class Reservation:
    """A commit's decisions to publish and their place in the publish order."""

    decisions: list[dict[str, Any]] = field(default_factory=list)
    ticket: int = -1  # -1: no place (nothing to publish, or the fast path is off)
    epoch: int = 0  # publish failures before it: a later one voids it


NO_RESERVATION = Reservation()


@dataclass(slots=True)
class PublishStatus:
    """The last publish error (the fast path's or the relay's), for status and health."""

    health: HealthBoard
    error: str | None = None  # cleared by the next publish that succeeds
    error_at: datetime | None = None
    failed_mono: float | None = None  # on the health board's clock

    def failed(self, exc: BaseException, event: str, items: int, at: datetime) -> None:
        """Keep the error with its time; the health board logs the outage itself."""
        error = describe_error(exc)
        news = error != self.error
        self.error, self.error_at = error, at
        self.failed_mono = self.health.now()
        fields: dict[str, Any] = {"error": error, "items": items}
        if news and self.health.summary()["status"] == "ok":
            log.warning(event, **fields)
        else:
            log.debug(event, **fields)

    def succeeded(self) -> None:
        self.error = self.error_at = None


class FastPublisher:
    """Publishes what each commit left to publish, in commit order, from memory."""

    def __init__(self, bus: EventBus, metrics: ServiceMetrics, status: PublishStatus) -> None:
        self.bus = bus
        self.metrics = metrics
        self.status = status
        self.on = True
        self.commits = 0  # every commit; the relay sees from it whether it is idle
        self.relay_wanted = asyncio.Event()  # a commit while off: the relay publishes it
        self._epoch = 0
        self._next_ticket = 0
        self._serving = 0  # the ticket whose turn it is
        self._finished: set[int] = set()  # tickets done out of turn (abandoned)
        self._advanced = asyncio.Event()  # replaced each time the turn moves on
        self._later: asyncio.Queue[Reservation] = asyncio.Queue()  # the HTTP path's
        self._published: OrderedDict[str, None] = OrderedDict()
        self._stopping = False

    # --- the writers' side ----------------------------------------------------------

    async def commit(
        self, pipeline: Pipeline, events: Sequence[Event]
    ) -> tuple[list[EventResult], Reservation]:
        """Under the pipeline's lock: decide and commit ``events`` (the commit removes
        the rows of decisions already published); each event's result, and the
        reservation of what the commit left to publish."""
        published = self.take_published()
        try:
            committed = await pipeline.run(events, published=published)
        except BaseException:
            self.return_published(published)  # the next commit removes them
            raise
        self.commits += 1
        return committed.results, self._reserve(committed.to_publish)

    def _reserve(self, decisions: list[dict[str, Any]]) -> Reservation:
        if not self.on:
            self.relay_wanted.set()
            return NO_RESERVATION
        if not decisions:
            return NO_RESERVATION
        ticket, self._next_ticket = self._next_ticket, self._next_ticket + 1
        return Reservation(decisions, ticket, self._epoch)

    @contextlib.asynccontextmanager
    async def turn(self, *reservations: Reservation) -> AsyncIterator[list[dict[str, Any]]]:
        """Wait until every earlier reservation is published; yield the decisions of
        ``reservations`` (consecutive ones) to publish now, leaving out those made
        before a publish failure.

        If the block raises (cancelled too: in doubt), the fast path goes off and the
        relay publishes from the store, in order; the error propagates.
        """
        tickets = [r.ticket for r in reservations if r.ticket >= 0]
        if not tickets or self._redeemed(tickets[0]):
            yield []  # nothing to publish, or its turn is over (a retry after a cancel)
            return
        decisions: list[dict[str, Any]] = []
        try:
            while self._serving != tickets[0]:
                advanced = self._advanced
                await advanced.wait()
            decisions = [
                d
                for r in reservations
                if self.on and r.epoch == self._epoch
                for d in r.decisions
            ]
            yield decisions
        except BaseException as exc:
            # cancelled while waiting, or the publish failed: in doubt either way
            live = self.on and any(r.decisions and r.epoch == self._epoch for r in reservations)
            if decisions or live:
                self._switch_off()
            if decisions:
                at = datetime.now(UTC)
                self.status.failed(exc, "fast_publish_failed", len(decisions), at)
            raise
        finally:
            for ticket in tickets:
                self._finish(ticket)

    def _redeemed(self, ticket: int) -> bool:
        return ticket < self._serving or ticket in self._finished

    def published(self, decisions: Sequence[dict[str, Any]], added: int) -> None:
        """The bus has these decisions on the stream (``added`` of them new)."""
        if not decisions:
            return
        self.metrics.published.inc(added)
        self.status.succeeded()
        for message in decisions:
            self._published[message["decision_id"]] = None
        while len(self._published) > PUBLISHED_MEMORY:
            self._published.popitem(last=False)

    def abandon(self, reservation: Reservation) -> None:
        """A writer that cannot publish its reservation: the relay publishes it (and
        every later commit) from the store, in order."""
        if reservation.ticket < 0:
            return
        self._switch_off()
        self._finish(reservation.ticket)

    def _finish(self, ticket: int) -> None:
        self._finished.add(ticket)
        while self._serving in self._finished:
            self._finished.remove(self._serving)
            self._serving += 1
        self._advanced.set()
        self._advanced = asyncio.Event()

    def _switch_off(self) -> None:
        self.on = False
        self._epoch += 1
        self.relay_wanted.set()

    # --- the HTTP path's publisher task ----------------------------------------------

    def publish_later(self, reservation: Reservation) -> None:
        """Hand a commit's reservation to the publisher task (the HTTP path)."""
        if reservation.ticket >= 0:
            self._later.put_nowait(reservation)

    async def run(self) -> None:
        """The publisher task: publish the HTTP path's reservations as they come."""
        while not self._stopping:
            first = await self._later.get()
            await self._publish([first, *self._take_later()])
            await self.flush()

    async def flush(self) -> None:
        """Publish every reservation handed over, each in its turn (drain, tests)."""
        while not self._later.empty():
            await self._publish(self._take_later())

    def _take_later(self) -> list[Reservation]:
        taken: list[Reservation] = []
        while not self._later.empty():
            taken.append(self._later.get_nowait())
        return taken

    async def _publish(self, reservations: list[Reservation]) -> None:
        """Runs of consecutive reservations, each run in one call to the bus."""
        runs: list[list[Reservation]] = []
        for r in reservations:
            if runs and r.ticket == runs[-1][-1].ticket + 1:
                runs[-1].append(r)
            else:
                runs.append([r])
        for run in runs:
            await self.publish_now(*run)

    async def publish_now(self, *reservations: Reservation) -> None:
        """Publish in their turn without a read (failures: the relay takes over)."""
        with contextlib.suppress(Exception):
            added = 0
            async with self.turn(*reservations) as decisions:
                if decisions:
                    async with self.status.health.watch(Dependency.BUS, Operation.PUBLISH):
                        added = await self.bus.publish_decisions(decisions)
            self.published(decisions, added)

    def request_stop(self) -> None:
        self._stopping = True
        self._later.put_nowait(NO_RESERVATION)  # wakes the task

    # --- the relay's side ------------------------------------------------------------

    def take_published(self) -> list[str]:
        """Decision ids on the stream whose rows are still in the outbox."""
        ids, self._published = list(self._published), OrderedDict()
        return ids

    def return_published(self, ids: list[str]) -> None:
        """Removing these rows failed: they wait for the next commit or relay round."""
        for decision_id in ids:
            self._published[decision_id] = None

    @property
    def has_published(self) -> bool:
        return bool(self._published)

    def switch_off(self) -> None:
        """The relay could not publish at start: it catches up before the fast path."""
        self._switch_off()

    def resume(self) -> None:
        """The relay has published every committed row: back to the fast path."""
        self.on = True
