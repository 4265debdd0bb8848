"""Supervisor (rank 1): freeze authority. Vetoes live in the arbiter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.core.decisions import Proposal
from federation_ai.core.micros import US_PER_MINUTE, format_timestamp
from federation_ai.core.rounded_compare import ge, gt, lt, num, pct
from federation_ai.core.vocabulary import AFFECTED_SUBSYSTEMS, CRITICAL, SEVERE_TRIGGERS

if TYPE_CHECKING:
    from federation_ai.core.account_metrics import Metrics
    from federation_ai.core.context import Ctx
    from federation_ai.core.core_config import SupervisorConfig
    from federation_ai.core.state import Policy


def propose(c: Ctx) -> list[Proposal]:
    if c.policy.frozen:
        return _unfreeze(c)
    return _freeze(c)


def _freeze(c: Ctx) -> list[Proposal]:
    m, cfg = c.metrics, c.config.supervisor
    triggers = [
        name
        for name, holds in (
            ("drawdown", gt(m.dd, cfg.freeze_drawdown)),
            ("daily_loss", lt(m.daily_pnl, -cfg.freeze_daily_loss)),
            ("consecutive_losses", m.consecutive_losses >= cfg.freeze_consecutive_losses),
            ("low_equity", lt(m.equity, cfg.freeze_min_equity)),
            ("ess_critical", m.ess_state == "CRITICAL"),
        )
        if holds
    ]
    if not triggers:
        return []
    severity = "CRITICAL" if SEVERE_TRIGGERS.intersection(triggers) else "HIGH"
    reason = (
        f"freeze: {', '.join(triggers)} (DD {pct(m.dd)}, daily PnL {pct(m.daily_pnl)}, "
        f"{m.consecutive_losses} consecutive losses, equity {num(m.equity)}, ESS {m.ess_state})"
    )
    payload = {
        "triggers": triggers,
        "severity": severity,
        "mode": "EMERGENCY",
        "previous_mode": c.policy.mode,
        "affected_subsystems": list(AFFECTED_SUBSYSTEMS),
        "requires_manual_review": severity == "CRITICAL",
    }
    return [Proposal("supervisor", "freeze", CRITICAL, reason, payload)]


def _unfreeze(c: Ctx) -> list[Proposal]:
    m, p, cfg = c.metrics, c.policy, c.config.supervisor
    assert p.frozen_since is not None
    frozen_us = c.ts - p.frozen_since
    ok = (
        lt(m.dd, cfg.unfreeze_max_drawdown)
        and gt(m.equity, cfg.unfreeze_min_equity)
        and gt(m.daily_pnl, 0.0)
        and m.ess_state != "CRITICAL"
        and ge(frozen_us / US_PER_MINUTE, cfg.min_freeze_minutes)
    )
    if not ok:
        return []
    minutes = frozen_us / US_PER_MINUTE
    reason = (
        f"unfreeze: DD {pct(m.dd)} < {pct(cfg.unfreeze_max_drawdown)}, equity {num(m.equity)} > "
        f"{num(cfg.unfreeze_min_equity)}, daily PnL {pct(m.daily_pnl)}, ESS {m.ess_state}, "
        f"frozen {minutes:.0f} min"
    )
    return [unfreeze_proposal("supervisor", "supervisor", c, reason)]


def restored_mode(p: Policy, m: Metrics, cfg: SupervisorConfig) -> tuple[str, str]:
    """The mode an unfreeze restores, and who is then its setter."""
    mode = p.pre_freeze_mode or "SHADOW"
    if cfg.unfreeze_mode == "SHADOW":
        mode = "SHADOW"
    if mode == "LIVE" and m.critical:
        mode = "SHADOW"
    setter = (p.pre_freeze_setter or "config") if mode == p.pre_freeze_mode else "supervisor"
    return mode, setter


def unfreeze_proposal(role: str, by: str, c: Ctx, reason: str) -> Proposal:
    p = c.policy
    assert p.frozen_since is not None
    mode, setter = restored_mode(p, c.metrics, c.config.supervisor)
    payload = {
        "frozen_since": format_timestamp(p.frozen_since),
        "frozen_minutes": (c.ts - p.frozen_since) / US_PER_MINUTE,
        "restored_mode": mode,
        "by": by,
    }
    return Proposal(role, "unfreeze", CRITICAL, reason, payload, effect={"setter": setter})
