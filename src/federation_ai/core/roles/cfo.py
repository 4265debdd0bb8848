"""CFO (rank 5): cashflow split of realized profit, chosen at day close."""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.core.decisions import Proposal
from federation_ai.core.rounded_compare import gt, lt, pct
from federation_ai.core.vocabulary import NORMAL

if TYPE_CHECKING:
    from federation_ai.core.context import Ctx

_OPS = {">": gt, "<": lt}


def propose(c: Ctx) -> list[Proposal]:
    if not c.day_closed:
        return []
    m, cfg = c.metrics, c.config.cfo
    values = {"day_return": m.last_day_return, "drawdown": m.dd, "reserve_ratio": m.reserve_ratio()}
    policy = next(
        name
        for name, conditions in cfg.policies
        if all(_OPS[op](values[metric], threshold) for metric, op, threshold in conditions)
    )
    current = c.policy.cashflow
    if policy == current:
        return []
    lock, reinvest, reserve = cfg.splits[policy]
    reason = (
        f"{current} -> {policy}: DD {pct(m.dd)}, reserve ratio {pct(values['reserve_ratio'])}, "
        f"day return {pct(m.last_day_return)}"
    )
    payload = {
        "policy": policy,
        "profit_lock_pct": lock,
        "reinvest_pct": reinvest,
        "reserve_buffer_pct": reserve,
    }
    return [Proposal("cfo", "cashflow", NORMAL, reason, payload, value=policy)]
