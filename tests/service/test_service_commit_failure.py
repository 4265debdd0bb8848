"""A batch whose commit fails leaves memory as the store has it; sent again, it is decided once.

On both legs: the fault is injected at the service's store port (the store object's
``commit_batch``), in front of a real SQLite file or PostgreSQL database."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import clean_replay, comparable


def _mode(event_id: str, minute: int, mode: str, account: str = "default") -> dict[str, Any]:
    return {
        "event_type": "operator.command",
        "event_id": event_id,
        "account_id": account,
        "timestamp": f"2024-07-01T10:{minute:02d}:00Z",
        "payload": {
            "command": "set_mode",
            "mode": mode,
            "key_name": "desk",
            "scopes": ["operator"],
            "reason": "test",
        },
    }


class CommitFails:
    """Wraps the store's commit: the next call fails, before or after it lands."""

    def __init__(self, store: Any) -> None:
        self._commit = store.commit_batch
        self.mode: str | None = None  # "before" | "after" | None
        store.commit_batch = self

    async def __call__(self, batch: Any) -> None:
        mode, self.mode = self.mode, None
        if mode == "before":
            raise OSError("connection lost before the commit")
        await self._commit(batch)
        if mode == "after":
            raise OSError("connection lost while the commit landed")


async def _stored(service) -> list[dict[str, Any]]:
    return [d async for d in service.store.iter_decisions()]


async def test_a_commit_that_fails_changes_nothing_in_memory(service):
    fails = CommitFails(service.store)
    await service.ingest(_mode("e0", 0, "LIVE"))
    before = service.policy("default")
    fails.mode = "before"
    with pytest.raises(OSError, match="before the commit"):
        await service.ingest(_mode("e1", 1, "SHADOW"))
    assert service.policy("default") == before
    fails.mode = "before"
    with pytest.raises(OSError, match="before the commit"):
        await service.ingest(_mode("n0", 1, "SHADOW", account="new-account"))
    assert service.accounts() == ["default"]  # the new account is not there either
    # sent again once the store is back: decided exactly once, as a clean run decides
    sent = [_mode("e0", 0, "LIVE"), _mode("e1", 1, "SHADOW")]
    assert (await service.ingest(sent[1])).outcome == "processed"
    assert service.policy("default")["mode"] == "SHADOW"
    assert comparable(await _stored(service)) == comparable(clean_replay(sent))


async def test_a_commit_that_landed_but_raised_is_read_back_from_the_store(service):
    fails = CommitFails(service.store)
    sent = [_mode("e0", 0, "LIVE"), _mode("e1", 1, "SHADOW"), _mode("e2", 2, "LIVE")]
    await service.ingest(sent[0])
    fails.mode = "after"
    with pytest.raises(OSError, match="commit landed"):
        await service.ingest(sent[1])
    assert service.policy("default")["mode"] == "LIVE"  # not known to have landed: rolled back
    # the next batch first reads the account back: e1 landed, so it is a duplicate now
    assert (await service.ingest(sent[1])).outcome == "duplicate"
    assert service.policy("default")["mode"] == "SHADOW"
    assert (await service.ingest(sent[2])).outcome == "processed"
    assert comparable(await _stored(service)) == comparable(clean_replay(sent))
