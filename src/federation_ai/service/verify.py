"""Replay the stored event log through a fresh core and compare with the stored decisions.

Every difference is reported: a decision the replay makes that is not stored
(``missing``), a stored one the replay does not make (``unexpected``), a field that
differs (``changed``), decisions stored in another order (``order``), stored
events the core now rejects (``event``), and events stored as out of order (and
dead-lettered) that a replay of the log in entry order accepts (``rejected``: lost
to the merge of the input streams, see ``entry_order``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from federation_ai.core import OUT_OF_ORDER, PROCESSED, FederationState
from federation_ai.core.driver import advance
from federation_ai.core.micros import TimestampError, parse_timestamp
from federation_ai.service.entry_order import Logged, accepted_in_entry_order

if TYPE_CHECKING:
    from federation_ai.core import CoreConfig
    from federation_ai.store import Store


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # missing | unexpected | changed | order | event | rejected
    account_id: str
    event_id: str
    decision_id: str | None = None
    field: str | None = None
    expected: Any = None
    stored: Any = None

    def describe(self) -> str:
        where = f"{self.account_id}/{self.event_id}"
        if self.decision_id:
            where += f" decision {self.decision_id}"
        if self.kind == "changed":
            values = f"replay {self.expected!r}, stored {self.stored!r}"
            return f"changed {where}: {self.field}: {values}"
        detail = f": {self.expected or self.stored}" if (self.expected or self.stored) else ""
        return f"{self.kind} {where}{detail}"


@dataclass(slots=True)
class VerifyReport:
    events: int = 0
    out_of_order: int = 0  # events stored as out of order (dead-lettered)
    replayed_decisions: int = 0
    stored_decisions: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "out_of_order": self.out_of_order,
            "replayed_decisions": self.replayed_decisions,
            "stored_decisions": self.stored_decisions,
            "differences": [asdict(d) for d in self.differences],
        }


def _norm(name: str, value: Any) -> Any:
    """Compare values as they travel: through JSON, timestamps as instants."""
    if name == "timestamp" and isinstance(value, str):
        try:
            return parse_timestamp(value)
        except TimestampError:
            return value
    return json.loads(json.dumps(value))


@dataclass(slots=True)
class _Replayed:
    """The decisions a fresh core makes from the stored log, by id and in order per account."""

    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: dict[str, list[str]] = field(default_factory=dict)
    rejected_in: set[str] = field(default_factory=set)  # accounts with events stored out of order


async def verify(store: Store, config: CoreConfig) -> VerifyReport:
    report = VerifyReport()
    replayed = await _replay_log(store, config, report)
    report.replayed_decisions = len(replayed.decisions)
    stored_order = await _compare_stored(store, replayed.decisions, report)
    for did, left in replayed.decisions.items():
        report.differences.append(
            Difference(
                "missing",
                left["account_id"],
                left["event_id"],
                did,
                expected=f"{left['role_source']} {left['decision_type']}",
            )
        )
    report.differences.extend(_order_differences(replayed.order, stored_order))
    if replayed.rejected_in:
        report.differences.extend(await _lost_to_the_merge(store, config, replayed.rejected_in))
    return report


async def _replay_log(store: Store, config: CoreConfig, report: VerifyReport) -> _Replayed:
    """The stored processed events through the core's driver, each compared as it goes."""
    out = _Replayed()
    state = FederationState()
    async for outcome, envelope in store.iter_event_log():
        if outcome == OUT_OF_ORDER:
            report.out_of_order += 1
            out.rejected_in.add(_account(envelope))
        if outcome != PROCESSED:
            continue
        report.events += 1
        s = advance(state, envelope, envelope, config)
        if s.result is None:
            report.differences.append(
                Difference(
                    "event",
                    _account(envelope),
                    str(envelope.get("event_id")),
                    expected=f"invalid: {s.error}",
                )
            )
            continue
        if s.result.outcome != PROCESSED:
            assert s.event is not None
            report.differences.append(
                Difference(
                    "event",
                    s.event.account_id,
                    s.event.event_id,
                    expected=f"replay outcome {s.result.outcome}",
                    stored="processed",
                )
            )
        for d in s.result.decisions:
            out.decisions[d.decision_id] = d.to_dict()
            out.order.setdefault(d.account_id, []).append(d.decision_id)
    return out


async def _compare_stored(
    store: Store, replayed: dict[str, dict[str, Any]], report: VerifyReport
) -> dict[str, list[str]]:
    """Every stored decision against the replayed one (taken out of ``replayed``); the
    stored order per account."""
    stored_order: dict[str, list[str]] = {}
    async for stored in store.iter_decisions():
        report.stored_decisions += 1
        did = stored["decision_id"]
        stored_order.setdefault(stored["account_id"], []).append(did)
        expected = replayed.pop(did, None)
        if expected is None:
            report.differences.append(
                Difference(
                    "unexpected",
                    stored["account_id"],
                    stored["event_id"],
                    did,
                    stored=f"{stored['role_source']} {stored['decision_type']}",
                )
            )
            continue
        report.differences.extend(
            Difference(
                "changed",
                stored["account_id"],
                stored["event_id"],
                did,
                name,
                value,
                stored.get(name),
            )
            for name, value in expected.items()
            if _norm(name, value) != _norm(name, stored.get(name))
        )
    return stored_order


def _account(envelope: dict[str, Any]) -> str:
    return str(envelope.get("account_id") or "default")


async def _lost_to_the_merge(
    store: Store, config: CoreConfig, accounts: set[str]
) -> list[Difference]:
    """Events stored as out of order that their account's log in entry order accepts."""
    logs: dict[str, list[Logged]] = {}
    async for outcome, envelope in store.iter_event_log():
        if (account := _account(envelope)) in accounts:
            logs.setdefault(account, []).append((outcome, envelope))
    return [
        Difference(
            "rejected",
            account,
            event.event_id,
            expected="stored out of order, accepted by a replay in entry order",
        )
        for account, log in logs.items()
        for event in accepted_in_entry_order(log, config)
    ]


def _order_differences(
    replayed: dict[str, list[str]], stored: dict[str, list[str]]
) -> list[Difference]:
    """The first position per account where the common decisions come out in another order."""
    out: list[Difference] = []
    for account_id, order in stored.items():
        common = set(order) & set(replayed.get(account_id, ()))
        mine = [d for d in replayed.get(account_id, ()) if d in common]
        theirs = [d for d in order if d in common]
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            if a != b:
                out.append(
                    Difference(
                        "order",
                        account_id,
                        "",
                        b,
                        expected=f"position {i}: {a}",
                        stored=f"position {i}: {b}",
                    )
                )
                break
    return out
