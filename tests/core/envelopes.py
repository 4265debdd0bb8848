"""Input envelopes for the codec tables, and the one way a table row checks a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from federation_ai.core import InvalidEvent, parse_event

TS = "2024-01-01T10:00:00Z"
SNAP = "portfolio.snapshot_updated"


def envelope(event_type: str = SNAP, payload: Any = None, **fields: Any) -> dict[str, Any]:
    """A snapshot of 1000 as ``e1`` at ``TS`` unless told otherwise (``fields``: top level)."""
    e = {
        "event_type": event_type,
        "event_id": "e1",
        "timestamp": TS,
        "payload": {"total_equity": 1000.0} if payload is None else payload,
    }
    e.update(fields)
    return e


def assert_refused(event: Any, path: str, reason: str) -> None:
    """``parse_event`` refuses ``event``, naming ``path`` and saying ``reason``."""
    with pytest.raises(InvalidEvent) as info:
        parse_event(event)
    assert info.value.path == path
    assert reason in info.value.reason
