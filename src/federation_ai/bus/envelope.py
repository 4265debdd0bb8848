"""Seed stream envelope <-> SPEC §2 event envelope and §4 decision message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from federation_ai.bus.contract import (
    DECISION_EVENT_TYPE,
    DEFAULT_MAX_MESSAGE_BYTES,
    SOURCE,
    Unreadable,
    entry_id_key,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from federation_ai.bus.contract import BusMessage

_TRACE_FIELDS = ("trace_id", "correlation_id", "source")
# The dead-letter copy of an oversized message: enough to identify its producer.
TRUNCATED_COPY_BYTES = 4096
TRUNCATED_FIELD_BYTES = 1024
_NAME_BYTES = 128
MAX_REASON_CHARS = 1024
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
    decoded = msg.payload
    if isinstance(decoded, Unreadable):
        raise ValueError(decoded.reason)  # noqa: TRY004 - a bad message, not a programming error
    if not isinstance(decoded, dict):
        reason = f"payload must be a JSON object, got {type(decoded).__name__}"
        raise ValueError(reason)  # noqa: TRY004 - a bad message, not a programming error
    payload = dict(decoded)  # the message keeps its own
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


def message_bytes(fields: Mapping[str, str]) -> int:
    """Size of a message: the UTF-8 bytes of its field names and values."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in fields.items())


def oversized(fields: Mapping[str, str], limit: int) -> int | None:
    """The message's size in bytes if it is over ``limit``, else ``None``.

    Cheap for the usual small message: a character is at most four UTF-8 bytes, so a
    message of few characters is not encoded to be measured.
    """
    chars = sum(map(len, fields)) + sum(map(len, fields.values()))
    if chars * 4 <= limit:
        return None
    size = message_bytes(fields)
    return size if size > limit else None


def _cut(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` within ``max_bytes`` UTF-8 bytes."""
    if len(text) * 4 <= max_bytes:
        return text
    return text.encode()[:max_bytes].decode(errors="ignore")


def _sample(fields: Mapping[str, str]) -> dict[str, str]:
    """A bounded sample of an oversized message: the first fields, each value cut."""
    out: dict[str, str] = {}
    budget = TRUNCATED_COPY_BYTES
    for name, value in fields.items():
        if budget <= 0:
            break
        name_cut = _cut(name, _NAME_BYTES)
        value_cut = _cut(value, min(TRUNCATED_FIELD_BYTES, budget))
        out[name_cut] = value_cut
        budget -= len(name_cut.encode()) + len(value_cut.encode())
    return out


def bounded_reason(reason: str) -> str:
    """A dead-letter reason of at most ``MAX_REASON_CHARS`` characters."""
    if len(reason) <= MAX_REASON_CHARS:
        return reason
    return reason[: MAX_REASON_CHARS - 1] + "…"


def dead_letter_fields(
    msg: BusMessage,
    reason: str,
    consumer: str,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> dict[str, str]:
    """The original fields plus ``reason``, ``original_id``, ``deliveries`` and ``consumer``.

    An original field whose name collides is kept as ``original_<name>``. A message
    larger than ``max_message_bytes`` is not copied whole: the copy holds its first
    fields, each value cut to ``TRUNCATED_FIELD_BYTES``, at most about
    ``TRUNCATED_COPY_BYTES`` in all, plus ``truncated``, ``original_bytes`` and
    ``original_fields``. The reason is cut to ``MAX_REASON_CHARS``.
    """
    extra = {
        "reason": bounded_reason(reason),
        "original_id": msg.message_id,
        "deliveries": str(msg.deliveries),
        "consumer": consumer,
    }
    source: Mapping[str, str] = msg.fields
    size = oversized(source, max_message_bytes)
    if size is not None:
        source = _sample(source)
        extra |= {
            "truncated": "true",
            "original_bytes": str(size),
            "original_fields": str(len(msg.fields)),
        }
    out: dict[str, str] = {}
    for name, value in source.items():
        out[f"original_{name}" if name in extra else name] = value
    out.update(extra)
    return out
