"""What can be notified, and the pure derivation of happenings from committed work.

A happening is keyed by the id of what caused it: a decision id, an early warning's
id, or an episode id of a shell observation (``stale:<account>:<since>``). That key
makes it at most one outbox row per channel however often the cause is seen again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from federation_ai.core.vocabulary import CRITICAL, DecisionType, Role, Status

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from federation_ai.core.early_warnings import EarlyWarning


class HappeningKind(StrEnum):
    """The happenings a rule can route (``[alerts.severity]`` and ``[alerts.routes]``)."""

    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    VETO = "veto"
    EMERGENCY_DOWNGRADE = "emergency_downgrade"
    OPERATOR_MODE_CHANGE = "operator_mode_change"
    ESS_CRITICAL = "ess_critical"
    ADAPTER_FAILING = "adapter_failing"
    BUS_LAG = "bus_lag"
    STALE_DATA = "stale_data"
    EARLY_WARNING = "early_warning"
    TEST = "test"  # `federation alerts test`


class Severity(StrEnum):
    """How urgent a happening is, most urgent first."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


SEVERITY_RANK = {s.value: i for i, s in enumerate(Severity)}


@dataclass(frozen=True, slots=True)
class Happening:
    happening_id: str
    kind: str
    account_id: str | None
    summary: str  # one line, for the message body
    at: str  # RFC 3339: the decision's, warning's or observation's time
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "happening_id": self.happening_id,
            "kind": str(self.kind),
            "account_id": self.account_id,
            "summary": self.summary,
            "at": self.at,
            "details": self.details,
        }


def _freeze(d: Mapping[str, Any], _by: str | None) -> Happening:
    p = d["payload"]
    triggers = ", ".join(p.get("triggers", ()))
    return _happening(
        d, HappeningKind.FREEZE, f"{d['account_id']} frozen: {triggers}",
        {"triggers": list(p.get("triggers", ())), "freeze_severity": p.get("severity"),
         "previous_mode": p.get("previous_mode")},
    )  # fmt: skip


def _unfreeze(d: Mapping[str, Any], _by: str | None) -> Happening:
    p = d["payload"]
    by = p.get("by")
    return _happening(
        d, HappeningKind.UNFREEZE,
        f"{d['account_id']} unfrozen by {by}: mode {p.get('restored_mode')}",
        {"by": by, "restored_mode": p.get("restored_mode")},
    )  # fmt: skip


def _veto(d: Mapping[str, Any], _by: str | None) -> Happening:
    p = d["payload"]
    what = f"{p.get('overridden_role')} {p.get('overridden_type')}"
    return _happening(
        d, HappeningKind.VETO, f"{d['account_id']}: veto of {what}: {p.get('rule')}",
        {"overridden_decision_id": p.get("overridden_decision_id"),
         "overridden_role": p.get("overridden_role"),
         "overridden_type": p.get("overridden_type"), "rule": p.get("rule")},
    )  # fmt: skip


def _downgrade(d: Mapping[str, Any], _by: str | None) -> Happening:
    p = d["payload"]
    change = f"{p.get('previous_profile')} -> {p.get('profile')}"
    return _happening(
        d, HappeningKind.EMERGENCY_DOWNGRADE, f"{d['account_id']} emergency downgrade: {change}",
        {"profile": p.get("profile"), "previous_profile": p.get("previous_profile")},
    )  # fmt: skip


def _mode(d: Mapping[str, Any], by: str | None) -> Happening:
    p = d["payload"]
    change = f"{p.get('previous_mode')} -> {p.get('mode')}"
    return _happening(
        d, HappeningKind.OPERATOR_MODE_CHANGE, f"{d['account_id']} mode {change} by {by}",
        {"by": by, "mode": p.get("mode"), "previous_mode": p.get("previous_mode"),
         "duration_minutes": p.get("duration_minutes")},
    )  # fmt: skip


def _ess(d: Mapping[str, Any], _by: str | None) -> Happening:
    return _happening(
        d, HappeningKind.ESS_CRITICAL, f"{d['account_id']} ESS CRITICAL: {d['reason']}",
        {"level": d["payload"].get("level")},
    )  # fmt: skip


def _happening(
    d: Mapping[str, Any], kind: HappeningKind, summary: str, details: dict[str, Any]
) -> Happening:
    return Happening(
        d["decision_id"], kind, d["account_id"], summary, str(d["timestamp"]),
        {**details, "decision_id": d["decision_id"], "reason": d["reason"]},
    )  # fmt: skip


def _recognise(d: Mapping[str, Any]) -> Any:
    """The maker of ``d``'s happening, or None: how each kind shows in a decision."""
    kind, role, p = d["decision_type"], d["role_source"], d.get("payload") or {}
    if kind == DecisionType.FREEZE:
        return _freeze
    if kind == DecisionType.UNFREEZE:
        return _unfreeze
    if kind == DecisionType.OVERRIDE and p.get("action") == "veto":
        return _veto
    if kind == DecisionType.CAPITAL_PROFILE and role == Role.CEO and d["priority"] == CRITICAL:
        return _downgrade  # the daily review's changes have a lower priority
    if kind == DecisionType.MODE_CHANGE and role == Role.OPERATOR:
        return _mode
    if kind == DecisionType.ESS_POLICY and p.get("level") == "CRITICAL":
        return _ess
    return None


def from_decisions(
    decisions: Sequence[Mapping[str, Any]], event_payload: Mapping[str, Any]
) -> list[Happening]:
    """The happenings of one event's applied decisions; ``event_payload`` names an
    operator (``key_name``) for the commands it gave."""
    by = event_payload.get("key_name")
    out: list[Happening] = []
    for d in decisions:
        if d["status"] != Status.APPLIED:
            continue
        make = _recognise(d)
        if make is not None:
            out.append(make(d, None if by is None else str(by)))
    return out


def from_warnings(warnings: Iterable[EarlyWarning]) -> list[Happening]:
    out: list[Happening] = []
    for w in warnings:
        record = w.to_dict()
        summary = (
            f"{w.account_id} early warning: {record['limit']} {record['value']} "
            f"(warns at {record['threshold']}, freezes at {record['freeze_at']})"
        )
        out.append(
            Happening(
                w.warning_id,
                HappeningKind.EARLY_WARNING,
                w.account_id,
                summary,
                record["timestamp"],
                record,
            )
        )
    return out
