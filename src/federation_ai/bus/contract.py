"""Event-bus contract (SPEC §9): message type, protocol, stream and group names."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from federation_ai.core.vocabulary import EventType
from federation_ai.json_loads import loads

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# One input stream per event type of the core's vocabulary.
INPUT_EVENT_TYPES: tuple[str, ...] = tuple(t.value for t in EventType)
DECISION_EVENT_TYPE = "ai.federation.decision_made"
SOURCE = "federation-ai"

DEFAULT_CLAIM_IDLE_MS = 30_000
DEFAULT_MAXLEN = 100_000
DEFAULT_DLQ_MAXLEN = 100_000
DEFAULT_DEDUP_TTL_MS = 7 * 24 * 3600 * 1000
# Largest input message copied whole into the dead-letter stream (the service's
# service.max_message_bytes; larger ones are refused and only a sample is copied).
DEFAULT_MAX_MESSAGE_BYTES = 65_536
# Where a new consumer group starts: "0" = every entry already in the stream
# (nothing a producer wrote before the first start is lost), "$" = only new ones.
DEFAULT_GROUP_START_ID = "0"


def stream_key(event_type: str) -> str:
    return f"quantum:stream:{event_type}"


def group_name(event_type: str) -> str:
    return f"quantum:group:federation-ai:{event_type}"


def dlq_key(event_type: str) -> str:
    return f"quantum:dlq:{event_type}"


def published_key(decision_id: str) -> str:
    return f"quantum:federation:published:{decision_id}"


DECISION_STREAM = stream_key(DECISION_EVENT_TYPE)


def entry_id_key(entry_id: str) -> tuple[int, int]:
    """Sort key of a stream entry id ``"<ms>-<seq>"``; ``ValueError`` if malformed."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A message's ``payload`` field that is missing or not JSON: why it is not read."""

    reason: str


def read_payload(raw: str | None) -> Any:
    """The value of a ``payload`` field as JSON, or ``Unreadable`` saying why not."""
    if raw is None:
        return Unreadable("message has no 'payload' field")
    try:
        return loads(raw)
    except json.JSONDecodeError as exc:
        return Unreadable(f"payload is not valid JSON: {exc}")
    except RecursionError:
        return Unreadable("payload is not valid JSON: nested too deeply to read")
    except ValueError as exc:  # bytes that are not UTF-8
        return Unreadable(str(exc))


@dataclass(frozen=True, slots=True)
class BusMessage:
    """One input message as delivered to this consumer.

    ``payload`` is the ``payload`` field read as JSON when the message is built
    (``read_payload``): the merge finds the account in it and the envelope the event,
    from one decode. Whoever uses it leaves it as it is (the message may be handled
    again).
    """

    event_type: str  # the input stream's suffix, e.g. "portfolio.snapshot_updated"
    message_id: str  # the stream entry id, e.g. "1700000000000-0"
    fields: dict[str, str]  # raw message fields (seed envelope)
    deliveries: int  # 1 on first delivery, >1 when redelivered or claimed
    payload: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "payload", read_payload(self.fields.get("payload")))


@dataclass(frozen=True, slots=True)
class Fetched:
    """What ``publish_and_fetch`` returns: the messages read and how many of the
    decisions it was given were new on the decision stream."""

    messages: list[BusMessage]
    published: int = 0


@runtime_checkable
class EventBus(Protocol):
    """What the service runner needs from an event bus (see docs/bus.md)."""

    async def start(self) -> None:
        """Create the consumer groups (an existing group is fine)."""

    async def fetch(
        self, max_count: int = 500, block_ms: int = 100, ack: Sequence[BusMessage] = ()
    ) -> list[BusMessage]:
        """New messages of all input streams plus stale pending ones, oldest first.

        ``ack`` is acknowledged first, as by ``ack()``, in the same round trip as the
        read where the backend can.
        """
        ...

    async def publish_and_fetch(
        self,
        decisions: Sequence[Mapping[str, Any]],
        max_count: int = 500,
        block_ms: int = 100,
        ack: Sequence[BusMessage] = (),
    ) -> Fetched:
        """``fetch`` that first publishes ``decisions``, as by ``publish_decisions``.

        Acknowledging, publishing and reading go in one round trip where the backend
        can: the consumer acknowledges a committed batch and publishes its decisions
        on its way to the next one. If the call raises, the decisions may or may not
        be on the stream (publishing them again is harmless).
        """
        ...

    async def ack(self, messages: Sequence[BusMessage]) -> None:
        """Acknowledge: the messages leave the pending list."""

    async def dead_letter(self, message: BusMessage, reason: str) -> None:
        """Copy to ``quantum:dlq:<event_type>`` with the reason, then acknowledge."""

    async def publish_decisions(self, decisions: Sequence[Mapping[str, Any]]) -> int:
        """Append decisions once each (by ``decision_id``); return how many were new."""
        ...

    async def publish_event(self, event_type: str, fields: Mapping[str, str]) -> str:
        """Append a message to an input stream; return its entry id."""
        ...

    async def ping(self) -> None:
        """One round trip to the bus (the health probe); raises if it cannot answer."""

    async def pending_count(self) -> int:
        """Messages delivered to the group but not acknowledged."""
        ...

    async def lag(self) -> int:
        """Messages not yet delivered to the group (0 if unknown)."""
        ...

    async def close(self) -> None:
        """Release connections; pending messages stay pending."""
