"""CIO (rank 4): model weights on model updates, symbol universe at day close."""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.core.decisions import Proposal
from federation_ai.core.rounded_compare import gt, lt, pct
from federation_ai.core.vocabulary import MODEL, NORMAL

if TYPE_CHECKING:
    from federation_ai.core.context import Ctx


def propose(c: Ctx) -> list[Proposal]:
    out: list[Proposal] = []
    if c.event.event_type == MODEL:
        out.extend(_weights(c))
    if c.day_closed:
        out.extend(_universe(c))
    return out


def model_order(c: Ctx) -> list[str]:
    """The configured models, then any other model the policy or the metrics know."""
    names = list(c.config.cio.models)
    for n in c.policy.weights:
        if n not in names:
            names.append(n)
    for n in c.metrics.models:
        if n not in names:
            names.append(n)
    return names


def _weights(c: Ctx) -> list[Proposal]:
    cfg = c.config.cio
    models = c.metrics.models
    names = model_order(c)
    floor = cfg.min_score
    scores = [
        floor
        if (s := models.get(name)) is None
        else max(floor, s.sharpe + 2.0 * (s.win_rate - 0.5))
        for name in names
    ]
    total = sum(scores)
    shares = [score / total for score in scores]
    applied = c.policy.weights
    threshold = cfg.rebalance_threshold
    # runs on every model update: most of them move no weight past the threshold
    if not any(
        gt(abs(w - applied.get(n, 0.0)), threshold) for n, w in zip(names, shares, strict=True)
    ):
        return []
    weights = dict(zip(names, shares, strict=True))
    active = [n for n, w in weights.items() if w >= cfg.active_weight]
    reason = "rebalance: " + ", ".join(f"{n} {w:.3f}" for n, w in weights.items())
    payload = {"model_weights": weights, "active_strategies": active}
    value = [round(weights[n], 9) for n in names]
    return [Proposal("cio", "strategy_allocation", NORMAL, reason, payload, value=value)]


def _universe(c: Ctx) -> list[Proposal]:
    m, cfg = c.metrics, c.config.cio
    wr = m.win_rate(c.config.metrics)
    n = c.policy.n_symbols
    if gt(m.dd, cfg.contract_drawdown) or lt(wr, cfg.contract_win_rate):
        target, verb = max(cfg.min_symbols, n - cfg.symbol_step), "contract"
    elif lt(m.dd, cfg.expand_drawdown) and gt(wr, cfg.expand_win_rate):
        target, verb = min(cfg.max_symbols, n + cfg.symbol_step), "expand"
    else:
        return []
    if target == n:
        return []
    old, new = cfg.candidates[:n], cfg.candidates[:target]
    payload = {
        "active_symbols": list(new),
        "added": [s for s in new if s not in old],
        "removed": [s for s in old if s not in new],
    }
    reason = f"{verb}: DD {pct(m.dd)}, WR {pct(wr)}: {n} -> {target} symbols"
    return [Proposal("cio", "symbol_universe", NORMAL, reason, payload, value=target)]
