"""Conversions between what callers pass (SPEC §2 events, §4 decisions, states) and rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from federation_ai.store.models import EVENT_OUTCOMES, Batch, EventRow
from federation_ai.store.rfc3339 import format_utc, to_utc

if TYPE_CHECKING:
    from datetime import datetime

    from _typeshed import DataclassInstance
    from sqlalchemy import RowMapping

    Record = TypeVar("Record", bound=DataclassInstance)

# SPEC §4 key order; reads return dicts in exactly this order.
DECISION_FIELDS: tuple[str, ...] = (
    "decision_id",
    "event_id",
    "account_id",
    "decision_type",
    "role_source",
    "priority",
    "timestamp",
    "reason",
    "payload",
    "status",
    "config_digest",
)
_FIELD_SET = frozenset(DECISION_FIELDS)
_STR_FIELDS = tuple(
    name for name in DECISION_FIELDS if name not in {"priority", "timestamp", "payload"}
)


def decision_to_row(decision: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a §4 decision dict and turn it into column values.

    Missing or unknown keys are rejected rather than dropped: the audit trail must
    read back exactly what was written.
    """
    if decision.keys() != _FIELD_SET:
        missing = sorted(_FIELD_SET - decision.keys())
        unknown = sorted(set(decision.keys()) - _FIELD_SET)
        raise ValueError(
            f"decision {decision.get('decision_id')!r}: missing keys {missing}, "
            f"unknown keys {unknown}"
        )
    for name in _STR_FIELDS:
        if not isinstance(decision[name], str):
            raise TypeError(f"decision {decision['decision_id']!r}: {name} must be a string")
    priority = decision["priority"]
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise TypeError(f"decision {decision['decision_id']!r}: priority must be an integer")
    if not isinstance(decision["payload"], Mapping):
        raise TypeError(f"decision {decision['decision_id']!r}: payload must be an object")
    row = dict(decision)
    row["timestamp"] = to_utc(decision["timestamp"])
    return row


def record_from_row(cls: type[Record], row: RowMapping) -> Record:
    """A ``cls`` (a dataclass) from the columns its fields are named after."""
    return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


def decision_from_row(row: RowMapping) -> dict[str, Any]:
    return {
        "decision_id": row["decision_id"],
        "event_id": row["event_id"],
        "account_id": row["account_id"],
        "decision_type": row["decision_type"],
        "role_source": row["role_source"],
        "priority": row["priority"],
        "timestamp": format_utc(row["timestamp"]),
        "reason": row["reason"],
        "payload": row["payload"],
        "status": row["status"],
        "config_digest": row["config_digest"],
    }


def event_to_row(row: EventRow) -> dict[str, Any]:
    if row.outcome not in EVENT_OUTCOMES:
        raise ValueError(f"event {row.event_id!r}: unknown outcome {row.outcome!r}")
    return {
        "account_id": row.account_id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "timestamp": to_utc(row.timestamp),
        "envelope": row.envelope,
        "outcome": row.outcome,
    }


def state_rows(batch: Batch, now: datetime) -> list[dict[str, Any]]:
    """Upsert rows for the batch's states.

    `last_event_id` is the state's own `last_event_id` when it has one, else the last
    processed event of that account in the batch (else the stored value is kept).
    """
    last_processed = {
        row.account_id: row.event_id for row in batch.events if row.outcome == "processed"
    }
    rows = []
    for account_id, state in batch.states.items():
        if not isinstance(state, dict):
            raise TypeError(f"state of account {account_id!r} must be a dict")
        own = state.get("last_event_id")
        rows.append(
            {
                "account_id": account_id,
                "state": state,
                "last_event_id": own if isinstance(own, str) else last_processed.get(account_id),
                "updated_at": now,
            }
        )
    return rows
