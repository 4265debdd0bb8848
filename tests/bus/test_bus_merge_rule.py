"""The merge rule itself (``federation_ai.bus.merge``): table-driven cases."""

from __future__ import annotations

import json

import pytest

from federation_ai.bus import BusMessage
from federation_ai.bus.merge import Horizon, candidate, may_read, release

SNAP = "portfolio.snapshot_updated"
TRADE = "trade.closed"
RANK = {SNAP: 0, TRADE: 3}


def msg(stream: str, entry_id: str, second: int | None, account: str | None = "a") -> BusMessage:
    body = {"event_id": f"{stream[:4]}-{entry_id}"}
    if account is not None:
        body["account_id"] = account
    fields = {"payload": json.dumps(body)}
    if second is not None:
        fields["timestamp"] = f"2024-03-01T12:00:{second:02d}Z"
    return BusMessage(stream, entry_id, fields, 1)


def ids(cands: list) -> list[str]:
    return [f"{c.msg.event_type[:4]}:{c.msg.message_id}" for c in cands]


@pytest.mark.parametrize(
    ("fields", "account", "ts"),
    [
        ({"payload": '{"account_id": "x"}', "timestamp": "2024-03-01T12:00:05Z"}, "x", 1709294405000000),
        ({"payload": "{}", "account_id": "y", "timestamp": "2024-03-01T13:00:05+01:00"}, "y", 1709294405000000),
        ({"payload": '{"account_id": ""}', "timestamp": "2024-03-01T12:00:05.25Z"}, "default", 1709294405250000),
        ({"payload": "{}"}, "default", 7000),  # no timestamp: the entry id's time, as the event's
        ({"payload": '{"account_id": "z", "x": NaN}', "timestamp": "2024-03-01T12:00:05Z"}, "z", 1709294405000000),
        ({"payload": '{"account_id": "w", "n": 1%s}' % ("0" * 30), "timestamp": "2024-03-01T12:00:05Z"}, "w", 1709294405000000),
        ({"payload": "[1]", "timestamp": "2024-03-01T12:00:05Z"}, None, None),
        ({"payload": "{bad", "timestamp": "2024-03-01T12:00:05Z"}, None, None),
        ({"timestamp": "2024-03-01T12:00:05Z"}, None, None),
        ({"payload": "{}", "timestamp": "2024-03-01T12:00:05"}, None, None),  # no zone
        ({"payload": "{}", "timestamp": "soon"}, None, None),
    ],
)
def test_candidate_reads_account_and_event_time_as_the_envelope_does(fields, account, ts):
    c = candidate(BusMessage(SNAP, "7-3", fields, 1), 2)
    assert c.account == account
    assert c.arrival == (7, 3, 2)
    if ts is not None:
        assert c.order == (ts, 7, 3, 2)


@pytest.mark.parametrize(
    ("open_tails", "now_ms", "lateness", "bounds"),
    [
        ({}, None, 0, {SNAP: float("inf"), TRADE: float("inf")}),
        ({SNAP: 5}, None, 0, {SNAP: float("inf"), TRADE: 5}),  # a tie at ms 5 waits
        ({SNAP: 5, TRADE: 9}, None, 0, {SNAP: 9, TRADE: 5}),
        ({}, 100, 0, {SNAP: float("inf"), TRADE: float("inf")}),  # no lateness: no clock
        ({}, 100, 10, {SNAP: 91, TRADE: 91}),  # ripe once the clock is 10 ms past
        ({SNAP: 50}, 100, 10, {SNAP: 41, TRADE: 41}),
        ({SNAP: 95}, 100, 10, {SNAP: 86, TRADE: 86}),
    ],
)
def test_horizon_bounds(open_tails, now_ms, lateness, bounds):
    horizon = Horizon(open_tails, now_ms, lateness)
    assert {s: horizon.bound(s) for s in bounds} == bounds


def test_an_older_event_of_the_account_is_released_with_a_ripe_newer_one():
    cands = [
        candidate(msg(SNAP, "4-0", 30), 0),
        candidate(msg(TRADE, "5-0", 10), 3),  # in the tie with SNAP's tail: not ripe itself
    ]
    released, kept = release(cands, Horizon({SNAP: 5}), 10)
    assert ids(released) == ["trad:5-0", "port:4-0"]
    assert kept == []


def test_a_newer_event_of_the_account_waits_with_the_tie():
    cands = [candidate(msg(SNAP, "4-0", 10), 0), candidate(msg(TRADE, "5-0", 30), 3)]
    released, kept = release(cands, Horizon({SNAP: 5}), 10)
    assert ids(released) == ["port:4-0"]
    assert ids(kept) == ["trad:5-0"]


def test_room_cuts_the_merge_and_keeps_each_account_a_prefix():
    cands = [
        candidate(msg(SNAP, "1-0", 3, "a"), 0),
        candidate(msg(TRADE, "1-0", 50, "b"), 3),
        candidate(msg(TRADE, "2-0", 1, "a"), 3),
        candidate(msg(SNAP, "3-0", 40, "b"), 0),
    ]
    released, kept = release(cands, Horizon({}), 2)
    # arrival places: a, b, a, b; each account takes its places in its own order
    assert ids(released) == ["trad:2-0", "port:3-0"]
    assert ids(sorted(kept, key=lambda c: c.arrival)) == ["port:1-0", "trad:1-0"]


def test_unreadable_messages_keep_their_arrival_place_and_hold_nothing_back():
    cands = [
        candidate(msg(SNAP, "1-0", 20), 0),
        candidate(BusMessage(TRADE, "1-0", {"payload": "nope"}, 1), 3),
        candidate(msg(TRADE, "2-0", 10), 3),
    ]
    released, _ = release(cands, Horizon({}), 10)
    assert ids(released) == ["trad:2-0", "trad:1-0", "port:1-0"]


@pytest.mark.parametrize(
    ("held", "tail", "earliest", "expected"),
    [
        ([], 5, 5, True),  # room for more
        ([("4-0", SNAP)], 5, None, True),
        ([("4-0", SNAP), ("5-0", SNAP)], 5, 9, False),  # enough read ahead, some ripe
        ([("5-0", SNAP), ("5-1", SNAP)], 5, 5, True),  # all wait for this very stream
        ([("5-0", SNAP), ("5-1", SNAP)], 7, 5, False),  # they wait for another one
    ],
)
def test_may_read(held, tail, earliest, expected):
    cands = [candidate(msg(stream, entry, 1), RANK[stream]) for entry, stream in held]
    # TRADE open at `earliest` bounds SNAP's entries (none ripe at or after it)
    horizon = Horizon({TRADE: earliest} if earliest is not None else {})
    assert may_read(cands, 2, horizon, tail, earliest) is expected
