"""What an event says, apart from how it travelled: the test for a conflicting duplicate.

An event's **content** is its ``event_type``, its timestamp (UTC microseconds, so
``Z`` and ``+00:00`` are one time) and its canonical payload: the validated schema
fields under their canonical names (aliases resolved, integers as floats where the
field is a number). Transport fields (``trace_id``, ``correlation_id``, ``source``,
the stream entry id) and fields the core ignores (unknown fields, producer-side
metrics) are not content. Two events with one ``(account_id, event_id)`` and
different content are a *conflicting duplicate*: the second is still ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from federation_ai.core.event_codec import InvalidEvent, parse_event

if TYPE_CHECKING:
    from collections.abc import Mapping

    from federation_ai.core.event_codec import Event

Content = tuple[str, Any, dict[str, Any]]  # event_type, time, payload
_ABSENT: Any = object()  # a field on one side only differs from any value


def content_of(event: Event) -> Content:
    return event.event_type, event.ts, event.payload


def raw_content(envelope: Mapping[str, Any]) -> Content:
    """The content as received (for a logged envelope that no longer validates)."""
    payload = envelope.get("payload")
    fields = payload if isinstance(payload, dict) else {"": payload}
    return str(envelope.get("event_type")), envelope.get("timestamp"), dict(fields)


def differences(old: Content, new: Content) -> list[str]:
    """The fields in which two contents differ, in a stable order."""
    out: list[str] = []
    if old[0] != new[0]:
        out.append("event_type")
    if old[1] != new[1]:
        out.append("timestamp")
    payload_old, payload_new = old[2], new[2]
    out.extend(
        f"payload.{name}"
        for name in sorted({*payload_old, *payload_new})
        if payload_old.get(name, _ABSENT) != payload_new.get(name, _ABSENT)
    )
    return out


def conflict_reason(event: Event, logged: Mapping[str, Any]) -> str | None:
    """``None`` when ``event`` says what the ``logged`` envelope of its id said, else
    the reason for the dead letter. A logged envelope that no longer validates is
    compared as received."""
    try:
        changed = differences(content_of(parse_event(dict(logged))), content_of(event))
    except InvalidEvent:
        changed = differences(raw_content(logged), raw_content(event.raw))
    if not changed:
        return None
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return (
        f"conflicting duplicate: event {event.event_id} of account {event.account_id} "
        f"was already taken with different content ({shown}); this copy is ignored"
    )
