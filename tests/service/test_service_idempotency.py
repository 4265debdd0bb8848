"""The event log is the last word on duplicates, and state-dependent bad input changes nothing
(on both legs of tests/conftest.py: memory + SQLite, Redis + PostgreSQL)."""

from __future__ import annotations

import pytest

from federation_ai.core import InvalidEvent


def _snap(event_id: str, minute: int, equity: float, **extra: float) -> dict:
    return {
        "event_type": "portfolio.snapshot_updated",
        "event_id": event_id,
        "timestamp": f"2024-07-01T10:{minute:02d}:00Z",
        "payload": {"total_equity": equity, **extra},
    }


@pytest.fixture
def settings_overrides() -> dict[str, dict[str, int]]:
    # A tiny dedup window in the core, so the store has to recognise the re-sent id.
    return {"metrics": {"dedup_window": 2}}


async def test_an_id_resent_with_a_newer_timestamp_beyond_the_window_is_a_duplicate(service):
    for i in range(4):
        assert (await service.ingest(_snap(f"e{i}", i, 10_000 + i))).outcome == "processed"
    before = service.policy("default")
    # e0 is long out of the core's 2-id window; the event log still knows it.
    again = await service.ingest(_snap("e0", 30, 5_000.0))
    assert (again.outcome, again.decisions) == ("duplicate", [])
    assert service.policy("default") == before
    stored = [e async for e in service.store.iter_events()]
    assert [e["event_id"] for e in stored] == ["e0", "e1", "e2", "e3"]
    after = await service.ingest(_snap("e4", 31, 10_010.0))
    assert after.outcome == "processed"


async def test_a_flow_above_the_equity_is_rejected_and_changes_nothing(service):
    await service.ingest(_snap("e0", 0, 10_000.0))
    before = service.policy("default")
    with pytest.raises(InvalidEvent) as info:
        await service.ingest(_snap("e1", 1, 500.0, net_flow=600.0))
    assert info.value.path == "payload.net_flow"
    assert service.policy("default") == before
    assert [e["event_id"] async for e in service.store.iter_events()] == ["e0"]
