"""Event bus: Redis Streams in production, an in-process twin for tests and demos."""

from __future__ import annotations

from typing import Any

from federation_ai.bus.contract import (
    DECISION_EVENT_TYPE,
    DECISION_STREAM,
    INPUT_EVENT_TYPES,
    BusMessage,
    EventBus,
    Fetched,
    dlq_key,
    group_name,
    published_key,
    stream_key,
)
from federation_ai.bus.envelope import decision_fields, envelope_to_event_dict
from federation_ai.bus.memory_bus import InMemoryBroker, InMemoryBus
from federation_ai.bus.redis_streams import RedisStreamsBus

__all__ = [
    "DECISION_EVENT_TYPE",
    "DECISION_STREAM",
    "INPUT_EVENT_TYPES",
    "BusMessage",
    "EventBus",
    "Fetched",
    "InMemoryBroker",
    "InMemoryBus",
    "RedisStreamsBus",
    "decision_fields",
    "dlq_key",
    "envelope_to_event_dict",
    "group_name",
    "make_bus",
    "published_key",
    "stream_key",
]

_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def make_bus(url: str | None, consumer: str, **kw: Any) -> EventBus:
    """``None`` or ``"memory://"`` -> ``InMemoryBus``; ``redis://…`` -> ``RedisStreamsBus``.

    Keyword arguments go to the backend's constructor (``event_types``,
    ``claim_idle_ms``, ``maxlen``, ``namespace``, ``dedup_ttl_ms``, …).
    """
    if url is None or url == "memory://":
        return InMemoryBus(consumer, **kw)
    if url.startswith(_REDIS_SCHEMES):
        return RedisStreamsBus(consumer, client=url, **kw)
    raise ValueError(f"unsupported bus URL {url!r}: use memory:// or redis://host:port/db")
