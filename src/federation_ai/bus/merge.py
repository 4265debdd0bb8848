"""The merge of the input streams into one order: pure functions, no I/O, no clock.

Entries of different streams written in the same millisecond tie on the entry id,
so the id alone cannot order them. The merge orders one account's entries by the
events' own timestamps, then entry id, and releases an entry only when no entry
that is not read yet can belong before it:

* the entries of a stream that may hold more than it returned (an *open* stream)
  all have entry ids after the last one read from it, so an entry of another
  stream is released only from an earlier millisecond than that one (a tie at the
  batch's edge waits for the next fetch);
* with a lateness of ``L`` ms (``merge_lateness_ms``), an entry also waits until
  the bus's clock is ``L`` ms past its entry time and every open stream has been
  read ``L`` ms past it, so an event that reaches the bus up to ``L`` ms after a
  newer one of its account (another producer, another connection) still comes first.

Releasing an entry releases every entry of its account that sorts before it, so an
event is rejected as out of order only if it was written after a newer event of its
account had been read and, with a lateness, at least ``L`` ms after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from federation_ai.bus.contract import BusMessage

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class Candidate(NamedTuple):
    """A delivered message and where it belongs in the merge."""

    msg: BusMessage
    stream: str
    ms: int  # entry-id time: when the bus received it, on the bus's clock
    arrival: tuple[int, int, int]  # (entry ms, entry sequence, stream rank)
    account: str | None  # None: not readable as an event; ordered by arrival alone
    group: object  # the account, or (None) the message on its own
    order: tuple[int, int, int, int]  # (event time us, *arrival) within the account


def _event_time_us(text: str) -> int | None:
    """UTC microseconds of an RFC 3339 time with a zone, as the core reads it; else None."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return (moment - _EPOCH) // _US


def _account_of(msg: BusMessage) -> str | None:
    """The account as ``envelope_to_event_dict`` finds it; None if the payload is unreadable
    (not JSON, or not an object: the consumer dead-letters it)."""
    payload = msg.payload
    if not isinstance(payload, dict):
        return None
    account = payload.get("account_id")
    if account is None or account == "":
        account = msg.fields.get("account_id") or "default"
    return str(account)


def candidate(msg: BusMessage, rank: int) -> Candidate:
    """Where ``msg`` (of the stream ranked ``rank`` among the inputs) goes in the merge."""
    fields, stream = msg.fields, msg.event_type
    ms_text, _, seq_text = msg.message_id.partition("-")
    try:
        ms, seq = int(ms_text), int(seq_text or 0)
    except ValueError:
        ms = seq = 0
    account = _account_of(msg)
    stamp = fields.get("timestamp")
    ts = _event_time_us(stamp) if stamp else ms * 1000
    arrival = (ms, seq, rank)
    if ts is None or account is None:
        return Candidate(msg, stream, ms, arrival, None, (stream, arrival), (0, ms, seq, rank))
    return Candidate(msg, stream, ms, arrival, account, account, (ts, ms, seq, rank))


@dataclass(frozen=True, slots=True)
class Horizon:
    """What the consumer has read: which entries no unread entry can precede.

    ``open_tails``: per open stream, the entry ms of the last entry read from it.
    ``now_ms``: the bus's clock at the read (only needed with a lateness).
    """

    open_tails: Mapping[str, int]
    now_ms: int | None = None
    lateness_ms: int = 0

    def bound(self, stream: str) -> float:
        """Entries of ``stream`` with an entry ms below this are safe to release."""
        late = self.lateness_ms
        bound = float("inf")
        if late > 0 and self.now_ms is not None:
            bound = self.now_ms - late + 1
        for other, tail in self.open_tails.items():
            if other != stream:
                bound = min(bound, tail - max(late, 1) + 1)
            elif late > 0:  # later entries of the same stream: written after, but maybe late
                bound = min(bound, tail - late + 1)
        return bound

    def ripe(self, c: Candidate) -> bool:
        return c.ms < self.bound(c.stream)

    def ripens_in_ms(self, candidates: Iterable[Candidate]) -> int | None:
        """How long until the earliest of ``candidates`` ripens by the clock alone."""
        if self.lateness_ms <= 0 or self.now_ms is None:
            return None
        waits = [c.ms + self.lateness_ms - self.now_ms for c in candidates]
        return max(1, min(waits)) if waits else None


def may_read(
    held: list[Candidate], count: int, horizon: Horizon, tail: int, earliest: int | None
) -> bool:
    """Whether to read further into a stream holding ``held`` (its last entry at ``tail``
    ms; ``earliest``: the first tail among the open streams).

    A stream is read unless ``count`` of its entries are held already, which bounds
    read-ahead when one stream is far ahead of another. Except when all of them wait
    for it (it is the earliest open stream, a tie of more than ``count`` entries in one
    millisecond): then it is read further, or nothing could ever be released.
    """
    if len(held) < count:
        return True
    if min(c.ms for c in held) < horizon.bound(held[0].stream):  # some are ripe
        return False
    return earliest is not None and tail <= earliest


_ORDER = attrgetter("order")
_ARRIVAL = attrgetter("arrival")


def release(
    candidates: Iterable[Candidate], horizon: Horizon, room: int
) -> tuple[list[Candidate], list[Candidate]]:
    """Up to ``room`` candidates in merge order; returns (released, kept).

    Per account, every candidate up to the last ripe one in (event time, arrival)
    order is released (an older event of the account must not wait behind a newer
    one); accounts interleave in arrival order: an account's released entries take
    the places its entries had in arrival order, in the account's own order.
    """
    groups: dict[object, list[Candidate]] = {}
    for c in candidates:
        groups.setdefault(c.group, []).append(c)
    bounds: dict[str, float] = {}
    eligible: list[Candidate] = []
    queues: dict[object, list[Candidate]] = {}
    kept: list[Candidate] = []
    for key, group in groups.items():
        group.sort(key=_ORDER)
        last = len(group) - 1
        while last >= 0:  # the account's last ripe candidate; usually its newest
            c = group[last]
            if c.stream not in bounds:
                bounds[c.stream] = horizon.bound(c.stream)
            if c.ms < bounds[c.stream]:
                break
            last -= 1
        if last < 0:
            kept.extend(group)
            continue
        kept.extend(group[last + 1 :])
        queue = group[last::-1]  # popped from the end: the account's oldest first
        queues[key] = queue
        eligible.extend(queue)
    eligible.sort(key=_ARRIVAL)
    released = [queues[slot.group].pop() for slot in eligible[:room]]
    for queue in queues.values():
        kept.extend(queue)
    return released, kept
