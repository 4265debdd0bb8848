"""The health board's vocabulary and records: dependencies, operations, checks.

A check is one (dependency, operation) pair: its failures, its error with its time,
its calls in flight. ``dependency_state`` says what a dependency is doing now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

OK = "ok"
DEGRADED = "degraded"
STALLED, FAILING = "stalled", "failing"  # a dependency's state in the log


class Dependency(StrEnum):
    STORE = "store"
    BUS = "bus"


class Operation(StrEnum):
    COMMIT = "commit"  # the pipeline's batch: events, decisions, state, outbox
    READ = "read"  # reads of the pipeline (state after a failure, known ids) and the relay
    CONSUME = "consume"  # the consumer's reads, acknowledgements and dead letters
    PUBLISH = "publish"  # decisions onto the output stream
    OUTBOX = "outbox"  # the relay's marking of outbox rows (done, failed)
    PROBE = "probe"  # the health probe's own round trip


@dataclass(slots=True)
class Check:
    failures: int = 0  # consecutive
    error: str | None = None
    kind: str | None = None
    error_at: datetime | None = None
    failing_since: float | None = None  # monotonic
    failing_since_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_ok: float | None = None  # monotonic
    last_attempt: float | None = None  # monotonic; calls marked as probes do not count
    in_flight: dict[int, float] = field(default_factory=dict)

    def waiting(self, now: float) -> float | None:
        """How long the oldest call in flight has waited (None: none in flight)."""
        oldest = min(self.in_flight.values(), default=None)
        return None if oldest is None else now - oldest


Checks = dict[tuple[Dependency, Operation], Check]


def dependency_state(
    checks: Mapping[tuple[Dependency, Operation], Check],
    dependency: Dependency,
    now: float,
    stall_s: float,
) -> tuple[str, Operation | None]:
    """``failing`` (a check fails), ``stalled`` (a call waits ``stall_s``) or ``ok``,
    with the operation that makes it so."""
    stalled: Operation | None = None
    for (d, operation), check in sorted(checks.items()):
        if d != dependency:
            continue
        if check.failing_since is not None:
            return FAILING, operation
        waiting = check.waiting(now)
        if stalled is None and waiting is not None and waiting >= stall_s:
            stalled = operation
    return (STALLED, stalled) if stalled is not None else (OK, None)
