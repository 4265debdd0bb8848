"""Fetch logic shared by both backends: recovery, stale claims, the merge of the streams.

A backend supplies the primitives (read new entries of several streams without
waiting, wait for a newer entry, re-read this consumer's own pending entries, claim
stale entries, refresh the idle time of entries it holds). On top of them ``fetch``
guarantees:

* after ``start()`` the consumer takes back its own pending entries (left by a
  previous process with the same consumer name) and merges them with the new
  entries of every stream: recovery keeps the one order (``merge``);
* entries pending longer than ``claim_idle_ms`` under another consumer are claimed;
* a batch never holds more than ``max_count`` messages, in merge order. What is read
  but not released yet is *held*: it stays pending for this consumer, unacknowledged,
  and is merged with what the next fetch reads.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING

from federation_ai.bus.backend import Batches, BusBackend
from federation_ai.bus.contract import Fetched, entry_id_key
from federation_ai.bus.merge import Candidate, Horizon, candidate, may_read, release

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from federation_ai.bus.contract import BusMessage

    Decisions = Sequence[Mapping[str, Any]]

# Reads one fetch may make before it gives up: each reads further into an open stream.
_MAX_READS = 8


class ConsumerCore(BusBackend):
    """Base of ``InMemoryBus`` and ``RedisStreamsBus``: the ``fetch`` algorithm."""

    # --- shared algorithm ---------------------------------------------------------

    def _reset_consumer_state(self) -> None:
        self._rank = {et: i for i, et in enumerate(self.event_types)}
        self._recover: dict[str, str] = dict.fromkeys(self.event_types, "0")
        self._claim_cursor: dict[str, str] = dict.fromkeys(self.event_types, "0-0")
        self._held: list[Candidate] = []  # read, not released: pending here, unacknowledged
        self._refreshed_at = self._clock()  # held entries' idle times last reset
        self._tails: dict[str, int] = {}  # entry ms of the last entry read per stream
        self._open: set[str] = set()  # streams that may hold unread entries
        self._now_ms: int | None = None  # the bus's clock at the last read
        self._next_claim_at = float("-inf")  # claim scans run every claim_idle_ms / 2
        self._acks: list[BusMessage] = []  # to acknowledge with the next read
        # per stream, the newest entry id this consumer has received (from reads of new
        # or own pending entries): a backend whose read may run with its reply lost
        # returns this consumer's pending entries after it first (see redis_scripts)
        self._last_seen: dict[str, str] = {}

    def _saw(self, batches: Batches) -> None:
        for event_type, msgs in batches.items():
            if not msgs:
                continue
            newest = max((m.message_id for m in msgs), key=entry_id_key)
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
        self, max_count: int = 500, block_ms: int = 100, ack: Sequence[BusMessage] = ()
    ) -> list[BusMessage]:
        """New messages across all input streams plus stale pending ones, in merge order.

        ``ack`` is acknowledged first (on the hot path it rides along with the read).
        """
        return (await self.publish_and_fetch((), max_count, block_ms, ack)).messages

    async def publish_and_fetch(
        self,
        decisions: Decisions,
        max_count: int = 500,
        block_ms: int = 100,
        ack: Sequence[BusMessage] = (),
    ) -> Fetched:
        """``fetch`` that publishes ``decisions`` first: with the read, or on their own
        before this call returns when no read goes out.

        If a stream or group vanished (deleted key, never started), the groups are
        (re)created, the decisions published on their own (again: harmless) and this
        call returns no messages; the next one reads again.
        """
        if max_count < 1:
            raise ValueError("max_count must be >= 1")
        self._acks.extend(ack)
        try:
            messages, published = await self._fetch(max_count, block_ms, decisions)
        except Exception as exc:
            if not self._is_nogroup(exc):
                raise
            await self.start()
            messages, published = [], None
        if published is None:  # no read carried them
            published = await self.publish_decisions(decisions) if decisions else 0
        return Fetched(messages, published)

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

    async def _fetch(
        self, max_count: int, block_ms: int, decisions: Decisions
    ) -> tuple[list[BusMessage], int | None]:
        """The messages, and how many decisions the first read published (None: no
        read went out)."""
        published: int | None = None
        if self._recover:
            await self._flush_acks()
            await self._take_back_own(max_count)
        now = self._clock()
        if now >= self._next_claim_at:
            # A stale entry waits at least claim_idle_ms, so scanning for them every half
            # of that keeps the hot path to one read instead of a claim per stream.
            await self._fetch_stale(max_count)
            if all(c == "0-0" for c in self._claim_cursor.values()):
                self._next_claim_at = now + self.claim_idle_ms / 2000
        await self._refresh_held()
        budget = max(block_ms, 0)
        for _ in range(_MAX_READS):
            added = await self._read_once(max_count, () if published is not None else decisions)
            if published is None:
                published = added
            horizon = self._horizon()
            released, self._held = release(self._held, horizon, max_count)
            if released:
                await self._flush_acks()
                return [c.msg for c in released], published
            held = self._held_per_stream()
            if any(s in self._open and self._readable(s, max_count, horizon, held) for s in held):
                continue  # an open stream holds what the held entries wait for
            if budget <= 0:
                break
            wait = budget
            ripens = horizon.ripens_in_ms(self._held)  # a lateness: held by the clock alone
            if ripens is not None:
                wait = min(wait, ripens)
            if not await self._wait_new(wait) and not self._held:
                break  # nothing came and nothing waits: an idle stream
            budget -= wait
        await self._flush_acks()
        return [], published

    def _horizon(self) -> Horizon:
        tails = {s: self._tails[s] for s in self._open if s in self._tails}
        return Horizon(tails, self._now_ms, self.merge_lateness_ms)

    def _held_per_stream(self) -> dict[str, list[Candidate]]:
        held: dict[str, list[Candidate]] = {et: [] for et in self.event_types}
        for c in self._held:
            held[c.stream].append(c)
        return held

    def _readable(
        self, event_type: str, count: int, horizon: Horizon, held: dict[str, list[Candidate]]
    ) -> bool:
        if event_type not in self._tails:
            return True
        earliest = min((self._tails[s] for s in self._open if s in self._tails), default=None)
        return may_read(held[event_type], count, horizon, self._tails[event_type], earliest)

    async def _read_once(self, count: int, decisions: Decisions) -> int | None:
        """One read of the readable streams, publishing ``decisions`` with it; how many
        were new (None: nothing was readable, no read went out)."""
        horizon, held = self._horizon(), self._held_per_stream()
        readable = [et for et in self.event_types if self._readable(et, count, horizon, held)]
        if not readable:  # everything waits for room: nothing to read now
            await self._flush_acks()
            return None
        acks = await self._flush_acks(keep=readable)
        try:
            fresh, self._now_ms, published = await self._read_new(
                readable, count, acks, decisions
            )
        except BaseException:
            # The read may not have run: its acknowledgements go with the next one (the
            # entries it may have delivered come back with it: see redis_scripts).
            self._acks.extend(m for msgs in acks.values() for m in msgs)
            raise
        self._saw(fresh)
        for event_type in self.event_types:
            if event_type not in readable:
                self._open.add(event_type)  # not read: entries may have come meanwhile
                continue
            new = fresh.get(event_type, [])
            if len(new) >= count:
                self._open.add(event_type)
            else:
                self._open.discard(event_type)
            self._hold(event_type, new, held[event_type])
        return published

    def _hold(
        self, event_type: str, messages: Sequence[BusMessage], holding: Sequence[Candidate]
    ) -> None:
        """Hold ``messages`` of ``event_type`` but those among ``holding`` (its held ones)."""
        if not messages:
            return
        rank = self._rank[event_type]
        # an entry claimed earlier may come back as one of this consumer's own pending
        have = {c.msg.message_id for c in holding}
        held = [candidate(m, rank) for m in messages if m.message_id not in have]
        if held:  # a stream's entries come in id order: the last is its newest
            self._tails[event_type] = max(self._tails.get(event_type, -1), held[-1].ms)
            self._held.extend(held)

    async def _take_back_own(self, max_count: int) -> None:
        """This consumer's pending entries (a previous process's), all held for the merge."""
        while self._recover:
            batches = await self._read_own(dict(self._recover), max_count)
            self._saw(batches)
            held = self._held_per_stream()
            for event_type in list(self._recover):
                got = batches.get(event_type, [])
                self._hold(event_type, got, held[event_type])
                if len(got) >= max_count:
                    self._recover[event_type] = got[-1].message_id
                else:
                    del self._recover[event_type]

    async def _fetch_stale(self, room: int) -> None:
        taken = 0
        held = {(c.stream, c.msg.message_id) for c in self._held}
        for event_type in self.event_types:
            if taken >= room:
                break
            cursor, claimed = await self._claim(
                event_type, self._claim_cursor[event_type], room - taken
            )
            self._claim_cursor[event_type] = cursor
            fresh = [m for m in claimed if (event_type, m.message_id) not in held]
            taken += len(fresh)
            rank = self._rank[event_type]
            # older than anything read: no tail to move
            self._held.extend(candidate(m, rank) for m in fresh)

    async def _refresh_held(self) -> None:
        """Every ``claim_idle_ms / 2``, reset the idle time of all held entries, so no
        other consumer claims them while they wait here."""
        now = self._clock()
        if (now - self._refreshed_at) * 1000 < self.claim_idle_ms / 2:
            return
        self._refreshed_at = now
        ids: dict[str, list[str]] = {}
        for c in self._held:
            ids.setdefault(c.stream, []).append(c.msg.message_id)
        for event_type, held in ids.items():
            await self._refresh(event_type, held)
