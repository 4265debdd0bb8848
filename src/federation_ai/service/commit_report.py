"""After a commit: count, log and broadcast what the batch decided."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.core import OUT_OF_ORDER, PROCESSED

if TYPE_CHECKING:
    from collections.abc import Sequence

    from federation_ai.core import Event
    from federation_ai.service.broadcast import Broadcaster
    from federation_ai.service.event_result import EventResult
    from federation_ai.service.prometheus_metrics import ServiceMetrics

log = structlog.get_logger("federation_ai.pipeline")
# what the log line of a decision says: (key in the line, field of the decision)
_LOGGED = (
    ("decision_id", "decision_id"),
    ("event_id", "event_id"),
    ("account_id", "account_id"),
    ("decision_type", "decision_type"),
    ("role", "role_source"),
    ("status", "status"),
)


def report_committed(
    events: Sequence[Event],
    results: Sequence[EventResult],
    metrics: ServiceMetrics,
    subscribers: Broadcaster,
) -> tuple[int, int]:
    """Metrics and logs per event, every decision to the subscribers; returns the
    numbers of processed events and of conflicting duplicates."""
    processed = conflicting = 0
    decided: list[dict[str, Any]] = []
    counts: Counter[tuple[str, str]] = Counter()  # one labelled increment per kind, not per event
    for event, result in zip(events, results, strict=True):
        counts[event.event_type, result.outcome] += 1
        if result.outcome == PROCESSED:
            processed += 1
        elif result.outcome == OUT_OF_ORDER:
            log.warning("event_out_of_order", event_id=event.event_id, account_id=event.account_id)
        elif result.conflict is not None:
            conflicting += 1
            metrics.conflicting_duplicates.labels(event.event_type).inc()
            log.warning(
                "conflicting_duplicate",
                event_id=event.event_id,
                account_id=event.account_id,
                reason=result.conflict,
            )
        for d in result.decisions:
            log.info("decision", **{key: d[field] for key, field in _LOGGED})
        decided.extend(result.decisions)
    for (event_type, outcome), n in counts.items():
        metrics.events.labels(event_type, outcome).inc(n)
    metrics.count_decisions(decided)
    subscribers.publish(decided)
    return processed, conflicting
