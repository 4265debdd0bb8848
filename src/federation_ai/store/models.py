"""Plain data passed in and out of the store, and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field

# Imported at runtime so `typing.get_type_hints` works on these dataclasses
# (FastAPI and pydantic resolve them).
from datetime import datetime  # noqa: TC003
from typing import Any

from federation_ai.core.vocabulary import Outcome, Scope
from federation_ai.store.rfc3339 import to_utc

EVENT_OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)
API_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)
MAX_PAGE = 500
DEFAULT_PAGE = 50


class StoreError(Exception):
    """Base class of the errors raised by the store."""


class KeyExists(StoreError):  # noqa: N818 - the name is part of the store interface
    """An API key with this name (or this hash) is already stored."""


class EventsAlreadyStoredError(StoreError):
    """A batch carried events the log already holds; nothing of the batch was written."""

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(keys)} event(s) already in the event log")
        self.keys = keys  # (account_id, event_id)


class InvalidQueryError(StoreError, ValueError):
    """A query parameter or pagination cursor is malformed."""


class UnsupportedDatabaseError(StoreError, ValueError):
    """The database URL names a backend the store does not support."""


@dataclass(frozen=True, slots=True)
class EventRow:
    """One entry of the event log: the envelope exactly as received."""

    account_id: str
    event_id: str
    event_type: str
    timestamp: datetime | str
    envelope: dict[str, Any]
    outcome: str = Outcome.PROCESSED.value  # one of EVENT_OUTCOMES


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """Work to deliver after commit. `next_attempt_at=None` means due at commit time."""

    kind: str
    decision_id: str
    payload: dict[str, Any]
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    kind: str
    decision_id: str
    payload: dict[str, Any]
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


PUBLISH = "publish"  # the outbox kind of a decision to put on the decision stream


@dataclass(slots=True)
class Batch:
    """Everything one processing step (or a run of them) commits at once."""

    events: list[EventRow] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[OutboxRow] = field(default_factory=list)
    # decisions already on the stream: their PUBLISH outbox rows go, in the same commit
    published: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.events or self.decisions or self.states or self.outbox or self.published
        )


@dataclass(frozen=True, slots=True)
class DecisionQuery:
    """Filters for the audit trail; `since` is inclusive, `until` exclusive."""

    account_id: str | None = None
    role_source: str | None = None
    decision_type: str | None = None
    status: str | None = None
    since: datetime | str | None = None
    until: datetime | str | None = None
    limit: int = DEFAULT_PAGE
    cursor: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int):
            raise InvalidQueryError("limit must be an integer")
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidQueryError(f"limit must be between 1 and {MAX_PAGE}, got {self.limit}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                try:
                    object.__setattr__(self, name, to_utc(value))
                except (TypeError, ValueError, OverflowError) as exc:
                    raise InvalidQueryError(f"{name}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class DecisionPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    name: str
    scope: str
    key_hash: str = field(repr=False)
    created_at: datetime
    revoked: bool
