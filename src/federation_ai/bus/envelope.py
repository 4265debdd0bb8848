"""Seed stream envelope <-> SPEC §2 event envelope and §4 decision message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from federation_ai.bus.base import DECISION_EVENT_TYPE, SOURCE, entry_id_key

if TYPE_CHECKING:
    from collections.abc import Mapping

    from federation_ai.bus.base import BusMessage

_TRACE_FIELDS = ("trace_id", "correlation_id", "source")
STREAM_ENTRY_ID = "stream_entry_id"  # envelope key: the bus entry the event arrived as


def entry_id_time(entry_id: str) -> str:
    """RFC 3339 UTC time (millisecond precision) of a stream entry id."""
    try:
        ms, _ = entry_id_key(entry_id)
    except ValueError:
        raise ValueError(f"no timestamp field and entry id {entry_id!r} carries no time") from None
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope_to_event_dict(msg: BusMessage) -> dict[str, Any]:
    """Turn a bus message (seed envelope) into the SPEC §2 event envelope.

    ``event_id`` and ``account_id`` are lifted out of the payload (a top-level
    field of the same name is the fallback); without them the entry id is the
    event id and the account is ``"default"``. Without a ``timestamp`` field the
    entry id's time is used. ``stream_entry_id`` records the entry id, so the event
    log knows the order the events reached the bus in (``federation verify`` replays
    it). NaN in the payload survives for the validator. Raises ``ValueError`` naming
    the reason when the message cannot be an event.
    """
    fields = msg.fields
    declared = fields.get("event_type")
    if declared not in (None, "", msg.event_type):
        raise ValueError(
            f"event_type field {declared!r} does not match stream event type {msg.event_type!r}"
        )
    raw = fields.get("payload")
    if raw is None:
        raise ValueError("message has no 'payload' field")
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"payload is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        reason = f"payload must be a JSON object, got {type(payload).__name__}"
        raise ValueError(reason)  # noqa: TRY004 - a bad message, not a programming error
    event_id = payload.pop("event_id", None)
    account_id = payload.pop("account_id", None)
    if event_id in (None, ""):
        event_id = fields.get("event_id") or msg.message_id
    if account_id in (None, ""):
        account_id = fields.get("account_id") or "default"
    timestamp = fields.get("timestamp") or entry_id_time(msg.message_id)
    event: dict[str, Any] = {
        "event_type": msg.event_type,
        "event_id": event_id,
        "account_id": account_id,
        "timestamp": timestamp,
        "payload": payload,
        STREAM_ENTRY_ID: msg.message_id,
    }
    for name in _TRACE_FIELDS:
        if fields.get(name):
            event[name] = fields[name]
    return event


def decision_fields(decision: Mapping[str, Any]) -> dict[str, str]:
    """Seed envelope of one decision for ``quantum:stream:ai.federation.decision_made``.

    The payload is the decision itself as JSON (NaN or Infinity raise ``ValueError``);
    an optional ``trace_id`` key (the triggering event's) moves to the envelope,
    else the decision id is the trace id. ``correlation_id`` is the triggering
    event id and ``timestamp`` the decision's (the event's) time.
    """
    decision_id = decision.get("decision_id")
    if not isinstance(decision_id, str) or not decision_id:
        raise ValueError("decision has no 'decision_id'")
    body = {k: v for k, v in decision.items() if k != "trace_id"}
    payload = json.dumps(
        body, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str
    )
    return {
        "event_type": DECISION_EVENT_TYPE,
        "payload": payload,
        "trace_id": str(decision.get("trace_id") or decision_id),
        "correlation_id": str(decision.get("event_id") or ""),
        "timestamp": str(decision.get("timestamp") or ""),
        "source": SOURCE,
    }


def dead_letter_fields(msg: BusMessage, reason: str, consumer: str) -> dict[str, str]:
    """The original fields plus ``reason``, ``original_id``, ``deliveries`` and ``consumer``.

    An original field whose name collides is kept as ``original_<name>``.
    """
    extra = {
        "reason": reason,
        "original_id": msg.message_id,
        "deliveries": str(msg.deliveries),
        "consumer": consumer,
    }
    out: dict[str, str] = {}
    for name, value in msg.fields.items():
        out[f"original_{name}" if name in extra else name] = value
    out.update(extra)
    return out
