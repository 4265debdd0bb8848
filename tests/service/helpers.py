"""Shared helpers: a clean in-process replay and seed-envelope encoding."""

from __future__ import annotations

import json
from typing import Any

from federation_ai.bus import InMemoryBus
from federation_ai.core import FederationState, parse_event, step
from federation_ai.core.core_config import CoreConfig
from federation_ai.core.micros import format_timestamp, parse_timestamp


def clean_replay(events: list[dict[str, Any]], config: CoreConfig | None = None) -> list[dict[str, Any]]:
    """Every decision ``step`` makes over ``events`` in order, from a fresh state."""
    cfg = config or CoreConfig()
    state = FederationState()
    out: list[dict[str, Any]] = []
    for envelope in events:
        out.extend(d.to_dict() for d in step(state, parse_event(envelope), cfg).decisions)
    return out


def seed_fields(envelope: dict[str, Any], source: str = "test-producer") -> dict[str, str]:
    """The seed's stream envelope: event_id/account_id travel inside the payload."""
    payload = dict(envelope["payload"])
    payload["event_id"] = envelope["event_id"]
    if envelope.get("account_id"):
        payload["account_id"] = envelope["account_id"]
    return {
        "event_type": envelope["event_type"],
        "payload": json.dumps(payload),
        "trace_id": f"trace-{envelope['event_id']}",
        "correlation_id": envelope["event_id"],
        "timestamp": envelope["timestamp"],
        "source": source,
    }


def comparable(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decisions as they read back from any store: through JSON, timestamps normalised."""
    out = []
    for d in decisions:
        copy = json.loads(json.dumps(d))
        copy["timestamp"] = format_timestamp(parse_timestamp(copy["timestamp"]))
        out.append(copy)
    return out


class SwitchableBus(InMemoryBus):
    """An in-memory bus whose every call can be made to fail, as if Redis were gone."""

    down = False

    def _check(self) -> None:
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def fetch(self, *args, **kw):
        self._check()
        return await super().fetch(*args, **kw)

    async def publish_decisions(self, decisions):
        self._check()
        return await super().publish_decisions(decisions)

    async def lag(self):
        self._check()
        return await super().lag()

    async def pending_count(self):
        self._check()
        return await super().pending_count()

    async def ping(self):
        self._check()
