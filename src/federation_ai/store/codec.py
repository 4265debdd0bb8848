"""Conversions between the SPEC §4 decision dicts and table rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping

from federation_ai.store.timeutil import format_utc, to_utc

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
