"""Events stored as out of order that a replay of the log in entry order accepts.

The live consumer decides events in the order it merges the input streams. An event
it rejected as out of order (and dead-lettered) although it reached the bus before
the newer event that shut it out was lost to the merge, not sent late. To find such
events, each affected account's whole event log (processed and rejected events) is
replayed in *entry order*: the events that came over the bus by the time their
stream entry was written (the entry id's millisecond), then the event's own time,
then the order they were logged in; events that came over HTTP carry no entry id
and keep their places in the log. Every event that replay accepts but the log holds
as out of order is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from federation_ai.bus.contract import entry_id_key
from federation_ai.bus.envelope import STREAM_ENTRY_ID
from federation_ai.core import (
    OUT_OF_ORDER,
    PROCESSED,
    FederationState,
    InvalidEvent,
    parse_event,
    step,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from federation_ai.core import CoreConfig, Event

Logged = tuple[str, dict[str, Any]]  # (outcome, envelope) as stored, in log order


def _entry_ms(envelope: dict[str, Any]) -> int | None:
    entry_id = envelope.get(STREAM_ENTRY_ID)
    if not isinstance(entry_id, str):
        return None
    try:
        return entry_id_key(entry_id)[0]
    except ValueError:
        return None


def entry_order(events: list[tuple[str, Event, int | None]]) -> list[tuple[str, Event]]:
    """One account's (outcome, event, entry ms) in log order, re-ordered by entry.

    Bus events take the places bus events had in the log, sorted by (entry ms, event
    time, log position); the others stay where they are.
    """
    places = [i for i, (_, _, ms) in enumerate(events) if ms is not None]
    by_entry = sorted(places, key=lambda i: (events[i][2], events[i][1].ts, i))
    order = list(range(len(events)))
    for place, i in zip(places, by_entry, strict=True):
        order[place] = i
    return [(events[i][0], events[i][1]) for i in order]


def accepted_in_entry_order(log: Iterable[Logged], config: CoreConfig) -> list[Event]:
    """The events one account's log holds as out of order that its entry-order replay
    accepts (processed events the core now finds invalid are verify's main check)."""
    events: list[tuple[str, Event, int | None]] = []
    for outcome, envelope in log:
        try:
            events.append((outcome, parse_event(envelope), _entry_ms(envelope)))
        except InvalidEvent:
            continue
    state = FederationState()
    found: list[Event] = []
    for outcome, event in entry_order(events):
        try:
            result = step(state, event, config)
        except InvalidEvent:
            continue
        if outcome == OUT_OF_ORDER and result.outcome == PROCESSED:
            found.append(event)
    return found
