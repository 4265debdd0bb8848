"""Fetch logic shared by both backends: recovery, stale claims, cross-stream order.

A backend supplies four primitives (read new entries, re-read this consumer's
own pending entries, claim stale entries, refresh the idle time of entries it
holds). On top of them ``fetch`` guarantees:

* after ``start()`` the consumer first gets back its own pending entries (left
  by a previous process with the same consumer name) before anything new;
* entries pending longer than ``claim_idle_ms`` under another consumer are claimed;
* a batch never holds more than ``max_count`` messages, and messages of
  different streams come out in entry-id (arrival) order: an entry is held back
  while another stream may still have older entries not yet read.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from federation_ai.bus.base import DEFAULT_CLAIM_IDLE_MS, INPUT_EVENT_TYPES, entry_id_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any

    from federation_ai.bus.base import BusMessage, Outgoing

Batches = dict[str, list["BusMessage"]]


def _key(msg: BusMessage) -> tuple[int, int]:
    return entry_id_key(msg.message_id)


def merge_in_order(
    batches: Batches, open_streams: Iterable[str], room: int
) -> tuple[list[BusMessage], Batches]:
    """Release up to ``room`` messages in id order, none newer than an open stream allows.

    A stream is *open* when it may hold more entries than it returned; its last
    returned id bounds what may be released. Returns (released, kept per stream).
    """
    bounds = [_key(batches[s][-1]) for s in open_streams if batches.get(s)]
    limit = min(bounds) if bounds else None
    ready = sorted(
        (m for msgs in batches.values() for m in msgs if limit is None or _key(m) <= limit),
        key=_key,
    )[:room]
    taken = {(m.event_type, m.message_id) for m in ready}
    kept = {
        s: [m for m in msgs if (m.event_type, m.message_id) not in taken]
        for s, msgs in batches.items()
    }
    return ready, kept


class ConsumerCore(ABC):
    """Base of ``InMemoryBus`` and ``RedisStreamsBus``: the ``fetch`` algorithm."""

    def __init__(
        self,
        consumer: str,
        event_types: Iterable[str] = INPUT_EVENT_TYPES,
        claim_idle_ms: int = DEFAULT_CLAIM_IDLE_MS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not consumer:
            raise ValueError("consumer name must not be empty")
        self.consumer = consumer
        self.event_types: tuple[str, ...] = tuple(dict.fromkeys(event_types))
        if not self.event_types:
            raise ValueError("at least one input event type is required")
        if claim_idle_ms < 1:
            raise ValueError("claim_idle_ms must be >= 1")
        self.claim_idle_ms = claim_idle_ms
        self._clock = clock
        self._reset_consumer_state()

    # --- backend primitives -------------------------------------------------------

    @abstractmethod
    async def _read_new(
        self,
        event_types: list[str],
        count: int,
        block_ms: int,
        acks: Batches,
        publish: Outgoing | None = None,
    ) -> Batches:
        """Deliver up to ``count`` new entries per stream (block up to ``block_ms`` if > 0).

        First acknowledge ``acks`` (messages per stream, all among ``event_types``) and
        publish ``publish`` (setting its ``added``).
        """

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

    # --- shared algorithm ---------------------------------------------------------

    def _reset_consumer_state(self) -> None:
        self._recover: dict[str, str] = dict.fromkeys(self.event_types, "0")
        self._claim_cursor: dict[str, str] = dict.fromkeys(self.event_types, "0-0")
        self._held: Batches = {et: [] for et in self.event_types}
        self._held_since: dict[str, float] = {}
        self._next_claim_at = float("-inf")  # claim scans run every claim_idle_ms / 2
        self._acks: list[BusMessage] = []  # to acknowledge with the next read
        self._outgoing: Outgoing | None = None  # to publish with the next read
        # per stream, the newest entry id this consumer has received (from reads of new
        # or own pending entries): a backend whose read may run with its reply lost
        # returns this consumer's pending entries after it first (see redis_scripts)
        self._last_seen: dict[str, str] = {}

    def _saw(self, batches: Batches) -> None:
        for event_type, msgs in batches.items():
            if not msgs:
                continue
            newest = max(msgs, key=_key).message_id
            known = self._last_seen.get(event_type)
            if known is None or entry_id_key(newest) > entry_id_key(known):
                self._last_seen[event_type] = newest

    @abstractmethod
    async def start(self) -> None:
        """Create the consumer groups and forget read-ahead state."""

    @staticmethod
    def _is_nogroup(exc: Exception) -> bool:
        return "NOGROUP" in str(exc)

    async def fetch(
        self,
        max_count: int = 500,
        block_ms: int = 100,
        ack: Sequence[BusMessage] = (),
        publish: Outgoing | None = None,
    ) -> list[BusMessage]:
        """New messages across all input streams plus stale pending ones, oldest first.

        ``ack`` is acknowledged and ``publish`` published first; on the hot path both
        ride along with the read (otherwise the decisions are published on their own
        before this call returns). If a stream or group vanished (deleted key, never
        started), the groups are (re)created and this call returns nothing; the next
        one reads again.
        """
        if max_count < 1:
            raise ValueError("max_count must be >= 1")
        self._acks.extend(ack)
        self._outgoing = publish if publish is not None and publish.decisions else None
        try:
            out = await self._fetch(max_count, block_ms)
        except Exception as exc:
            if not self._is_nogroup(exc):
                self._outgoing = None
                raise
            await self.start()
            out = []
        if (outgoing := self._take_outgoing()) is not None:  # the read did not take it
            outgoing.added = await self.publish_decisions(outgoing.decisions)
        return out

    def _take_outgoing(self) -> Outgoing | None:
        outgoing, self._outgoing = self._outgoing, None
        return outgoing

    async def _flush_acks(self, keep: Iterable[str] = ()) -> Batches:
        """Acknowledge what waits, except the streams in ``keep`` (returned per stream)."""
        kept = set(keep)
        rest = [m for m in self._acks if m.event_type not in kept]
        if rest:
            await self.ack(rest)
        by_type: Batches = {}
        for m in self._acks:
            if m.event_type in kept:
                by_type.setdefault(m.event_type, []).append(m)
        self._acks = []
        return by_type

    async def _fetch(self, max_count: int, block_ms: int) -> list[BusMessage]:
        if self._recover:
            await self._flush_acks()
            recovered = await self._fetch_own(max_count)
            if recovered or self._recover:
                return recovered
        out: list[BusMessage] = []
        now = self._clock()
        if now >= self._next_claim_at:
            # A stale entry waits at least claim_idle_ms, so scanning for them every half
            # of that keeps the hot path to one read instead of a claim per stream.
            out = await self._fetch_stale(max_count)
            if all(c == "0-0" for c in self._claim_cursor.values()):
                self._next_claim_at = now + self.claim_idle_ms / 2000
        await self._refresh_held()
        room = max_count - len(out)
        if room > 0:
            idle = not out and not any(self._held.values())
            out.extend(await self._fetch_new(room, max_count, block_ms if idle else 0))
        await self._flush_acks()
        # an entry claimed above may also come back as one of this consumer's own
        unique = {(m.event_type, m.message_id): m for m in reversed(out)}
        return sorted(unique.values(), key=_key)

    async def _fetch_own(self, max_count: int) -> list[BusMessage]:
        batches = await self._read_own(dict(self._recover), max_count)
        self._saw(batches)
        full = [s for s, msgs in batches.items() if len(msgs) >= max_count]
        ready, kept = merge_in_order(batches, full, max_count)
        for event_type in list(self._recover):
            released = [m for m in ready if m.event_type == event_type]
            if released:
                self._recover[event_type] = released[-1].message_id
            if event_type not in full and not kept.get(event_type):
                del self._recover[event_type]
        return ready

    async def _fetch_stale(self, room: int) -> list[BusMessage]:
        out: list[BusMessage] = []
        for event_type in self.event_types:
            if len(out) >= room:
                break
            cursor, claimed = await self._claim(
                event_type, self._claim_cursor[event_type], room - len(out)
            )
            self._claim_cursor[event_type] = cursor
            held = {m.message_id for m in self._held[event_type]}
            out.extend(m for m in claimed if m.message_id not in held)
        return out

    async def _refresh_held(self) -> None:
        now = self._clock()
        for event_type, msgs in self._held.items():
            stale = [
                m.message_id
                for m in msgs
                if (now - self._held_since.get(f"{event_type}|{m.message_id}", now)) * 1000
                >= self.claim_idle_ms / 2
            ]
            if stale:
                await self._refresh(event_type, stale)
                for message_id in stale:
                    self._held_since[f"{event_type}|{message_id}"] = now

    async def _fetch_new(self, room: int, count: int, block_ms: int) -> list[BusMessage]:
        readable = [et for et in self.event_types if len(self._held[et]) < count]
        fresh: Batches = {}
        if readable:
            acks = await self._flush_acks(keep=readable)
            try:
                fresh = await self._read_new(readable, count, block_ms, acks, self._take_outgoing())
            except BaseException:
                # The read may not have run: its acknowledgements go with the next one (the
                # entries it may have delivered come back with it: see redis_scripts).
                self._acks.extend(m for msgs in acks.values() for m in msgs)
                raise
            self._saw(fresh)
        now = self._clock()
        open_streams = [et for et in self.event_types if et not in readable]
        batches: Batches = {}
        for event_type in self.event_types:
            new = fresh.get(event_type, [])
            if len(new) >= count:
                open_streams.append(event_type)
            for m in new:
                self._held_since[f"{event_type}|{m.message_id}"] = now
            batches[event_type] = self._held[event_type] + new
        ready, self._held = merge_in_order(batches, open_streams, room)
        for m in ready:
            self._held_since.pop(f"{m.event_type}|{m.message_id}", None)
        return ready
