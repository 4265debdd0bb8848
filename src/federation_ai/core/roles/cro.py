"""CRO (rank 2): risk limits by tier (tighten at once, loosen slowly) and ESS policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.core.decisions import Proposal
from federation_ai.core.rounded_compare import ge, gt, pct
from federation_ai.core.vocabulary import ESS_LEVELS, HIGH, SNAPSHOT, TIERS

if TYPE_CHECKING:
    from federation_ai.core.context import Ctx
    from federation_ai.core.core_config import CroConfig


def implied_tier(dd: float | None, rolling: float | None, cfg: CroConfig) -> int | None:
    if dd is None:
        return None
    if gt(dd, cfg.emergency_drawdown) or gt(rolling, cfg.emergency_rolling_drawdown):
        return 3
    if ge(dd, cfg.warning_drawdown):
        return 2
    if ge(dd, cfg.caution_drawdown):
        return 1
    return 0


def tier_limits(tier: int, cfg: CroConfig) -> dict[str, float]:
    f = cfg.tier_factors[tier]
    return {
        "max_leverage": cfg.max_leverage * f,
        "max_position_size_pct": cfg.max_position_size_pct * f,
        "max_exposure_pct": cfg.max_exposure_pct * f,
        "max_drawdown_pct": cfg.max_drawdown_pct,
        "stop_loss_multiplier": cfg.stop_loss_multiplier * cfg.stop_loss_factors[tier],
    }


def ess_level(dd: float | None, cfg: CroConfig) -> str | None:
    if dd is None:
        return None
    for level, threshold in (
        ("CRITICAL", cfg.ess_critical),
        ("WARNING", cfg.ess_warning),
        ("CAUTION", cfg.ess_caution),
    ):
        if ge(dd, threshold):
            return level
    return ESS_LEVELS[0]


def propose(c: Ctx) -> list[Proposal]:
    m, p, cfg = c.metrics, c.policy, c.config.cro
    out: list[Proposal] = []
    implied = implied_tier(m.dd, m.rolling_mdd, cfg)
    target = None
    if implied is not None:
        if c.event.event_type == SNAPSHOT and implied > p.tier:
            target, verb = implied, "tighten"
        elif c.day_closed and implied < p.tier and gt(m.last_day_return, 0.0):
            target, verb = p.tier - 1, "loosen after profit day"
    if target is not None:
        reason = (
            f"{verb}: DD {pct(m.dd)}, rolling max DD {pct(m.rolling_mdd)}, implied tier "
            f"{TIERS[implied or 0]}: {TIERS[p.tier]} -> {TIERS[target]}"
        )
        payload: dict[str, object] = {"tier": TIERS[target], **tier_limits(target, cfg)}
        out.append(Proposal("cro", "risk_adjustment", HIGH, reason, payload, value=TIERS[target]))
    level = ess_level(m.dd, cfg)
    if level is not None and level != p.ess_level:
        reason = f"ESS level from DD {pct(m.dd)}: {p.ess_level} -> {level}"
        payload = {
            "level": level,
            "caution_threshold_pct": cfg.ess_caution,
            "warning_threshold_pct": cfg.ess_warning,
            "critical_threshold_pct": cfg.ess_critical,
        }
        out.append(Proposal("cro", "ess_policy", HIGH, reason, payload, value=level))
    return out
