"""Decisions (SPEC §4): deterministic ids, canonical order, JSON form."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from federation_ai.core.vocabulary import Status

NAMESPACE: Final = uuid.UUID("5a9edc94-64f4-5848-98b0-2736f59e8d6b")

APPLIED: Final = Status.APPLIED.value
SUPERSEDED: Final = Status.SUPERSEDED.value
VETOED: Final = Status.VETOED.value


_NAMESPACE_BYTES: Final = NAMESPACE.bytes


def decision_id(account_id: str, event_id: str, role: str, decision_type: str, n: int) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))``, built without the UUID object (the hot path):
    SHA-1 of namespace and name, version 5 in byte 6, the RFC 4122 variant in byte 8."""
    name = f"{account_id}|{event_id}|{role}|{decision_type}|{n}"
    b = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).digest())
    b[6] = (b[6] & 0x0F) | 0x50
    b[8] = (b[8] & 0x3F) | 0x80
    x = b[:16].hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:32]}"


@dataclass(slots=True)
class Proposal:
    """What a role (or the operator) wants, before the arbiter rules on it."""

    role: str
    decision_type: str
    priority: int
    reason: str
    payload: dict[str, Any]
    value: Any = None  # the value the role owns (for edge-triggering)
    effect: dict[str, Any] = field(default_factory=dict)  # extra state changes when applied


@dataclass(slots=True)
class Decision:
    decision_id: str
    event_id: str
    account_id: str
    decision_type: str
    role_source: str
    priority: int
    timestamp: str
    reason: str
    payload: dict[str, Any]
    status: str
    config_digest: str
    proposal: Proposal | None = None  # not serialized
    order: tuple[int, int, int] = (0, 0, 0)  # (priority, rank, generation index)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "event_id": self.event_id,
            "account_id": self.account_id,
            "decision_type": self.decision_type,
            "role_source": self.role_source,
            "priority": self.priority,
            "timestamp": self.timestamp,
            "reason": self.reason,
            "payload": self.payload,
            "status": self.status,
            "config_digest": self.config_digest,
        }

    def to_json(self) -> str:
        return _encode_decision(self.to_dict())


# One encoder for every decision (``json.dumps`` with options builds one per call).
_encode_decision: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def sort_key(d: Decision) -> tuple[int, int, int]:
    return d.order
