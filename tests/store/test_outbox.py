"""Outbox: due items, completion, failure with back-off, pending counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store_helpers import decision

from federation_ai.store import Batch, OutboxRow, Store

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _rows(kind: str, *names: str, at: datetime = NOW) -> list[OutboxRow]:
    return [OutboxRow(kind, name, {"decision_id": name}, next_attempt_at=at) for name in names]


async def test_due_items_come_oldest_first_and_respect_the_limit(store: Store) -> None:
    await store.commit_batch(Batch(outbox=_rows("publish", "d1", "d2", "d3")))
    await store.commit_batch(Batch(outbox=_rows("publish", "d4")))
    await store.commit_batch(Batch(outbox=_rows("publish", "later", at=NOW + timedelta(minutes=5))))

    due = await store.due_outbox(NOW)
    assert [i.decision_id for i in due] == ["d1", "d2", "d3", "d4"]
    assert all(i.attempts == 0 and i.last_error is None for i in due)
    assert due[0].payload == {"decision_id": "d1"}
    assert due[0].next_attempt_at == NOW
    assert [i.decision_id for i in await store.due_outbox(NOW, limit=2)] == ["d1", "d2"]
    assert [i.decision_id for i in await store.due_outbox(NOW - timedelta(seconds=1))] == []
    later = await store.due_outbox(NOW + timedelta(minutes=5))
    assert [i.decision_id for i in later][-1] == "later"


async def test_pending_items_of_a_kind_come_in_commit_order_due_or_not(store: Store) -> None:
    later = NOW + timedelta(minutes=5)
    await store.commit_batch(Batch(outbox=_rows("publish", "d1", at=later)))
    await store.commit_batch(Batch(outbox=_rows("adapter:ess", "d1", "d2")))
    await store.commit_batch(Batch(outbox=_rows("publish", "d2", "d3")))
    pending = await store.pending_outbox("publish")
    assert [i.decision_id for i in pending] == ["d1", "d2", "d3"]
    assert pending[0].next_attempt_at == later
    assert [i.decision_id for i in await store.pending_outbox("publish", limit=1)] == ["d1"]
    await store.outbox_done([pending[0].id])
    assert [i.decision_id for i in await store.pending_outbox("publish")] == ["d2", "d3"]
    due = await store.due_outbox(NOW, skip_kind="publish")
    assert [(i.kind, i.decision_id) for i in due] == [("adapter:ess", "d1"), ("adapter:ess", "d2")]


async def test_a_batch_removes_the_publish_rows_of_decisions_already_published(
    store: Store,
) -> None:
    await store.commit_batch(
        Batch(outbox=[*_rows("publish", "d1", "d2"), *_rows("adapter:ess", "d1")])
    )
    await store.commit_batch(Batch(outbox=_rows("publish", "d3"), published=["d1", "d2", "d9"]))
    assert [i.decision_id for i in await store.pending_outbox("publish")] == ["d3"]
    assert [i.decision_id for i in await store.pending_outbox("adapter:ess")] == ["d1"]
    await store.commit_batch(Batch(published=["d3"]))  # nothing else to write
    assert await store.outbox_stats() == {"adapter:ess": 1}


async def test_done_items_are_no_longer_due(store: Store) -> None:
    await store.commit_batch(Batch(outbox=_rows("publish", "d1", "d2", "d3")))
    due = await store.due_outbox(NOW)
    await store.outbox_done([due[0].id, due[2].id, due[0].id])
    assert [i.decision_id for i in await store.due_outbox(NOW)] == ["d2"]
    await store.outbox_done([])
    assert await store.outbox_stats() == {"publish": 1}


async def test_failed_item_is_retried_at_its_next_attempt(store: Store) -> None:
    await store.commit_batch(Batch(outbox=_rows("adapter:policy_store", "d1")))
    (item,) = await store.due_outbox(NOW)
    retry_at = NOW + timedelta(seconds=30)

    await store.outbox_failed(item.id, "ConnectionError: redis down", retry_at)
    assert await store.due_outbox(NOW + timedelta(seconds=29)) == []
    (again,) = await store.due_outbox(retry_at)
    assert (again.id, again.attempts, again.last_error) == (
        item.id,
        1,
        "ConnectionError: redis down",
    )
    assert again.next_attempt_at == retry_at

    await store.outbox_failed(item.id, "x" * 10_000, retry_at + timedelta(seconds=60))
    (third,) = await store.due_outbox(retry_at + timedelta(minutes=2))
    assert third.attempts == 2
    assert third.last_error is not None
    assert 0 < len(third.last_error) < 10_000


async def test_outbox_rows_without_a_time_are_due_at_once(store: Store) -> None:
    await store.commit_batch(Batch(outbox=[OutboxRow("publish", "d1", {"k": 1})]))
    due = await store.due_outbox(datetime.now(UTC) + timedelta(minutes=1))
    assert [i.decision_id for i in due] == ["d1"]


async def test_stats_count_pending_per_kind(store: Store) -> None:
    d = decision("e-1")
    await store.commit_batch(
        Batch(
            decisions=[d],
            outbox=[
                *_rows("publish", d["decision_id"], "d2"),
                *_rows("adapter:policy_store", d["decision_id"]),  # same decision, other kind
                *_rows("adapter:ess", "d3", at=NOW + timedelta(days=1)),  # pending, not yet due
            ],
        )
    )
    assert await store.outbox_stats() == {"publish": 2, "adapter:policy_store": 1, "adapter:ess": 1}
    await store.outbox_done([i.id for i in await store.due_outbox(NOW) if i.kind == "publish"])
    assert await store.outbox_stats() == {"adapter:policy_store": 1, "adapter:ess": 1}
