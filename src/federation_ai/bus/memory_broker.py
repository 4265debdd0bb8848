"""Storage behind ``InMemoryBus``: streams, consumer groups and publish markers.

Mirrors the Redis commands the Redis backend uses (XADD with approximate MAXLEN,
XGROUP CREATE, XREADGROUP, XAUTOCLAIM, XCLAIM JUSTID, XACK, the publish script).
Several ``InMemoryBus`` consumers may share one broker; it also stands in for
Redis across a simulated process restart.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from federation_ai.bus.contract import entry_id_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

Entry = tuple[str, dict[str, str], int]  # (entry id, fields, deliveries)


def _fmt(key: tuple[int, int]) -> str:
    return f"{key[0]}-{key[1]}"


@dataclass(slots=True)
class _Pending:
    consumer: str
    delivered_at: float
    deliveries: int


@dataclass(slots=True)
class _Group:
    last: tuple[int, int]
    pending: dict[str, _Pending] = field(default_factory=dict)  # kept in id order


@dataclass(slots=True)
class _Stream:
    ids: list[tuple[int, int]] = field(default_factory=list)
    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    groups: dict[str, _Group] = field(default_factory=dict)
    last: tuple[int, int] = (0, 0)
    acked: int = 0  # acknowledgements since the last drop of done entries


# Entries every group has read and acknowledged are dropped once this many more
# acknowledgements have come in (one list shift per batch of them, not per ack).
DROP_DONE_EVERY = 1024


class InMemoryBroker:
    """Streams, groups and markers shared by the ``InMemoryBus`` instances given it."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self._wall = wall_clock
        self._streams: dict[str, _Stream] = {}
        self._markers: dict[str, float] = {}
        self._purge_at = 1024
        self._added = asyncio.Event()

    def _group(self, key: str, group: str) -> _Group:
        stream = self._streams.get(key)
        if stream is None or group not in stream.groups:
            raise LookupError(f"NOGROUP: no group {group!r} on {key!r}; call start() first")
        return stream.groups[group]

    def now_ms(self) -> int:
        """The wall clock in ms, as entry ids are stamped: a new entry is never older."""
        return int(self._wall() * 1000)

    def add(
        self,
        key: str,
        fields: Mapping[str, str],
        maxlen: int | None = None,
        entry_id: str | None = None,
    ) -> str:
        """XADD: ``entry_id`` None stamps the id from the wall clock (``*``); an explicit
        id must be greater than the stream's last, as on Redis."""
        if not fields:
            raise ValueError("a stream entry needs at least one field")
        stream = self._streams.setdefault(key, _Stream())
        if entry_id is not None:
            new = entry_id_key(entry_id)
            if new <= stream.last:
                raise ValueError("ERR the ID specified in XADD is not above the stream's last")
        else:
            ms = int(self._wall() * 1000)
            new = (ms, 0) if ms > stream.last[0] else (stream.last[0], stream.last[1] + 1)
        stream.last = new
        stream.ids.append(new)
        stream.entries[_fmt(new)] = {str(k): str(v) for k, v in fields.items()}
        if maxlen is not None and len(stream.ids) > maxlen + maxlen // 10:  # approximate
            drop = len(stream.ids) - maxlen
            for old in stream.ids[:drop]:
                del stream.entries[_fmt(old)]
            del stream.ids[:drop]
        self._added.set()
        self._added = asyncio.Event()
        return _fmt(new)

    def waiter(self) -> asyncio.Event:
        """An event set by the next ``add``; take it before reading, then wait on it."""
        return self._added

    def create_group(self, key: str, group: str, start_id: str) -> bool:
        stream = self._streams.setdefault(key, _Stream())
        if group in stream.groups:
            return False
        last = stream.last if start_id == "$" else entry_id_key(start_id)
        stream.groups[group] = _Group(last)
        return True

    def read_new(self, key: str, group: str, consumer: str, count: int) -> list[Entry]:
        g = self._group(key, group)
        stream = self._streams[key]
        start = bisect.bisect_right(stream.ids, g.last)
        picked = stream.ids[start : start + count]
        now = self.clock()
        out: list[Entry] = []
        for k in picked:
            entry_id = _fmt(k)
            g.pending[entry_id] = _Pending(consumer, now, 1)
            out.append((entry_id, dict(stream.entries[entry_id]), 1))
        if picked:
            g.last = picked[-1]
        return out

    def read_own(self, key: str, group: str, consumer: str, after: str, count: int) -> list[Entry]:
        g = self._group(key, group)
        entries = self._streams[key].entries
        after_key, now = entry_id_key(after), self.clock()
        out: list[Entry] = []
        for entry_id, p in list(g.pending.items()):
            if len(out) >= count:
                break
            if p.consumer != consumer or entry_id_key(entry_id) <= after_key:
                continue
            if entry_id not in entries:  # trimmed away: nothing left to deliver
                del g.pending[entry_id]
                continue
            p.deliveries += 1
            p.delivered_at = now
            out.append((entry_id, dict(entries[entry_id]), p.deliveries))
        return out

    def autoclaim(
        self, key: str, group: str, consumer: str, *, min_idle_ms: int, start: str, count: int
    ) -> tuple[str, list[Entry]]:
        """XAUTOCLAIM: scan up to ``10 * count`` pending entries from ``start``."""
        g = self._group(key, group)
        entries = self._streams[key].entries
        start_key, now = entry_id_key(start), self.clock()
        attempts, cursor = count * 10, "0-0"
        out: list[Entry] = []
        for entry_id, p in list(g.pending.items()):
            if entry_id_key(entry_id) < start_key:
                continue
            if len(out) >= count or attempts == 0:
                cursor = entry_id
                break
            attempts -= 1
            if (now - p.delivered_at) * 1000 < min_idle_ms:
                continue
            if entry_id not in entries:
                del g.pending[entry_id]
                continue
            p.consumer, p.delivered_at = consumer, now
            p.deliveries += 1
            out.append((entry_id, dict(entries[entry_id]), p.deliveries))
        return cursor, out

    def touch(self, key: str, group: str, consumer: str, ids: Iterable[str]) -> None:
        """XCLAIM ... JUSTID: reset idle time without counting a delivery."""
        g, now = self._group(key, group), self.clock()
        for entry_id in ids:
            if (p := g.pending.get(entry_id)) is not None:
                p.consumer, p.delivered_at = consumer, now

    def ack(self, key: str, group: str, ids: Iterable[str]) -> int:
        g = self._group(key, group)
        done = sum(g.pending.pop(entry_id, None) is not None for entry_id in ids)
        stream = self._streams[key]
        stream.acked += done
        if stream.acked >= DROP_DONE_EVERY:
            stream.acked = 0
            _drop_done(stream)
        return done

    def pending_count(self, key: str, group: str) -> int:
        return len(self._group(key, group).pending)

    def lag(self, key: str, group: str) -> int:
        ids = self._streams[key].ids
        return len(ids) - bisect.bisect_right(ids, self._group(key, group).last)

    def publish_once(
        self, marker: str, ttl_ms: int, key: str, fields: Mapping[str, str], maxlen: int
    ) -> str | None:
        """Add ``fields`` unless ``marker`` is set and unexpired; then set it for ``ttl_ms``."""
        now = self.clock()
        if self._markers.get(marker, now) > now:
            return None
        entry_id = self.add(key, fields, maxlen)
        self._markers[marker] = now + ttl_ms / 1000
        if len(self._markers) >= self._purge_at:
            self._markers = {k: t for k, t in self._markers.items() if t > now}
            self._purge_at = 2 * len(self._markers) + 1024
        return entry_id

    def entries(self, key: str, count: int | None = None) -> list[tuple[str, dict[str, str]]]:
        stream = self._streams.get(key)
        if stream is None:
            return []
        ids = stream.ids if count is None else stream.ids[-count:] if count > 0 else []
        return [(_fmt(k), dict(stream.entries[_fmt(k)])) for k in ids]


def _drop_done(stream: _Stream) -> None:
    """Forget the oldest entries that every group has read and none has pending.

    Redis keeps them until a producer trims the stream (``XADD MAXLEN``); in process
    the service's own groups are the only readers, and keeping every input entry
    would make an embedded service's memory grow with each event it decides.
    """
    groups = stream.groups.values()
    if not groups:
        return
    ids = stream.ids
    cut = bisect.bisect_right(ids, min(g.last for g in groups))
    pending = [entry_id_key(entry_id) for g in groups for entry_id in g.pending]
    if pending:
        cut = min(cut, bisect.bisect_left(ids, min(pending)))
    for old in ids[:cut]:
        del stream.entries[_fmt(old)]
    del ids[:cut]
