"""CEO (rank 3): capital profile (emergency downgrade, daily review) and mode from health."""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.core.decisions import Proposal
from federation_ai.core.rounded_compare import gt, lt, num, pct
from federation_ai.core.vocabulary import CRITICAL, HEALTH, HIGH, MODE_LEVEL, PROFILES, SNAPSHOT

if TYPE_CHECKING:
    from federation_ai.core.context import Ctx


def propose(c: Ctx) -> list[Proposal]:
    out: list[Proposal] = []
    emergency = _emergency(c) if c.event.event_type == SNAPSHOT else None
    if emergency is not None:
        out.append(emergency)
    elif c.day_closed:
        out.extend(_daily_review(c))
    if c.event.event_type == HEALTH and "overall_status" in c.event.payload:
        out.extend(_mode_from_health(c))
    return out


def _profile_proposal(c: Ctx, profile: str, priority: int, reason: str) -> Proposal:
    risk, daily, positions = c.config.ceo.profiles[profile]
    payload = {
        "profile": profile,
        "previous_profile": c.policy.profile,
        "max_risk_per_trade_pct": risk,
        "max_daily_risk_pct": daily,
        "max_positions": positions,
    }
    return Proposal("ceo", "capital_profile", priority, reason, payload, value=profile)


def _emergency(c: Ctx) -> Proposal | None:
    m, p, cfg = c.metrics, c.policy, c.config.ceo
    if p.profile == "MICRO" or not gt(m.dd, cfg.emergency_drawdown):
        return None
    reason = (
        f"emergency downgrade: DD {pct(m.dd)} > {pct(cfg.emergency_drawdown)}: {p.profile} -> MICRO"
    )
    return _profile_proposal(c, "MICRO", CRITICAL, reason)


def _daily_review(c: Ctx) -> list[Proposal]:
    m, p, cfg = c.metrics, c.policy, c.config.ceo
    wr = m.win_rate(c.config.metrics)
    sharpe = m.sharpe(c.config.metrics)
    level = PROFILES.index(p.profile)
    profit_days = min(m.profit_streak, m.closed_days - p.profile_changed_day)
    down = (
        m.loss_streak >= cfg.downgrade_loss_days
        or gt(m.dd, cfg.downgrade_drawdown)
        or lt(wr, cfg.downgrade_win_rate)
    )
    target = None
    if down:
        if level > 0:
            target = PROFILES[level - 1]
    elif (
        profit_days >= cfg.upgrade_profit_days
        and lt(m.dd, cfg.upgrade_drawdown)
        and gt(wr, cfg.upgrade_win_rate)
        and gt(sharpe, cfg.upgrade_sharpe)
        and level < len(PROFILES) - 1
    ):
        target = PROFILES[level + 1]
    if target is None:
        return []
    reason = (
        f"daily review: {profit_days} profit days, {m.loss_streak} loss days, DD {pct(m.dd)}, "
        f"WR {pct(wr)}, Sharpe {num(sharpe)}: {p.profile} -> {target}"
    )
    return [_profile_proposal(c, target, HIGH, reason)]


def _mode_from_health(c: Ctx) -> list[Proposal]:
    m, p, cfg = c.metrics, c.policy, c.config.ceo
    status = m.overall_status
    current = p.mode
    target: str | None = None
    demote = cfg.health_modes.get(status or "")
    if demote is not None:
        own = p.mode_setter == "ceo"
        if demote != current and (own or MODE_LEVEL[demote] < MODE_LEVEL[current]):
            target = demote
    elif p.ceo_restore is not None and p.ceo_restore != current:
        target = p.ceo_restore
    if target is None:
        return []
    reason = f"health {status}: {current} -> {target}"
    payload = {"mode": target, "previous_mode": current, "duration_minutes": None}
    restore = p.ceo_restore if demote is not None else None
    if demote is not None and restore is None:
        restore = current
    return [
        Proposal(
            "ceo",
            "mode_change",
            HIGH,
            reason,
            payload,
            value=target,
            effect={"ceo_restore": restore},
        )
    ]
