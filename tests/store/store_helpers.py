"""Builders for SPEC §2 events and §4 decisions used by the store contract tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from federation_ai.store import EventRow

NS = uuid.UUID("5a9edc94-64f4-5848-98b0-2736f59e8d6b")
T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


def ts(seconds: float = 0) -> str:
    """RFC 3339 form used by the core: seconds since T0, Z suffix."""
    moment = T0 + timedelta(seconds=seconds)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


def event(
    event_id: str,
    *,
    account: str = "default",
    at: float = 0,
    event_type: str = "portfolio.snapshot_updated",
    outcome: str = "processed",
    **extra: Any,
) -> EventRow:
    envelope = {
        "event_type": event_type,
        "event_id": event_id,
        "account_id": account,
        "timestamp": ts(at),
        "payload": {"total_equity": 10_000.0, "net_flow": 0.0},
        **extra,
    }
    return EventRow(
        account_id=account,
        event_id=event_id,
        event_type=event_type,
        timestamp=ts(at),
        envelope=envelope,
        outcome=outcome,  # type: ignore[arg-type]
    )


def decision(
    event_id: str,
    *,
    account: str = "default",
    role: str = "ceo",
    decision_type: str = "capital_profile",
    n: int = 0,
    at: float = 0,
    status: str = "applied",
    priority: int = 2,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    decision_id = str(uuid.uuid5(NS, f"{account}|{event_id}|{role}|{decision_type}|{n}"))
    return {
        "decision_id": decision_id,
        "event_id": event_id,
        "account_id": account,
        "decision_type": decision_type,
        "role_source": role,
        "priority": priority,
        "timestamp": ts(at),
        "reason": f"{role} rule fired on {event_id}",
        "payload": payload
        if payload is not None
        else {"profile": "NORMAL", "previous_profile": "LOW"},
        "status": status,
        "config_digest": "sha256:" + "ab" * 32,
    }
