"""commit_batch: round trip, idempotency, atomicity, and the reads the runner starts from."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from store_helpers import decision, event

from federation_ai.store import (
    Batch,
    DecisionQuery,
    EventsAlreadyStoredError,
    OutboxRow,
    Store,
    schema,
)

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


async def _counts(store: Store) -> tuple[int, int, int, int]:
    events = [e async for e in store.iter_events()]
    decisions = [d async for d in store.iter_decisions()]
    states = await store.load_states()
    pending = sum((await store.outbox_stats()).values())
    return len(events), len(decisions), len(states), pending


async def test_round_trip_returns_the_decisions_as_written(store: Store) -> None:
    written = [
        decision(
            "e-1",
            role="supervisor",
            decision_type="freeze",
            priority=1,
            payload={
                "triggers": ["drawdown", "daily_loss"],
                "severity": "CRITICAL",
                "mode": "EMERGENCY",
                "previous_mode": "LIVE",
                "affected_subsystems": ["trading", "execution", "signals"],
                "requires_manual_review": True,
            },
        ),
        decision(
            "e-1",
            role="cro",
            decision_type="risk_adjustment",
            payload={
                "tier": "EMERGENCY",
                "max_leverage": 0.75,
                "max_position_size_pct": 0.025,
                "max_exposure_pct": 0.25,
                "max_drawdown_pct": 0.1,
                "stop_loss_multiplier": 0.6,
            },
        ),
        decision(
            "e-1",
            role="researcher",
            decision_type="research_task",
            priority=4,
            payload={
                "task_type": "risk_analysis",
                "model_name": None,
                "description": "DD 7.5% — révision",
                "expected_impact": {"drawdown": -0.0075},
                "estimated_duration_hours": 2,
            },
        ),
    ]
    await store.commit_batch(Batch(events=[event("e-1")], decisions=written))

    for original in written:
        read = await store.get_decision(original["decision_id"])
        assert read == original
        assert list(read) == list(original)  # SPEC §4 key order
    page = await store.query_decisions(DecisionQuery())
    assert page.items == list(reversed(written))
    assert await store.decisions_for_event("default", "e-1") == written
    assert await store.get_decision("no-such-id") is None


async def test_timestamps_are_stored_as_utc_and_read_in_canonical_form(store: Store) -> None:
    with_micros = decision("e-1", n=0) | {"timestamp": "2024-03-01T12:00:05.250000Z"}
    with_offset = decision("e-1", n=1) | {"timestamp": "2024-03-01T14:00:05+02:00"}
    await store.commit_batch(Batch(decisions=[with_micros, with_offset]))
    got = await store.get_decision(with_micros["decision_id"])
    assert got is not None
    assert got["timestamp"] == "2024-03-01T12:00:05.250000Z"
    got = await store.get_decision(with_offset["decision_id"])
    assert got is not None
    assert got["timestamp"] == "2024-03-01T12:00:05Z"


async def test_event_log_keeps_the_envelope_as_received(store: Store) -> None:
    row = event("e-1", producer_field={"nested": [1, 2.5, "x"]}, trace_id="t-9")
    await store.commit_batch(Batch(events=[row]))
    assert await store.get_event("default", "e-1") == row.envelope
    assert await store.get_event("other", "e-1") is None


async def test_awkward_text_and_numbers_survive_the_batch_encoding(store: Store) -> None:
    awkward = {
        "text": 'quote " backslash \\ newline \n tab \t emoji 📈 accent é',
        "numbers": [1e-7, 123456789.123456, -0.5, 2**53, 0],
        "empty": {},
        "keys with spaces": {"a b": None},
    }
    row = event("e-1", producer_field=awkward)
    written = decision("e-1", payload=awkward)
    await store.commit_batch(
        Batch(events=[row], decisions=[written], states={"default": {"memo": awkward}})
    )
    assert await store.get_event("default", "e-1") == row.envelope
    assert await store.get_decision(written["decision_id"]) == written
    assert (await store.load_states())["default"] == {"memo": awkward}


async def test_duplicate_decisions_and_outbox_rows_are_skipped(store: Store) -> None:
    d1 = decision("e-1")
    batch = Batch(
        events=[event("e-1")],
        decisions=[d1, dict(d1)],
        states={"default": {"nav": 1.0}},
        outbox=[
            OutboxRow("publish", d1["decision_id"], {"n": 1}),
            OutboxRow("publish", d1["decision_id"], {"n": 2}),
        ],
    )
    await store.commit_batch(batch)
    assert await _counts(store) == (1, 1, 1, 1)
    items = await store.due_outbox(now=FAR_FUTURE)
    assert [i.payload for i in items] == [{"n": 1}]


@pytest.mark.parametrize("where", ["stored-before", "inside-the-batch"])
async def test_an_event_already_logged_rolls_the_whole_batch_back(store: Store, where: str) -> None:
    """The event log is the idempotency authority: the caller learns which events to drop."""
    if where == "stored-before":
        await store.commit_batch(Batch(events=[event("e-1")]))
        events = [event("e-2"), event("e-1", at=5)]
    else:
        events = [event("e-1"), event("e-1", at=5)]
    before = await _counts(store)
    batch = Batch(events=events, decisions=[decision("e-2")], states={"default": {"nav": 2.0}})
    with pytest.raises(EventsAlreadyStoredError) as info:
        await store.commit_batch(batch)
    assert info.value.keys == [("default", "e-1")]
    assert await _counts(store) == before


async def test_same_event_id_in_two_accounts_is_two_events(store: Store) -> None:
    await store.commit_batch(Batch(events=[event("e-1", account="a"), event("e-1", account="b")]))
    assert await store.known_event_ids("a", ["e-1"]) == {"e-1"}
    assert await store.known_event_ids("b", ["e-1"]) == {"e-1"}


async def test_a_failing_batch_leaves_nothing_behind(store: Store) -> None:
    await store.commit_batch(Batch(events=[event("e-0")], states={"default": {"v": 0}}))
    before = await _counts(store)

    good = Batch(
        events=[event("e-1"), event("e-2")],
        decisions=[decision("e-1"), decision("e-2")],
        states={"default": {"v": 2}},
    )
    # The state upsert (third statement) violates NOT NULL after events and
    # decisions were already inserted in the same transaction.
    broken = Batch(good.events, good.decisions, {None: {"v": 2}}, [])  # type: ignore[dict-item]
    with pytest.raises(IntegrityError):
        await store.commit_batch(broken)
    assert await _counts(store) == before
    assert await store.load_states() == {"default": {"v": 0}}

    # A value the JSON encoder rejects, in the last statement of the batch.
    unencodable = Batch(
        good.events, good.decisions, good.states, [OutboxRow("publish", "x", {"v": object()})]
    )
    with pytest.raises(StatementError):
        await store.commit_batch(unencodable)
    assert await _counts(store) == before
    assert await store.known_event_ids("default", ["e-1", "e-2"]) == set()

    await store.commit_batch(good)  # the store is still usable
    assert await _counts(store) == (3, 2, 1, 0)


async def test_malformed_decisions_are_rejected_before_anything_is_written(store: Store) -> None:
    missing = decision("e-1")
    del missing["config_digest"]
    unknown = decision("e-1") | {"extra": 1}
    naive = decision("e-1") | {"timestamp": "2024-03-01T12:00:05"}
    for bad in (missing, unknown, naive):
        with pytest.raises(ValueError):
            await store.commit_batch(Batch(events=[event("e-1")], decisions=[bad]))
    with pytest.raises(TypeError):
        await store.commit_batch(Batch(decisions=[decision("e-1") | {"priority": "2"}]))
    with pytest.raises(TypeError):
        await store.commit_batch(Batch(events=[event("e-1")], states={"default": None}))  # type: ignore[dict-item]
    assert await _counts(store) == (0, 0, 0, 0)


async def test_known_event_ids(store: Store) -> None:
    ids = [f"e-{i}" for i in range(2000)]
    await store.commit_batch(Batch(events=[event(i) for i in ids[:1500]]))
    await store.commit_batch(Batch(events=[event("late", outcome="out_of_order")]))
    asked = [*ids[1400:], "late", "late", "never"]
    assert await store.known_event_ids("default", asked) == set(ids[1400:1500]) | {"late"}
    assert await store.known_event_ids("other", asked) == set()
    assert await store.known_event_ids("default", []) == set()


async def test_event_envelopes_are_those_logged(store: Store) -> None:
    ids = [f"e-{i}" for i in range(1000)]
    await store.commit_batch(Batch(events=[event(i) for i in ids]))
    await store.commit_batch(Batch(events=[event("late", outcome="out_of_order")]))
    found = await store.event_envelopes("default", [*ids[950:], "late", "late", "never"])
    assert set(found) == {*ids[950:], "late"}
    assert found["e-999"] == event("e-999").envelope
    assert await store.event_envelopes("other", ids) == {}
    assert await store.event_envelopes("default", []) == {}


async def test_states_are_upserted_per_account(store: Store) -> None:
    await store.commit_batch(
        Batch(events=[event("e-1", account="a")], states={"a": {"v": 1}, "b": {"v": 1}})
    )
    await store.commit_batch(Batch(states={"a": {"v": 2, "nested": {"k": [1, 2]}}}))
    assert await store.load_states() == {"a": {"v": 2, "nested": {"k": [1, 2]}}, "b": {"v": 1}}
    assert await store.accounts() == ["a", "b"]
    t = schema.states
    async with store.engine.connect() as conn:
        rows = dict((await conn.execute(select(t.c.account_id, t.c.last_event_id))).all())
    # "a": the batch's last processed event, kept when a later batch has no event for it
    assert rows == {"a": "e-1", "b": None}
    await store.commit_batch(Batch(states={"b": {"v": 3, "last_event_id": "own-id"}}))
    async with store.engine.connect() as conn:
        rows = dict((await conn.execute(select(t.c.account_id, t.c.last_event_id))).all())
    assert rows == {"a": "e-1", "b": "own-id"}


async def test_iter_events_yields_processed_envelopes_in_arrival_order(store: Store) -> None:
    first = [event("e-3", at=30), event("e-1", at=10), event("x-1", account="other", at=5)]
    second = [
        event("e-2", at=40),
        event("dup", at=1, outcome="duplicate"),
        event("old", at=2, outcome="out_of_order"),
        event("e-4", at=50),
    ]
    await store.commit_batch(Batch(events=first))
    await store.commit_batch(Batch(events=second))

    every = [e["event_id"] async for e in store.iter_events(batch=2)]
    assert every == ["e-3", "e-1", "x-1", "e-2", "e-4"]
    mine = [e async for e in store.iter_events("default", batch=1)]
    assert [e["event_id"] for e in mine] == ["e-3", "e-1", "e-2", "e-4"]
    assert mine[0] == first[0].envelope
    assert [e async for e in store.iter_events("nobody")] == []


async def test_iter_event_log_yields_every_logged_event_with_its_outcome(store: Store) -> None:
    await store.commit_batch(Batch(events=[event("e-2", at=20), event("old", at=5, outcome="out_of_order")]))
    await store.commit_batch(Batch(events=[event("e-3", at=30)]))
    log = [(outcome, e["event_id"]) async for outcome, e in store.iter_event_log(batch=2)]
    assert log == [("processed", "e-2"), ("out_of_order", "old"), ("processed", "e-3")]


async def test_iter_decisions_in_storage_order(store: Store) -> None:
    ds = [decision(f"e-{i}", account="a" if i % 2 else "b") for i in range(7)]
    await store.commit_batch(Batch(decisions=ds[:3]))
    await store.commit_batch(Batch(decisions=ds[3:]))
    assert [d async for d in store.iter_decisions(batch=3)] == ds
    assert [d async for d in store.iter_decisions("a", batch=2)] == ds[1::2]


async def test_concurrent_writers_all_commit_in_one_sequence(store: Store, open_store) -> None:
    other = await open_store()
    try:

        async def write(s: Store, prefix: str) -> None:
            for b in range(5):
                ids = [f"{prefix}-{b}-{i}" for i in range(20)]
                await s.commit_batch(
                    Batch(events=[event(i) for i in ids], decisions=[decision(i) for i in ids])
                )

        await asyncio.gather(write(store, "a"), write(other, "b"))
    finally:
        await other.close()
    stored = [d["event_id"] async for d in store.iter_decisions()]
    assert len(stored) == len(set(stored)) == 200
    # Pagination over the shared sequence sees each decision exactly once.
    seen, cursor = [], None
    while True:
        page = await store.query_decisions(DecisionQuery(limit=37, cursor=cursor))
        seen += [d["event_id"] for d in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == list(reversed(stored))


async def test_a_state_comes_back_with_its_keys_in_the_order_written(store: Store) -> None:
    # The core reads some of a state's dicts in order (open research tasks in the order
    # filed); a store that sorts keys (JSONB does, by length) would restore another policy.
    tasks = {"rebalance-weights": 1, "a": 2, "check-drift-of-model": 3, "bb": 4}
    state = {"zeta": 1, "open_research_tasks": tasks, "a": {"long-key": 1, "k": 2}}
    await store.commit_batch(Batch(events=[event("e-1")], states={"default": state}))
    restored = (await store.load_states())["default"]
    assert list(restored) == list(state)
    assert list(restored["open_research_tasks"]) == list(tasks)
    assert list(restored["a"]) == ["long-key", "k"]
