"""Arbiter (SPEC §6): same-type conflicts by rank, operator pins, the Supervisor's veto."""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.core.decisions import (
    APPLIED,
    SUPERSEDED,
    VETOED,
    Decision,
    Proposal,
    decision_id,
    sort_key,
)
from federation_ai.core.micros import format_timestamp
from federation_ai.core.rounded_compare import gt
from federation_ai.core.vocabulary import (
    CRITICAL,
    PROFILE_LEVEL,
    RANK,
    RISK_LIMIT_KEYS,
    TIERS,
    DecisionType,
    Role,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from federation_ai.core.context import Ctx

# decision type -> (pin attribute on Policy, role whose decisions the pin supersedes)
PINNED_TYPES: dict[str, tuple[str, str]] = {
    DecisionType.MODE_CHANGE.value: ("mode_pin", Role.CEO.value),
    DecisionType.RISK_ADJUSTMENT.value: ("risk_pin", Role.CRO.value),
}


def resolve(c: Ctx, proposals: list[Proposal]) -> list[Decision]:
    decisions = _number(c, proposals)
    _supersede_pinned(c, decisions)
    _resolve_conflicts(decisions)
    _veto_pass(c, decisions)
    decisions.sort(key=sort_key)
    return decisions


def _make(c: Ctx, prop: Proposal, n: int, gen: int) -> Decision:
    e = c.event
    return Decision(
        decision_id=decision_id(e.account_id, e.event_id, prop.role, prop.decision_type, n),
        event_id=e.event_id,
        account_id=e.account_id,
        decision_type=prop.decision_type,
        role_source=prop.role,
        priority=prop.priority,
        timestamp=format_timestamp(e.ts),
        reason=prop.reason,
        payload=prop.payload,
        status=APPLIED,
        config_digest=c.config.digest,
        proposal=prop,
        order=(prop.priority, RANK[prop.role], gen),
    )


def _number(c: Ctx, proposals: list[Proposal]) -> list[Decision]:
    counts: dict[tuple[str, str], int] = {}
    gens: dict[str, int] = {}
    out = []
    for prop in proposals:
        key = (prop.role, prop.decision_type)
        n = counts.get(key, 0)
        counts[key] = n + 1
        gen = gens.get(prop.role, 0)
        gens[prop.role] = gen + 1
        out.append(_make(c, prop, n, gen))
    return out


def pin_active(c: Ctx, decision_type: str) -> bool:
    entry = PINNED_TYPES.get(decision_type)
    if entry is None:
        return False
    pin = getattr(c.policy, entry[0])
    return pin is not None and bool(pin.active(c.ts))


def _supersede_pinned(c: Ctx, decisions: list[Decision]) -> None:
    for d in decisions:
        entry = PINNED_TYPES.get(d.decision_type)
        if entry is not None and d.role_source == entry[1] and pin_active(c, d.decision_type):
            d.status = SUPERSEDED


def _resolve_conflicts(decisions: list[Decision]) -> None:
    best: dict[str, int] = {}
    for d in decisions:
        if d.status == APPLIED:
            rank = RANK[d.role_source]
            best[d.decision_type] = min(best.get(d.decision_type, rank), rank)
    for d in decisions:
        if d.status == APPLIED and RANK[d.role_source] > best[d.decision_type]:
            d.status = SUPERSEDED


# --- veto rules: (decision type, rule name, predicate(ctx, decision)) ----------------------


def _loosens(c: Ctx, d: Decision) -> bool:
    p = c.policy
    tier = d.payload.get("tier")
    if isinstance(tier, str) and TIERS.index(tier) < p.tier:
        return True
    return any(k in d.payload and gt(float(d.payload[k]), p.limits[k]) for k in RISK_LIMIT_KEYS)


FROZEN_RULES: dict[str, tuple[str, Callable[[Ctx, Decision], bool]]] = {
    DecisionType.MODE_CHANGE.value: ("frozen_mode_locked", lambda _c, _d: True),
    DecisionType.CAPITAL_PROFILE.value: (
        "frozen_no_profile_upgrade",
        lambda c, d: PROFILE_LEVEL[d.payload["profile"]] > PROFILE_LEVEL[c.policy.profile],
    ),
    DecisionType.RISK_ADJUSTMENT.value: ("frozen_no_risk_loosening", _loosens),
    DecisionType.SYMBOL_UNIVERSE.value: (
        "frozen_no_universe_expansion",
        lambda _c, d: bool(d.payload["added"]),
    ),
}


def _veto_rule(c: Ctx, d: Decision, frozen_after: bool) -> str | None:
    if frozen_after:
        entry = FROZEN_RULES.get(d.decision_type)
        if entry is not None and entry[1](c, d):
            return entry[0]
    if d.decision_type == "mode_change" and d.payload["mode"] == "LIVE" and c.metrics.critical:
        return "no_live_while_critical"
    return None


def _veto_pass(c: Ctx, decisions: list[Decision]) -> None:
    frozen_after = c.policy.frozen
    for d in decisions:
        if d.status == APPLIED and d.decision_type in ("freeze", "unfreeze"):
            frozen_after = d.decision_type == "freeze"
    vetoes: list[tuple[Decision, str]] = []
    for d in sorted(decisions, key=sort_key):
        if d.status != APPLIED or d.role_source == "supervisor":
            continue
        rule = _veto_rule(c, d, frozen_after)
        if rule is not None:
            d.status = VETOED
            vetoes.append((d, rule))
    gen = sum(1 for d in decisions if d.role_source == "supervisor")
    for n, (d, rule) in enumerate(vetoes):
        payload = {
            "action": "veto",
            "overridden_decision_id": d.decision_id,
            "overridden_role": d.role_source,
            "overridden_type": d.decision_type,
            "rule": rule,
        }
        reason = f"veto {d.role_source} {d.decision_type}: {rule}"
        prop = Proposal("supervisor", "override", CRITICAL, reason, payload)
        decisions.append(_make(c, prop, n, gen + n))
