"""Decide a batch of validated events and commit everything in ONE store transaction.

Shared by the bus consumer and the HTTP ingest path. The caller holds the
pipeline's lock, so one writer at a time changes state and per-account order holds.
If the commit fails, the touched accounts go back to their pre-batch state: memory
never runs ahead of the store.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import orjson
import structlog

from federation_ai.adapters.contracts import (
    KINDS,
    ROUTES,
    freeze_decision_id,
    outbox_kind,
    policy_update,
)
from federation_ai.core import (
    DUPLICATE,
    OUT_OF_ORDER,
    PROCESSED,
    AccountState,
    Event,
    FederationState,
    InvalidEvent,
    policy_view,
)
from federation_ai.core.content import conflict_reason
from federation_ai.core.driver import Stepped, drive
from federation_ai.core.early_warnings import EarlyWarning, WarningsConfig, WarningState
from federation_ai.service.health import Dependency, HealthBoard, Operation
from federation_ai.service.warning_tracker import WarningTracker
from federation_ai.store import PUBLISH, Batch, EventRow, EventsAlreadyStoredError, OutboxRow

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from contextlib import AbstractAsyncContextManager

    from federation_ai.adapters.contracts import Adapter
    from federation_ai.core import CoreConfig
    from federation_ai.service.broadcast import Broadcaster
    from federation_ai.service.prometheus_metrics import ServiceMetrics
    from federation_ai.store import Store


def persisted(acct: AccountState) -> dict[str, Any]:
    """The account's state as stored: without the core's recent-id window.

    The event log is the idempotency authority here: after a restart, an event not
    newer than the account's last one is looked up in the log, and a newer one that
    the log already holds is caught at commit. Leaving the window out keeps every
    batch's state write small. A view, not a copy: the store encodes it within the
    commit, while the pipeline's lock keeps every account still.
    """
    return acct.to_json(copy=False, with_seen=False)


def _encoded(state: dict[str, Any]) -> bytes:
    return orjson.dumps(state, option=orjson.OPT_NON_STR_KEYS)


INVALID = "invalid"


class AccountLimitError(InvalidEvent):
    """A new account beyond ``service.max_accounts``: refused like invalid input."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            "account_id",
            f"new account refused: the service already holds {limit} accounts, "
            f"its limit (service.max_accounts = {limit})",
        )
        self.limit = limit

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
log = structlog.get_logger("federation_ai.pipeline")


class OnCommit(Protocol):
    """Told the decisions to publish after each commit (the outbox relay)."""

    def __call__(self, messages: list[dict[str, Any]], *, deferred: bool = False) -> None: ...


class PublishedIds(Protocol):
    """Where the pipeline learns which decisions are on the stream (the outbox relay)."""

    def take_published(self) -> list[str]: ...

    def return_published(self, ids: list[str]) -> None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: str  # processed | duplicate | out_of_order | invalid
    decisions: list[dict[str, Any]]
    error: InvalidEvent | None = None  # why an event was invalid against the account's state
    conflict: str | None = None  # a duplicate whose content differs from the logged event's


@dataclass(slots=True)
class _Work:
    """What one batch adds to the store, built while stepping."""

    events: list[EventRow] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[OutboxRow] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    direct: list[tuple[Adapter, dict[str, Any]]] = field(default_factory=list)
    warned: WarningState = field(default_factory=dict)  # early warnings: not decisions
    warnings: list[EarlyWarning] = field(default_factory=list)


def _utc(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _with_conflicts(
    events: Sequence[Event],
    outcomes: list[Outcome],
    originals: Mapping[tuple[str, str], Mapping[str, Any]],
    logged_now: Sequence[EventRow],
) -> list[Outcome]:
    """Each duplicate compared with the event its id was first taken with (stored, or
    earlier in this batch): a different content makes it a conflicting duplicate."""
    if all(o.outcome != DUPLICATE for o in outcomes):
        return outcomes
    batch = {(r.account_id, r.event_id): r.envelope for r in logged_now}
    out: list[Outcome] = []
    for event, outcome in zip(events, outcomes, strict=True):
        key = (event.account_id, event.event_id)
        first = originals.get(key) or batch.get(key)
        reason = None
        if outcome.outcome == DUPLICATE and first is not None:
            reason = conflict_reason(event, first)
        out.append(outcome if reason is None else Outcome(DUPLICATE, [], conflict=reason))
    return out


class Pipeline:
    """The single writer: in-memory state of all accounts plus the commit protocol."""

    def __init__(
        self,
        store: Store,
        config: CoreConfig,
        metrics: ServiceMetrics,
        hub: Broadcaster,
        *,
        adapters: Collection[str] = tuple(KINDS),
        on_commit: OnCommit | None = None,
        publish_grace_s: float = 0.0,
        direct: Mapping[str, Adapter] | None = None,
        published: PublishedIds | None = None,
        max_accounts: int | None = None,
        health: HealthBoard | None = None,
        warnings: WarningsConfig | None = None,
    ) -> None:
        self.store = store
        self.warnings = WarningTracker(warnings or WarningsConfig(), config.supervisor, metrics)
        self.max_accounts = max_accounts  # None: no limit (replay, verify, tests)
        self.health = health if health is not None else HealthBoard()
        # with a fast publisher (on_commit), the relay leaves publish rows alone this long
        self.publish_grace_s = publish_grace_s
        self.config = config
        self.state = FederationState()
        self.lock = asyncio.Lock()
        self.events_processed = 0
        self.conflicting_duplicates = 0  # duplicates whose content differed (since start)
        self._metrics = metrics
        self._hub = hub
        self._adapters = frozenset(adapters)
        # adapters whose writes cannot fail (in-process) skip the outbox: written after commit
        self._direct = dict(direct or {})
        self._on_commit = on_commit
        self._published = published  # their publish rows go with the next commit
        self._stale: set[str] = set()  # accounts to re-read: a commit of theirs may have landed
        # Each account as last committed (or loaded): where a failed batch goes back to.
        # Kept from the state write itself, so a batch costs no snapshot up front.
        self._committed: dict[str, bytes] = {}

    async def load(self) -> int:
        """Replace the in-memory state with the store's; returns the number of accounts."""
        stored = await self.store.load_states()
        self.state = FederationState({k: AccountState.from_json(v) for k, v in stored.items()})
        self._committed = {k: _encoded(v) for k, v in stored.items()}
        self.warnings.seed(self.state.accounts)
        return len(stored)

    async def run(self, events: Sequence[Event], *, defer_publish: bool = False) -> list[Outcome]:
        """Decide ``events`` in order and commit; the caller must hold ``lock``.

        ``defer_publish``: the caller publishes the batch's decisions itself (see
        ``OnCommit``), e.g. the bus consumer with its next read.

        The store's event log has the last word on duplicates: if the commit finds an
        event it already holds (an id re-sent beyond the core's recent window), the
        batch is rolled back, the state restored, and the batch decided again with
        that event as a duplicate.
        """
        if not events:
            return []
        logged: dict[str, set[str]] = {}
        while True:
            try:
                return await self._run_once(events, logged, defer_publish=defer_publish)
            except EventsAlreadyStoredError as exc:
                for account_id, event_id in exc.keys:
                    logged.setdefault(account_id, set()).add(event_id)

    def _store_call(self, operation: Operation) -> AbstractAsyncContextManager[None]:
        """Health checks ``store.read`` and ``store.commit`` (a logged event is an answer)."""
        return self.health.watch(
            Dependency.STORE, operation, answers=(EventsAlreadyStoredError,)
        )

    async def _run_once(
        self, events: Sequence[Event], logged: dict[str, set[str]], *, defer_publish: bool
    ) -> list[Outcome]:
        async with self._store_call(Operation.READ):
            if self._stale:
                await self._reload(self._stale)
            known, originals = await self._known(events, logged)
        touched = {e.account_id for e in events}
        work = _Work(warned=self.warnings.state)
        outcomes: list[Outcome] = []
        try:
            gate = functools.partial(self._gate, known)
            items = ((event, event) for event in events)
            clock = time.perf_counter_ns
            outcomes.extend(
                s.held if s.held is not None else self._decided(s, work)
                for s in drive(self.state, items, self.config, gate=gate, clock=clock)
            )
            outcomes = _with_conflicts(events, outcomes, originals, work.events)
            batch = Batch(
                events=work.events,
                decisions=work.decisions,
                states={aid: persisted(self.state.accounts[aid]) for aid in work.changed},
                outbox=work.outbox,
                published=self._published.take_published() if self._published else [],
            )
            started = time.perf_counter()
            try:
                async with self._store_call(Operation.COMMIT):
                    await self.store.commit_batch(batch)
            except BaseException:
                if self._published is not None and batch.published:
                    self._published.return_published(batch.published)
                raise
            self._metrics.batch_latency.observe(time.perf_counter() - started)
            for aid, written in batch.states.items():
                self._committed[aid] = _encoded(written)
        except EventsAlreadyStoredError:
            self._restore(touched)  # nothing was written: the in-memory state goes back
            raise
        except BaseException:
            # The commit may or may not have landed (e.g. the connection died during
            # COMMIT): go back to the pre-batch state now, re-read from the store
            # before the next batch.
            self._restore(touched)
            self._stale |= touched
            self._metrics.commit_failures.inc()
            raise
        self.warnings.accept(work.warned, work.warnings)
        publish = [r.payload for r in work.outbox if r.kind == PUBLISH]
        self._after_commit(events, outcomes, publish, deferred=defer_publish)
        for adapter, update in work.direct:
            await adapter.write(update)
        return outcomes

    async def _known(
        self, events: Sequence[Event], logged: Mapping[str, set[str]]
    ) -> tuple[dict[str, set[str]], dict[tuple[str, str], dict[str, Any]]]:
        """Event ids the store already has, asked only where the core cannot tell, and
        the logged envelope of every event that will be a duplicate (to compare with).

        A new account has no stored events and an id in the account's recent window is
        the core's to dedupe. An event not newer than the account's last one is looked
        up (a redelivery after a crash); a newer one is almost always new, and the rare
        re-sent id with a newer timestamp is caught by the event log at commit (see run:
        those come back as ``logged``).
        """
        ask: dict[str, list[str]] = {}  # is it logged? and if so, what did it say
        recall: dict[str, list[str]] = {}  # a duplicate for sure: what did it say
        for e in events:
            acct = self.state.accounts.get(e.account_id)
            if e.event_id in logged.get(e.account_id, ()) or (
                acct is not None and e.event_id in acct.seen
            ):
                recall.setdefault(e.account_id, []).append(e.event_id)
            elif acct is not None and acct.last_ts is not None and e.ts <= acct.last_ts:
                ask.setdefault(e.account_id, []).append(e.event_id)
        known = {aid: set(ids) for aid, ids in logged.items()}
        originals: dict[tuple[str, str], dict[str, Any]] = {}
        for aid in {*ask, *recall}:
            asked = ask.get(aid, [])
            found = await self.store.event_envelopes(aid, [*asked, *recall.get(aid, [])])
            known.setdefault(aid, set()).update(i for i in asked if i in found)
            originals.update({(aid, event_id): env for event_id, env in found.items()})
        return known, originals

    def _gate(self, known: dict[str, set[str]], event: Event) -> Outcome | None:
        """What an event is without stepping: a duplicate the store has, over the limit."""
        if event.event_id in known.get(event.account_id, ()):
            return Outcome(DUPLICATE, [])
        accounts = self.state.accounts
        limit = self.max_accounts
        if limit is not None and event.account_id not in accounts and len(accounts) >= limit:
            return Outcome(INVALID, [], AccountLimitError(limit))
        return None

    def _decided(self, s: Stepped, work: _Work) -> Outcome:
        event, result = s.event, s.result
        assert event is not None  # the pipeline hands the driver decoded events
        if result is None:
            # Invalid only given the account's history (e.g. a flow above the equity):
            # step raised before changing anything; the event is not logged.
            return Outcome(INVALID, [], s.error)
        self._metrics.step_latency.observe(s.step_ns / 1e9)
        if result.outcome == DUPLICATE:
            return Outcome(DUPLICATE, [])  # already in the event log (this batch or before)
        work.events.append(
            EventRow(
                account_id=event.account_id,
                event_id=event.event_id,
                event_type=event.event_type,
                timestamp=_utc(event.ts),
                envelope=dict(event.raw),
                outcome=result.outcome,
            )
        )
        if result.outcome != PROCESSED:
            return Outcome(result.outcome, [])
        work.changed.add(event.account_id)
        acct = self.state.accounts[event.account_id]
        work.warned, fired = self.warnings.evaluate(work.warned, acct)
        work.warnings.extend(fired)
        decisions = [d.to_dict() for d in result.decisions]
        work.decisions.extend(decisions)
        self._outbox(event, decisions, work)
        return Outcome(PROCESSED, decisions)

    def _publish_due(self) -> datetime | None:
        if self.publish_grace_s <= 0:
            return None
        return datetime.now(UTC) + timedelta(seconds=self.publish_grace_s)

    def _outbox(self, event: Event, decisions: list[dict[str, Any]], work: _Work) -> None:
        """One publish row per applied decision, one row per adapter call, in decision order."""
        out = work.outbox
        trace = event.raw.get("trace_id")
        view: dict[str, Any] | None = None
        freeze_id = freeze_decision_id(decisions)
        for d in decisions:
            if d["status"] != "applied":
                continue
            message = d if not trace else {**d, "trace_id": trace}
            # The fast path publishes at once; the relay only looks after the grace period.
            out.append(OutboxRow(PUBLISH, d["decision_id"], message, self._publish_due()))
            for name in ROUTES.get(d["decision_type"], ()):
                if name not in self._adapters:
                    continue
                if view is None:
                    view = policy_view(self.state.accounts[event.account_id], self.config)
                update = policy_update(KINDS[name], d, view, freeze_id=freeze_id)
                if name in self._direct:
                    work.direct.append((self._direct[name], update))
                else:
                    out.append(OutboxRow(outbox_kind(name), d["decision_id"], update))

    async def _reload(self, accounts: set[str]) -> None:
        stored = await self.store.load_states()
        for aid in accounts:
            if aid in stored:
                self.state.accounts[aid] = AccountState.from_json(stored[aid])
                self._committed[aid] = _encoded(stored[aid])
            else:
                self.state.accounts.pop(aid, None)
                self._committed.pop(aid, None)
        self._stale.clear()

    def _restore(self, accounts: set[str]) -> None:
        """The accounts as last committed (without the recent-id window: the event log
        answers for redeliveries, as after a restart); new ones are dropped."""
        for aid in accounts:
            committed = self._committed.get(aid)
            if committed is None:
                self.state.accounts.pop(aid, None)
            else:
                self.state.accounts[aid] = AccountState.from_json(orjson.loads(committed))

    def _after_commit(
        self,
        events: Sequence[Event],
        outcomes: list[Outcome],
        messages: list[dict[str, Any]],
        *,
        deferred: bool,
    ) -> None:
        decided: list[dict[str, Any]] = []
        for event, outcome in zip(events, outcomes, strict=True):
            self._metrics.events.labels(event.event_type, outcome.outcome).inc()
            if outcome.outcome == PROCESSED:
                self.events_processed += 1
            elif outcome.outcome == OUT_OF_ORDER:
                log.warning(
                    "event_out_of_order", event_id=event.event_id, account_id=event.account_id
                )
            elif outcome.conflict is not None:
                self.conflicting_duplicates += 1
                self._metrics.conflicting_duplicates.labels(event.event_type).inc()
                log.warning(
                    "conflicting_duplicate",
                    event_id=event.event_id,
                    account_id=event.account_id,
                    reason=outcome.conflict,
                )
            for d in outcome.decisions:
                log.info(
                    "decision",
                    decision_id=d["decision_id"],
                    event_id=d["event_id"],
                    account_id=d["account_id"],
                    decision_type=d["decision_type"],
                    role=d["role_source"],
                    status=d["status"],
                )
            decided.extend(outcome.decisions)
        self._metrics.count_decisions(decided)
        self._hub.publish(decided)
        if self._on_commit is not None and decided:
            self._on_commit(messages, deferred=deferred)
