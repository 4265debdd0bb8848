"""In-process event bus with the semantics of the Redis Streams one.

Several ``InMemoryBus`` consumers may share one ``InMemoryBroker`` (pass it
explicitly); a new bus on the same broker also stands in for a restarted process.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Unpack

from federation_ai.bus._consumer import ConsumerCore
from federation_ai.bus.contract import INPUT_EVENT_TYPES, BusMessage, group_name
from federation_ai.bus.memory_broker import Entry, InMemoryBroker

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from federation_ai.bus.backend import Batches, StreamOptions

__all__ = ["InMemoryBroker", "InMemoryBus"]


class InMemoryBus(ConsumerCore):
    """``EventBus`` over an ``InMemoryBroker`` (its own unless one is given)."""

    def __init__(
        self,
        consumer: str,
        event_types: Iterable[str] = INPUT_EVENT_TYPES,
        *,
        broker: InMemoryBroker | None = None,
        **options: Unpack[StreamOptions],
    ) -> None:
        self.broker = broker if broker is not None else InMemoryBroker()
        super().__init__(consumer, event_types, self.broker.clock, **options)
        self._waiter = self.broker.waiter()

    def _msg(self, event_type: str, entry: Entry) -> BusMessage:
        return BusMessage(event_type, entry[0], entry[1], entry[2])

    async def start(self) -> None:
        for event_type in self.event_types:
            self.broker.create_group(
                self._stream(event_type), group_name(event_type), self.group_start_id
            )
        self._reset_consumer_state()

    def _read_all(self, event_types: list[str], count: int) -> Batches:
        out: Batches = {}
        for et in event_types:
            entries = self.broker.read_new(self._stream(et), group_name(et), self.consumer, count)
            out[et] = [self._msg(et, e) for e in entries]
        return out

    async def _read_new(
        self,
        event_types: list[str],
        count: int,
        acks: Batches,
        decisions: Sequence[Mapping[str, Any]] = (),
    ) -> tuple[Batches, int, int]:
        await self.ack([m for msgs in acks.values() for m in msgs])
        published = await self.publish_decisions(decisions) if decisions else 0
        self._waiter = self.broker.waiter()  # set by any add after this read
        out = self._read_all(event_types, count)
        now_ms = self.broker.now_ms()
        await asyncio.sleep(0)  # let other tasks run between non-blocking polls
        return out, now_ms, published

    async def _wait_new(self, block_ms: int) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._waiter.wait(), block_ms / 1000)
        return self._waiter.is_set()

    async def _read_own(self, cursors: dict[str, str], count: int) -> Batches:
        return {
            et: [
                self._msg(et, e)
                for e in self.broker.read_own(
                    self._stream(et), group_name(et), self.consumer, cursor, count
                )
            ]
            for et, cursor in cursors.items()
        }

    async def _claim(
        self, event_type: str, cursor: str, count: int
    ) -> tuple[str, list[BusMessage]]:
        nxt, entries = self.broker.autoclaim(
            self._stream(event_type),
            group_name(event_type),
            self.consumer,
            min_idle_ms=self.claim_idle_ms,
            start=cursor,
            count=count,
        )
        return nxt, [self._msg(event_type, e) for e in entries]

    async def _refresh(self, event_type: str, ids: list[str]) -> None:
        self.broker.touch(self._stream(event_type), group_name(event_type), self.consumer, ids)

    async def ack(self, messages: Sequence[BusMessage]) -> None:
        for m in messages:
            self.broker.ack(self._stream(m.event_type), group_name(m.event_type), [m.message_id])

    async def dead_letter(self, message: BusMessage, reason: str) -> None:
        key, fields = self._dead_letter_entry(message, reason)
        self.broker.add(key, fields, self.dlq_maxlen)
        await self.ack([message])

    async def publish_decisions(self, decisions: Sequence[Mapping[str, Any]]) -> int:
        stream, entries = self._decision_entries(decisions)
        return sum(
            self.broker.publish_once(marker, self.dedup_ttl_ms, stream, fields, self.maxlen)
            is not None
            for marker, fields in entries
        )

    async def publish_event(self, event_type: str, fields: Mapping[str, str]) -> str:
        return self.broker.add(self._stream(event_type), fields)

    async def ping(self) -> None:
        """Always answers: the broker is in this process."""

    async def pending_count(self) -> int:
        try:
            return sum(
                self.broker.pending_count(self._stream(et), group_name(et))
                for et in self.event_types
            )
        except LookupError:
            return 0

    async def lag(self) -> int:
        try:
            return sum(self.broker.lag(self._stream(et), group_name(et)) for et in self.event_types)
        except LookupError:
            return 0

    async def read_stream(
        self, key: str, count: int | None = None
    ) -> list[tuple[str, dict[str, str]]]:
        """Entries of ``key`` (namespace applied), oldest first; ``count`` = the newest N."""
        return self.broker.entries(self.namespace + key, count)

    async def close(self) -> None:
        """Nothing to release; un-acked messages stay pending in the broker."""
