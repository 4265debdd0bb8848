"""The bus consumer: fetch, validate, decide, commit, and only then acknowledge.

The acknowledgement of a committed batch and the publishing of its decisions ride
along with the next read: one round trip to the bus per batch besides the commit.
``handle`` returns them (``LastBatch``), ``run`` hands them to the next ``_fetch``.
Invalid messages go to the dead-letter stream with the reason and change nothing.
Out-of-order events are stored with their outcome and dead-lettered. A batch whose
commit fails is not acknowledged; it is retried (same messages, same order) before
anything new is fetched, so per-account order holds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.bus import envelope_to_event_dict
from federation_ai.bus.contract import DEFAULT_MAX_MESSAGE_BYTES
from federation_ai.bus.envelope import bounded_reason, oversized
from federation_ai.core import OUT_OF_ORDER, Event, InvalidEvent, parse_event
from federation_ai.core.account_clock import ahead_of
from federation_ai.service.event_result import AccountLimitError
from federation_ai.service.fast_publisher import NO_RESERVATION, Reservation
from federation_ai.service.faults import describe_error
from federation_ai.service.health import Dependency, HealthBoard, Operation
from federation_ai.service.wall_clock import wall_clock

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from contextlib import AbstractAsyncContextManager

    from federation_ai.bus import BusMessage, EventBus
    from federation_ai.service.event_result import EventResult
    from federation_ai.service.fast_publisher import FastPublisher
    from federation_ai.service.pipeline import Pipeline
    from federation_ai.service.prometheus_metrics import ServiceMetrics
    from federation_ai.service.wall_clock import Clock

    Translate = Callable[[BusMessage], BusMessage]

log = structlog.get_logger("federation_ai.runner")
RETRY_MIN_S = 0.05
RETRY_MAX_S = 0.5  # service.retry_max_s: the dependency's return is seen this soon


def validate(msg: BusMessage, translate: Translate | None = None) -> Event:
    """The message as a core ``Event``; ``ValueError`` (incl. ``InvalidEvent``) says why not.

    ``translate`` (an interop profile) first maps a backend's own entry to the seed's
    envelope; the message itself (its stream, for ack and dead letter) is unchanged.
    """
    return parse_event(envelope_to_event_dict(msg if translate is None else translate(msg)))


@dataclass(frozen=True, slots=True)
class LastBatch:
    """A committed batch's messages to acknowledge and its decisions' place in the
    publish order: both go out with the next read."""

    acks: list[BusMessage] = field(default_factory=list)
    reservation: Reservation = NO_RESERVATION


NO_LAST_BATCH = LastBatch()


def reason_of(exc: ValueError) -> str:
    if isinstance(exc, InvalidEvent):
        return f"invalid event: {exc.path}: {exc.reason}"
    return f"invalid message: {exc}"


class Runner:
    def __init__(
        self,
        bus: EventBus,
        pipeline: Pipeline,
        metrics: ServiceMetrics,
        publisher: FastPublisher,
        *,
        batch_size: int = 500,
        block_ms: int = 100,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        clock: Clock = wall_clock,
        max_future_skew_s: float = 300.0,
        translate: Translate | None = None,
        health: HealthBoard | None = None,
        retry_max_s: float = RETRY_MAX_S,
    ) -> None:
        self.translate = translate
        self.max_message_bytes = max_message_bytes
        self.publisher = publisher  # commits in publish order; the runner publishes its own
        self.bus = bus
        self.pipeline = pipeline
        self.metrics = metrics
        self.batch_size = batch_size
        self.block_ms = block_ms
        self.clock = clock  # events stamped too far ahead of it are dead-lettered
        self.max_future_skew_s = max_future_skew_s
        self.health = health if health is not None else HealthBoard()
        self.retry_max_s = retry_max_s
        self.last_error: str | None = None  # cleared by the next batch that goes through
        self.last_error_at: datetime | None = None
        self._retry: list[BusMessage] = []
        self._stopping = asyncio.Event()

    def _bus(self) -> AbstractAsyncContextManager[None]:
        return self.health.watch(Dependency.BUS, Operation.CONSUME)

    async def publish_and_ack(self, last: LastBatch) -> None:
        """Publish and acknowledge what is committed and not yet (failures only logged)."""
        await self.publisher.publish_now(last.reservation)
        await self.publisher.flush()
        if not last.acks:
            return
        try:
            async with self._bus():
                await self.bus.ack(last.acks)
        except Exception as exc:  # noqa: BLE001 - unacknowledged messages are redelivered
            log.warning("ack_failed", error=describe_error(exc))

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        delay = RETRY_MIN_S
        last = NO_LAST_BATCH  # the last committed batch: settled with the next read
        while not self._stopping.is_set():
            try:
                if self._retry:
                    messages = self._retry
                else:
                    messages = await self._fetch(last)
                    last = NO_LAST_BATCH
                if messages:
                    last = await self.handle(messages)
                self._retry = []
                delay = RETRY_MIN_S
                self.last_error = self.last_error_at = None
            except asyncio.CancelledError:
                await self.publish_and_ack(last)
                raise
            except Exception as exc:  # noqa: BLE001 - the loop must survive store/bus outages
                failed_at = self.health.now()
                self._failed(exc, delay)
                await self.publisher.flush()  # what is committed goes out meanwhile
                # a short wait, capped, cut short when the health probe sees a failing
                # dependency answer again: the batch is retried as soon as it is back
                await self.health.recovery(delay, since=failed_at)
                delay = min(delay * 2, self.retry_max_s)
        await self.publish_and_ack(last)

    def _failed(self, exc: Exception, delay: float) -> None:
        """Keep the error with its time; log it only when it is news.

        A failure of the store or the bus is logged by the health board (once when it
        starts, then a reminder); anything else (a defect) once per distinct error.
        """
        error = describe_error(exc)
        news = error != self.last_error
        self.last_error, self.last_error_at = error, datetime.now(UTC)
        fields: dict[str, Any] = {"error": error, "retry_in_s": delay}
        if news and self.health.summary()["status"] == "ok":
            log.warning("batch_failed", **fields)
        else:
            log.debug("batch_failed", **fields)

    async def _fetch(self, last: LastBatch) -> list[BusMessage]:
        """The next messages; the last committed batch is acknowledged and its decisions
        published (in their turn) with this read.

        If an acknowledgement is lost, the messages are claimed again later and
        recognised as duplicates by event_id.
        """
        async with self._bus():
            async with self.publisher.turn(last.reservation) as decisions:
                if decisions:
                    # Publishing holds up other writers' decisions (commit order): this
                    # read does not block; if it finds nothing, the next one waits.
                    fetched = await self.bus.publish_and_fetch(
                        decisions, self.batch_size, 0, ack=last.acks
                    )
            if not decisions:
                return await self.bus.fetch(self.batch_size, self.block_ms, ack=last.acks)
        self.publisher.published(decisions, fetched.published)
        return fetched.messages

    async def handle(self, messages: list[BusMessage]) -> LastBatch:
        """Process one fetched batch; what the next read settles. Raises (without
        acknowledging) if the commit fails."""
        valid: list[tuple[BusMessage, Event]] = []
        now = self.clock()
        for msg in messages:
            size = oversized(msg.fields, self.max_message_bytes)
            if size is not None:
                reason = (
                    f"message too large: {size} bytes, over "
                    f"service.max_message_bytes ({self.max_message_bytes})"
                )
                await self._dead_letter(msg, reason, "too_large")
                continue
            try:
                event = validate(msg, self.translate)
            except ValueError as exc:
                await self._dead_letter(msg, reason_of(exc), "invalid")
                continue
            ahead = ahead_of(event, now, self.max_future_skew_s)
            if ahead is not None:
                await self._dead_letter(msg, reason_of(ahead), "future")
            else:
                valid.append((msg, event))
        if not valid:
            self._retry = []
            return NO_LAST_BATCH
        self._retry = [m for m, _ in valid]  # until committed
        async with self.pipeline.lock:
            results, reservation = await self.publisher.commit(
                self.pipeline, [e for _, e in valid]
            )
        try:
            acks = await self._sort_out(valid, results)
        except Exception:
            await self.publisher.publish_now(reservation)  # committed: it goes out anyway
            raise
        except BaseException:
            self.publisher.abandon(reservation)  # in doubt: the relay publishes in order
            raise
        self._retry = []
        return LastBatch(acks, reservation)

    async def _sort_out(
        self, valid: Sequence[tuple[BusMessage, Event]], results: Sequence[EventResult]
    ) -> list[BusMessage]:
        """Dead-letter what the pipeline refused or flagged; the rest to acknowledge."""
        ack: list[BusMessage] = []
        for (msg, event), result in zip(valid, results, strict=True):
            if result.error is not None:
                limited = isinstance(result.error, AccountLimitError)
                label = "account_limit" if limited else "invalid"
                await self._dead_letter(msg, reason_of(result.error), label)
            elif result.outcome == OUT_OF_ORDER:
                reason = f"out of order: {event.event_id} is older than the account's last event"
                await self._dead_letter(msg, reason, "out_of_order")
            elif result.conflict is not None:  # ignored as a duplicate; a copy for review
                await self._dead_letter(msg, result.conflict, "conflicting_duplicate")
            else:
                ack.append(msg)
        return ack

    async def _dead_letter(self, msg: BusMessage, reason: str, label: str) -> None:
        async with self._bus():
            await self.bus.dead_letter(msg, reason)
        self.metrics.dlq.labels(label).inc()
        log.warning(
            "dead_lettered",
            event_type=msg.event_type,
            message_id=msg.message_id,
            reason=bounded_reason(reason),
        )
