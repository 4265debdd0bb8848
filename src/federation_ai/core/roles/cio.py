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
    names = list(c.config.cio.models)
    names += [n for n in c.policy.weights if n not in names]
    names += [n for n in c.metrics.models if n not in names]
    return names


def _weights(c: Ctx) -> list[Proposal]:
    cfg = c.config.cio
    models = c.metrics.models
    names = model_order(c)
    floor = cfg.min_score
    scores = []
    for name in names:
        s = models.get(name)
        scores.append(floor if s is None else max(floor, s.sharpe + 2.0 * (s.win_rate - 0.5)))
    total = sum(scores)
    weights = {n: score / total for n, score in zip(names, scores, strict=True)}
    applied = c.policy.weights
    threshold = cfg.rebalance_threshold
    for n, w in weights.items():
        if gt(abs(w - applied.get(n, 0.0)), threshold):
            break
    else:
        return []
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
