"""What the pipeline answers for each event of a batch, and the duplicates' check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from federation_ai.core import DUPLICATE, InvalidEvent
from federation_ai.core.content import conflict_reason

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from federation_ai.core import Event
    from federation_ai.store import EventRow

INVALID = "invalid"


class AccountLimitError(InvalidEvent):
    """A new account beyond ``service.max_accounts``: refused like invalid input."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            "account_id",
            f"new account refused: the service already holds {limit} accounts, "
            f"its limit (service.max_accounts = {limit})",
        )
        self.limit = limit


@dataclass(frozen=True, slots=True)
class EventResult:
    """One event's result: its outcome and the decisions it made."""

    outcome: str  # processed | duplicate | out_of_order | invalid
    decisions: list[dict[str, Any]]
    error: InvalidEvent | None = None  # why an event was invalid against the account's state
    conflict: str | None = None  # a duplicate whose content differs from the logged event's


def with_conflicts(
    events: Sequence[Event],
    results: list[EventResult],
    originals: Mapping[tuple[str, str], Mapping[str, Any]],
    logged_now: Sequence[EventRow],
) -> list[EventResult]:
    """Each duplicate compared with the event its id was first taken with (stored, or
    earlier in this batch): a different content makes it a conflicting duplicate."""
    if all(r.outcome != DUPLICATE for r in results):
        return results
    batch = {(r.account_id, r.event_id): r.envelope for r in logged_now}
    out: list[EventResult] = []
    for event, result in zip(events, results, strict=True):
        key = (event.account_id, event.event_id)
        first = originals.get(key) or batch.get(key)
        reason = None
        if result.outcome == DUPLICATE and first is not None:
            reason = conflict_reason(event, first)
        out.append(result if reason is None else EventResult(DUPLICATE, [], conflict=reason))
    return out
