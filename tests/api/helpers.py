from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from federation_ai.core.micros import parse_timestamp
from federation_ai.service.wall_clock import wall_clock


class TestClock:
    """The service's clock in API tests: the wall clock until a test sets it."""

    __test__ = False  # not a test class

    def __init__(self) -> None:
        self.fixed: int | None = None

    def __call__(self) -> int:
        return wall_clock() if self.fixed is None else self.fixed

    def set(self, timestamp: str) -> None:
        self.fixed = parse_timestamp(timestamp)


def snapshot(event_id: str, ts: str, equity: float, account: str = "default", **extra: Any) -> dict[str, Any]:
    return {
        "event_type": "portfolio.snapshot_updated",
        "event_id": event_id,
        "account_id": account,
        "timestamp": ts,
        "payload": {"total_equity": equity, **extra},
    }


def health(event_id: str, ts: str, status: str, account: str = "default", **extra: Any) -> dict[str, Any]:
    return {
        "event_type": "system.health_updated",
        "event_id": event_id,
        "account_id": account,
        "timestamp": ts,
        "payload": {"overall_status": status, **extra},
    }


async def event_count(service: Any) -> int:
    """Events in the service's event log (any outcome)."""
    return len([e async for e in service.store.iter_events()])


def at(minutes: float) -> str:
    """An RFC 3339 time ``minutes`` from now (negative: in the past), whole seconds.

    Operator commands are stamped with the wall clock, so events around them in a
    test must be near now too.
    """
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
