"""What a bus backend supplies to the shared ``fetch`` algorithm, and its settings.

``StreamOptions`` are the keyword settings both backends take (``make_bus`` passes
them through); ``BusBackend`` keeps them, names the streams, and declares the
primitives a backend implements (read new entries of several streams without
waiting, wait for a newer entry, re-read this consumer's own pending entries, claim
stale entries, refresh the idle time of entries it holds, acknowledge, publish).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from federation_ai.bus.contract import (
    DECISION_STREAM,
    DEFAULT_CLAIM_IDLE_MS,
    DEFAULT_DEDUP_TTL_MS,
    DEFAULT_DLQ_MAXLEN,
    DEFAULT_GROUP_START_ID,
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_MAXLEN,
    INPUT_EVENT_TYPES,
    dlq_key,
    published_key,
    stream_key,
)
from federation_ai.bus.envelope import dead_letter_fields, decision_fields

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from federation_ai.bus.contract import BusMessage

    Decisions = Sequence[Mapping[str, Any]]

Batches = dict[str, list["BusMessage"]]


class StreamOptions(TypedDict, total=False):
    """A bus's settings by keyword (each has a default)."""

    claim_idle_ms: int  # a message pending this long under another consumer is claimed
    maxlen: int  # the decision stream's approximate MAXLEN
    namespace: str  # prefixes every key (several deployments on one Redis)
    dedup_ttl_ms: int  # how long a published decision id is remembered
    dlq_maxlen: int
    group_start_id: str  # where a new consumer group starts: "0" everything, "$" new
    max_message_bytes: int  # larger: only a sample in the dead letter
    merge_lateness_ms: int  # how long the merge waits for a producer out of step


class BusBackend(ABC):
    """Settings, stream names and the primitives of ``InMemoryBus`` and ``RedisStreamsBus``."""

    def __init__(
        self,
        consumer: str,
        event_types: Iterable[str] = INPUT_EVENT_TYPES,
        clock: Callable[[], float] = time.monotonic,
        **options: Unpack[StreamOptions],
    ) -> None:
        if not consumer:
            raise ValueError("consumer name must not be empty")
        self.consumer = consumer
        self.event_types: tuple[str, ...] = tuple(dict.fromkeys(event_types))
        if not self.event_types:
            raise ValueError("at least one input event type is required")
        self.claim_idle_ms = options.get("claim_idle_ms", DEFAULT_CLAIM_IDLE_MS)
        self.merge_lateness_ms = options.get("merge_lateness_ms", 0)
        if self.claim_idle_ms < 1:
            raise ValueError("claim_idle_ms must be >= 1")
        if self.merge_lateness_ms < 0:
            raise ValueError("merge_lateness_ms must be >= 0")
        self.maxlen = options.get("maxlen", DEFAULT_MAXLEN)
        self.dlq_maxlen = options.get("dlq_maxlen", DEFAULT_DLQ_MAXLEN)
        self.dedup_ttl_ms = options.get("dedup_ttl_ms", DEFAULT_DEDUP_TTL_MS)
        self.namespace = options.get("namespace", "")
        self.group_start_id = options.get("group_start_id", DEFAULT_GROUP_START_ID)
        self.max_message_bytes = options.get("max_message_bytes", DEFAULT_MAX_MESSAGE_BYTES)
        self._clock = clock
        self._reset_consumer_state()

    @abstractmethod
    def _reset_consumer_state(self) -> None:
        """Forget what was read ahead (at construction and at every ``start``)."""

    def _stream(self, event_type: str) -> str:
        return self.namespace + stream_key(event_type)

    def _dead_letter_entry(self, message: BusMessage, reason: str) -> tuple[str, dict[str, str]]:
        """The dead-letter stream of ``message`` and the fields to add there."""
        key = self.namespace + dlq_key(message.event_type)
        return key, dead_letter_fields(message, reason, self.consumer, self.max_message_bytes)

    def _decision_entries(
        self, decisions: Decisions
    ) -> tuple[str, list[tuple[str, dict[str, str]]]]:
        """The decision stream, and per decision its published-once marker and fields
        (all encoded before any write)."""
        prepared = [decision_fields(d) for d in decisions]
        markers = [self.namespace + published_key(str(d["decision_id"])) for d in decisions]
        return self.namespace + DECISION_STREAM, list(zip(markers, prepared, strict=True))

    # --- backend primitives -------------------------------------------------------

    @abstractmethod
    async def _read_new(
        self,
        event_types: list[str],
        count: int,
        acks: Batches,
        decisions: Decisions = (),
    ) -> tuple[Batches, int, int]:
        """Deliver up to ``count`` new entries per stream without waiting; also the bus's
        clock (ms, the clock that stamps entry ids) at the read, and how many of
        ``decisions`` were new on the decision stream.

        First acknowledge ``acks`` (messages per stream, all among ``event_types``) and
        publish ``decisions``.
        """

    @abstractmethod
    async def _wait_new(self, block_ms: int) -> bool:
        """Wait until a stream of the last read has a newer entry (True), at most ``block_ms``."""

    @abstractmethod
    async def publish_decisions(self, decisions: Sequence[Mapping[str, Any]]) -> int:
        """Append decisions once each (by ``decision_id``); return how many were new."""

    @abstractmethod
    async def ack(self, messages: Sequence[BusMessage]) -> None:
        """Acknowledge: the messages leave the pending list."""

    @abstractmethod
    async def _read_own(self, cursors: dict[str, str], count: int) -> Batches:
        """Re-deliver this consumer's pending entries with ids after each cursor."""

    @abstractmethod
    async def _claim(
        self, event_type: str, cursor: str, count: int
    ) -> tuple[str, list[BusMessage]]:
        """Claim entries idle >= claim_idle_ms from ``cursor``; return (next cursor, claimed)."""

    @abstractmethod
    async def _refresh(self, event_type: str, ids: list[str]) -> None:
        """Reset the idle time of entries this consumer holds (no delivery counted)."""
