"""Decide a batch of validated events and commit everything in ONE store transaction.

Shared by the bus consumer and the HTTP ingest path. The caller holds the
pipeline's lock, so one writer at a time changes state and per-account order holds.
``run`` returns each event's result and what the commit left to publish. If the
commit fails, the touched accounts go back to their pre-batch state: memory never
runs ahead of the store.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from federation_ai.adapters.contracts import KINDS
from federation_ai.core import (
    DUPLICATE,
    PROCESSED,
    AccountState,
    Event,
    FederationState,
    policy_view,
)
from federation_ai.core.driver import Stepped, drive
from federation_ai.core.early_warnings import WarningsConfig
from federation_ai.service.batch_rows import (
    BatchRows,
    OutboxPlan,
    encoded,
    event_row,
    stored_state,
)
from federation_ai.service.commit_report import report_committed
from federation_ai.service.event_result import (
    INVALID,
    AccountLimitError,
    EventResult,
    with_conflicts,
)
from federation_ai.service.health import Dependency, HealthBoard, Operation
from federation_ai.service.warning_tracker import WarningTracker
from federation_ai.store import Batch, EventsAlreadyStoredError

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from contextlib import AbstractAsyncContextManager

    from federation_ai.adapters.contracts import Adapter
    from federation_ai.alerts.router import StepAlerts
    from federation_ai.core import CoreConfig
    from federation_ai.service.broadcast import Broadcaster
    from federation_ai.service.prometheus_metrics import ServiceMetrics
    from federation_ai.store import Store

__all__ = ["INVALID", "AccountLimitError", "Committed", "EventResult", "Pipeline"]


@dataclass(frozen=True, slots=True)
class Committed:
    """A committed batch: each event's result, and the messages of its applied
    decisions to publish, in commit order."""

    results: list[EventResult]
    to_publish: list[dict[str, Any]]


class Pipeline:
    """The single writer: in-memory state of all accounts plus the commit protocol."""

    def __init__(
        self,
        store: Store,
        config: CoreConfig,
        metrics: ServiceMetrics,
        subscribers: Broadcaster,
        *,
        adapters: Collection[str] = tuple(KINDS),
        publish_grace_s: float = 0.0,
        direct: Mapping[str, Adapter] | None = None,
        max_accounts: int | None = None,
        health: HealthBoard | None = None,
        warnings: WarningsConfig | None = None,
        alerts: StepAlerts | None = None,
    ) -> None:
        self.store = store
        self._alerts = alerts  # notifications, committed with the decisions they are about
        self.warnings = WarningTracker(warnings or WarningsConfig(), config.supervisor, metrics)
        self.max_accounts = max_accounts  # None: no limit (replay, verify, tests)
        self.health = health if health is not None else HealthBoard()
        self.config = config
        self.state = FederationState()
        self.lock = asyncio.Lock()
        self.events_processed = 0
        self.conflicting_duplicates = 0  # duplicates whose content differed (since start)
        self._metrics = metrics
        self._subscribers = subscribers
        self._outbox = OutboxPlan.of(adapters, direct, publish_grace_s)
        self._stale: set[str] = set()  # accounts to re-read: a commit of theirs may have landed
        # Each account as last committed (or loaded): where a failed batch goes back to.
        # Kept from the state write itself, so a batch costs no snapshot up front.
        self._committed: dict[str, bytes] = {}

    async def load(self) -> int:
        """Replace the in-memory state with the store's; returns the number of accounts."""
        stored = await self.store.load_states()
        self.state = FederationState({k: AccountState.from_json(v) for k, v in stored.items()})
        self._committed = {k: encoded(v) for k, v in stored.items()}
        self.warnings.seed(self.state.accounts)
        return len(stored)

    async def run(self, events: Sequence[Event], published: Sequence[str] = ()) -> Committed:
        """Decide ``events`` in order and commit; the caller must hold ``lock``.

        ``published``: decisions already on the stream; the commit removes their
        publish rows. The result holds what this commit leaves to publish.

        The store's event log has the last word on duplicates: if the commit finds an
        event it already holds (an id re-sent beyond the core's recent window), the
        batch is rolled back, the state restored, and the batch decided again with
        that event as a duplicate.
        """
        if not events:
            return Committed([], [])
        logged: dict[str, set[str]] = {}
        while True:
            try:
                return await self._run_once(events, logged, list(published))
            except EventsAlreadyStoredError as exc:
                for account_id, event_id in exc.keys:
                    logged.setdefault(account_id, set()).add(event_id)

    def _store_call(self, operation: Operation) -> AbstractAsyncContextManager[None]:
        """Health checks ``store.read`` and ``store.commit`` (a logged event is an answer)."""
        return self.health.watch(
            Dependency.STORE, operation, answers=(EventsAlreadyStoredError,)
        )

    async def _run_once(
        self, events: Sequence[Event], logged: dict[str, set[str]], published: list[str]
    ) -> Committed:
        async with self._store_call(Operation.READ):
            if self._stale:
                await self._reload(self._stale)
            known, originals = await self._known(events, logged)
        touched = {e.account_id for e in events}
        rows = BatchRows(warned=self.warnings.state)
        try:
            results = self._decide_batch(events, known, rows)
            results = with_conflicts(events, results, originals, rows.events)
            batch = Batch(
                events=rows.events,
                decisions=rows.decisions,
                states={aid: stored_state(self.state.accounts[aid]) for aid in rows.changed},
                outbox=rows.outbox,
                published=published,
            )
            started = time.perf_counter()
            async with self._store_call(Operation.COMMIT):
                await self.store.commit_batch(batch)
            self._metrics.batch_latency.observe(time.perf_counter() - started)
            for aid, written in batch.states.items():
                self._committed[aid] = encoded(written)
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
        self.warnings.accept(rows.warned, rows.warnings)
        processed, conflicting = report_committed(
            events, results, self._metrics, self._subscribers
        )
        self.events_processed += processed
        self.conflicting_duplicates += conflicting
        for adapter, update in rows.direct:
            await adapter.write(update)
        return Committed(results, rows.to_publish())

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

    def _decide_batch(
        self, events: Sequence[Event], known: Mapping[str, set[str]], rows: BatchRows
    ) -> list[EventResult]:
        """The core's driver over the batch, in order; the store's known ids are duplicates."""
        gate = functools.partial(self._gate, known)
        items = ((event, event) for event in events)
        return [
            s.held if s.held is not None else self._decide(s, rows)
            for s in drive(self.state, items, self.config, gate=gate, clock=time.perf_counter_ns)
        ]

    def _gate(self, known: Mapping[str, set[str]], event: Event) -> EventResult | None:
        """What an event is without stepping: a duplicate the store has, over the limit."""
        if event.event_id in known.get(event.account_id, ()):
            return EventResult(DUPLICATE, [])
        accounts = self.state.accounts
        limit = self.max_accounts
        if limit is not None and event.account_id not in accounts and len(accounts) >= limit:
            return EventResult(INVALID, [], AccountLimitError(limit))
        return None

    def _decide(self, s: Stepped, rows: BatchRows) -> EventResult:
        event, result = s.event, s.result
        assert event is not None  # the pipeline hands the driver decoded events
        if result is None:
            # Invalid only given the account's history (e.g. a flow above the equity):
            # step raised before changing anything; the event is not logged.
            return EventResult(INVALID, [], s.error)
        self._metrics.step_latency.observe(s.step_ns / 1e9)
        if result.outcome == DUPLICATE:
            return EventResult(DUPLICATE, [])  # already in the event log (this batch or before)
        rows.events.append(event_row(event, result.outcome))
        if result.outcome != PROCESSED:
            return EventResult(result.outcome, [])
        rows.changed.add(event.account_id)
        acct = self.state.accounts[event.account_id]
        rows.warned, fired = self.warnings.evaluate(rows.warned, acct)
        rows.warnings.extend(fired)
        decisions = [d.to_dict() for d in result.decisions]
        rows.decisions.extend(decisions)
        self._outbox.add(event, decisions, rows, lambda: policy_view(acct, self.config))
        if self._alerts is not None:
            rows.outbox.extend(self._alerts(event, decisions, fired))
        return EventResult(PROCESSED, decisions)

    async def _reload(self, accounts: set[str]) -> None:
        stored = await self.store.load_states()
        for aid in accounts:
            if aid in stored:
                self.state.accounts[aid] = AccountState.from_json(stored[aid])
                self._committed[aid] = encoded(stored[aid])
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
