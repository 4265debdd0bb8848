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


def _summary(kind: str, d: Mapping[str, Any], by: str | None) -> str:
    p, account = d["payload"], d["account_id"]
    if kind == HappeningKind.FREEZE:
        return f"{account} frozen: {', '.join(p.get('triggers', ()))}"
    if kind == HappeningKind.UNFREEZE:
        return f"{account} unfrozen by {p.get('by')}: mode {p.get('restored_mode')}"
    if kind == HappeningKind.VETO:
        what = f"{p.get('overridden_role')} {p.get('overridden_type')}"
        return f"{account}: veto of {what}: {p.get('rule')}"
    if kind == HappeningKind.EMERGENCY_DOWNGRADE:
        return f"{account} emergency downgrade: {p.get('previous_profile')} -> {p.get('profile')}"
    if kind == HappeningKind.OPERATOR_MODE_CHANGE:
        return f"{account} mode {p.get('previous_mode')} -> {p.get('mode')} by {by}"
    return f"{account} ESS CRITICAL: {d['reason']}"


# the payload keys each kind carries into its details
_DETAILS: dict[str, tuple[str, ...]] = {
    HappeningKind.FREEZE: ("triggers", "severity", "previous_mode"),
    HappeningKind.UNFREEZE: ("by", "restored_mode"),
    HappeningKind.VETO: ("overridden_decision_id", "overridden_role", "overridden_type", "rule"),
    HappeningKind.EMERGENCY_DOWNGRADE: ("profile", "previous_profile"),
    HappeningKind.OPERATOR_MODE_CHANGE: ("mode", "previous_mode", "duration_minutes"),
    HappeningKind.ESS_CRITICAL: ("level",),
}


def _kind(d: Mapping[str, Any]) -> HappeningKind | None:
    """The happening ``d`` is, if any: how each kind shows in a decision."""
    kind, role, p = d["decision_type"], d["role_source"], d.get("payload") or {}
    if kind == DecisionType.FREEZE:
        return HappeningKind.FREEZE
    if kind == DecisionType.UNFREEZE:
        return HappeningKind.UNFREEZE
    if kind == DecisionType.OVERRIDE and p.get("action") == "veto":
        return HappeningKind.VETO
    if kind == DecisionType.CAPITAL_PROFILE and role == Role.CEO and d["priority"] == CRITICAL:
        return HappeningKind.EMERGENCY_DOWNGRADE  # the daily review's are of lower priority
    if kind == DecisionType.MODE_CHANGE and role == Role.OPERATOR:
        return HappeningKind.OPERATOR_MODE_CHANGE
    if kind == DecisionType.ESS_POLICY and p.get("level") == "CRITICAL":
        return HappeningKind.ESS_CRITICAL
    return None


def _from_decision(kind: HappeningKind, d: Mapping[str, Any], by: str | None) -> Happening:
    p = d["payload"]
    details = {key: p.get(key) for key in _DETAILS[kind]}
    if kind == HappeningKind.OPERATOR_MODE_CHANGE:
        details["by"] = by
    details |= {"decision_id": d["decision_id"], "reason": d["reason"]}
    summary = _summary(kind, d, by)
    return Happening(
        d["decision_id"], kind.value, d["account_id"], summary, str(d["timestamp"]), details
    )


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
        kind = _kind(d)
        if kind is not None:
            out.append(_from_decision(kind, d, None if by is None else str(by)))
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
