"""The rows one batch adds to the store, built while its events are decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from federation_ai.adapters.contracts import (
    KINDS,
    ROUTES,
    freeze_decision_id,
    outbox_kind,
    policy_update,
)
from federation_ai.store import PUBLISH, EventRow, OutboxRow

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

    from federation_ai.adapters.contracts import Adapter
    from federation_ai.core import AccountState, Event
    from federation_ai.core.early_warnings import EarlyWarning, WarningState

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stored_state(acct: AccountState) -> dict[str, Any]:
    """The account's state as stored: without the core's recent-id window.

    The event log is the idempotency authority here: after a restart, an event not
    newer than the account's last one is looked up in the log, and a newer one that
    the log already holds is caught at commit. Leaving the window out keeps every
    batch's state write small. A view, not a copy: the store encodes it within the
    commit, while the pipeline's lock keeps every account still.
    """
    return acct.to_json(copy=False, with_seen=False)


def encoded(state: dict[str, Any]) -> bytes:
    return orjson.dumps(state, option=orjson.OPT_NON_STR_KEYS)


def event_row(event: Event, outcome: str) -> EventRow:
    return EventRow(
        account_id=event.account_id,
        event_id=event.event_id,
        event_type=event.event_type,
        timestamp=_EPOCH + timedelta(microseconds=event.ts),
        envelope=dict(event.raw),
        outcome=outcome,
    )


@dataclass(slots=True)
class BatchRows:
    """What one batch adds to the store, built while stepping."""

    events: list[EventRow] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[OutboxRow] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    direct: list[tuple[Adapter, dict[str, Any]]] = field(default_factory=list)
    warned: WarningState = field(default_factory=dict)  # early warnings: not decisions
    warnings: list[EarlyWarning] = field(default_factory=list)

    def to_publish(self) -> list[dict[str, Any]]:
        """The messages of the applied decisions, in decision order."""
        return [r.payload for r in self.outbox if r.kind == PUBLISH]


@dataclass(frozen=True, slots=True)
class OutboxPlan:
    """Which outbox rows a decision makes: one to publish, one per adapter it reaches."""

    adapters: frozenset[str]
    # adapters whose writes cannot fail (in-process) skip the outbox: written after commit
    direct: Mapping[str, Adapter]
    # with a fast publisher, the relay leaves publish rows alone this long
    publish_grace_s: float = 0.0

    @classmethod
    def of(
        cls,
        adapters: Collection[str],
        direct: Mapping[str, Adapter] | None,
        publish_grace_s: float,
    ) -> OutboxPlan:
        return cls(frozenset(adapters), dict(direct or {}), publish_grace_s)

    def _publish_due(self) -> datetime | None:
        if self.publish_grace_s <= 0:
            return None
        return datetime.now(UTC) + timedelta(seconds=self.publish_grace_s)

    def add(
        self,
        event: Event,
        decisions: list[dict[str, Any]],
        rows: BatchRows,
        view: Callable[[], dict[str, Any]],
    ) -> None:
        """One publish row per applied decision, one row per adapter call, in decision
        order; ``view`` is the account's policy view (asked once, if an adapter needs it)."""
        out = rows.outbox
        trace = event.raw.get("trace_id")
        policy: dict[str, Any] | None = None
        freeze_id = freeze_decision_id(decisions)
        for d in decisions:
            if d["status"] != "applied":
                continue
            message = d if not trace else {**d, "trace_id": trace}
            # The fast path publishes at once; the relay only looks after the grace period.
            out.append(OutboxRow(PUBLISH, d["decision_id"], message, self._publish_due()))
            for name in ROUTES.get(d["decision_type"], ()):
                if name not in self.adapters:
                    continue
                if policy is None:
                    policy = view()
                update = policy_update(KINDS[name], d, policy, freeze_id=freeze_id)
                if name in self.direct:
                    rows.direct.append((self.direct[name], update))
                else:
                    out.append(OutboxRow(outbox_kind(name), d["decision_id"], update))
