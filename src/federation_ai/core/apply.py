"""Apply the applied decisions of one step to the account's effective policy (SPEC §6 step 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.core.account_clock import reanchor
from federation_ai.core.micros import US_PER_MINUTE, clamp_ts
from federation_ai.core.roles.researcher import research_key
from federation_ai.core.state import Pin
from federation_ai.core.vocabulary import RISK_LIMIT_KEYS, TIERS, DecisionType

if TYPE_CHECKING:
    from collections.abc import Callable

    from federation_ai.core.context import Ctx
    from federation_ai.core.decisions import Decision


def _pin(c: Ctx, d: Decision) -> Pin:
    assert d.proposal is not None
    minutes = d.proposal.effect.get("pin")
    # an account clock near the end of the range: the pin ends at its last instant
    until = None if minutes is None else clamp_ts(c.ts + round(minutes * US_PER_MINUTE))
    return Pin(key_name=c.event.payload["key_name"], set_at=c.ts, until=until)


def _freeze(c: Ctx, d: Decision) -> None:
    p = c.policy
    p.frozen = True
    p.freeze_triggers = list(d.payload["triggers"])
    p.frozen_since = c.ts
    p.pre_freeze_mode, p.pre_freeze_setter = p.mode, p.mode_setter
    p.mode, p.mode_setter = "EMERGENCY", "supervisor"


def _unfreeze(c: Ctx, d: Decision) -> None:
    p = c.policy
    assert d.proposal is not None
    p.frozen = False
    p.freeze_triggers = []
    p.frozen_since = None
    p.mode, p.mode_setter = d.payload["restored_mode"], d.proposal.effect["setter"]
    p.pre_freeze_mode = p.pre_freeze_setter = None
    c.metrics.consecutive_losses = 0
    if d.proposal.effect.get("rebaseline"):
        c.metrics.rebaseline()


def _mode_change(c: Ctx, d: Decision) -> None:
    p = c.policy
    assert d.proposal is not None
    p.mode = d.payload["mode"]
    p.mode_setter = d.role_source
    if d.role_source == "operator":
        p.ceo_restore = None
        p.mode_pin = _pin(c, d)
    elif d.role_source == "ceo":
        p.ceo_restore = d.proposal.effect.get("ceo_restore")


def _capital_profile(c: Ctx, d: Decision) -> None:
    c.policy.profile = d.payload["profile"]
    c.policy.profile_changed_day = c.metrics.closed_days


def _risk_adjustment(c: Ctx, d: Decision) -> None:
    p = c.policy
    p.tier = TIERS.index(d.payload["tier"])
    p.limits = {k: float(d.payload[k]) for k in RISK_LIMIT_KEYS}
    if d.role_source == "operator":
        p.risk_pin = _pin(c, d)


def _ess_policy(c: Ctx, d: Decision) -> None:
    c.policy.ess_level = d.payload["level"]


def _strategy_allocation(c: Ctx, d: Decision) -> None:
    c.policy.weights = dict(d.payload["model_weights"])


def _symbol_universe(c: Ctx, d: Decision) -> None:
    c.policy.n_symbols = len(d.payload["active_symbols"])


def _cashflow(c: Ctx, d: Decision) -> None:
    c.policy.cashflow = d.payload["policy"]


def _research_task(c: Ctx, d: Decision) -> None:
    key = research_key(d.payload["task_type"], d.payload["model_name"])
    c.policy.research_last[key] = c.ts
    c.policy.open_research[key] = {
        **d.payload,
        "decision_id": d.decision_id,
        "issued_at": d.timestamp,
    }


def _override(c: Ctx, d: Decision) -> None:
    action = d.payload.get("action")
    if action == "peak_reset":
        c.metrics.reset_peak()
    elif action == "clock_reanchor":
        assert d.proposal is not None
        reanchor(c.account, d.proposal.effect["anchor"])


def _role_status(c: Ctx, d: Decision) -> None:
    c.policy.roles_enabled[d.payload["role"]] = bool(d.payload["enabled"])


# decision type -> its change to the policy (one per member; plain-string keys, see vocabulary)
APPLY: dict[str, Callable[[Ctx, Decision], None]] = {
    DecisionType.FREEZE.value: _freeze,
    DecisionType.UNFREEZE.value: _unfreeze,
    DecisionType.MODE_CHANGE.value: _mode_change,
    DecisionType.CAPITAL_PROFILE.value: _capital_profile,
    DecisionType.RISK_ADJUSTMENT.value: _risk_adjustment,
    DecisionType.ESS_POLICY.value: _ess_policy,
    DecisionType.STRATEGY_ALLOCATION.value: _strategy_allocation,
    DecisionType.SYMBOL_UNIVERSE.value: _symbol_universe,
    DecisionType.CASHFLOW.value: _cashflow,
    DecisionType.RESEARCH_TASK.value: _research_task,
    DecisionType.OVERRIDE.value: _override,
    DecisionType.ROLE_STATUS.value: _role_status,
}


def apply(c: Ctx, d: Decision) -> None:
    APPLY[d.decision_type](c, d)
