"""Researcher (rank 6): research tasks per model and per account, with a cooldown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from federation_ai.core.decisions import Proposal
from federation_ai.core.micros import US_PER_DAY
from federation_ai.core.rounded_compare import gt, lt, pct
from federation_ai.core.vocabulary import LOW, MODEL, SNAPSHOT

if TYPE_CHECKING:
    from federation_ai.core.context import Ctx


def research_key(task_type: str, model: str | None) -> str:
    return f"{task_type}|{model or ''}"


def propose(c: Ctx) -> list[Proposal]:
    cfg = c.config.researcher
    m = c.metrics
    wanted: list[tuple[str, str | None, str, str, dict[str, float], int]] = []
    if c.event.event_type == MODEL:
        name = c.event.payload["model_name"]
        s = m.models[name]
        if lt(s.sharpe, cfg.tuning_sharpe):
            gain = min(0.5, (cfg.tuning_sharpe - s.sharpe) / 2)
            why = f"Sharpe {s.sharpe:.2f} < {cfg.tuning_sharpe}"
            wanted.append(
                (
                    "hyperparameter_tuning",
                    name,
                    why,
                    "hyperparameter tuning",
                    {"sharpe_ratio": gain},
                    4,
                )
            )
        if lt(s.win_rate, cfg.feature_win_rate):
            gain = min(0.05, (cfg.feature_win_rate - s.win_rate) / 2)
            why = f"win rate {pct(s.win_rate)} < {pct(cfg.feature_win_rate)}"
            wanted.append(
                ("feature_engineering", name, why, "feature engineering", {"win_rate": gain}, 8)
            )
        stale = s.staleness_days(c.ts)
        if gt(stale, cfg.stale_days):
            why = f"{stale:.1f} days since training > {cfg.stale_days:g}"
            wanted.append(("model_retraining", name, why, "retraining", {"sharpe_ratio": 0.1}, 6))
    if c.event.event_type == SNAPSHOT and gt(m.dd, cfg.risk_drawdown):
        assert m.dd is not None
        gain = -min(0.02, (m.dd - cfg.risk_drawdown) / 2)
        why = f"DD {pct(m.dd)} > {pct(cfg.risk_drawdown)}"
        wanted.append(("risk_analysis", None, why, "risk analysis", {"drawdown": gain}, 2))
    if c.day_closed:
        wr = m.win_rate(c.config.metrics)
        if lt(wr, cfg.backtest_win_rate):
            assert wr is not None
            gain = min(0.05, (cfg.backtest_win_rate - wr) / 2)
            why = f"win rate {pct(wr)} < {pct(cfg.backtest_win_rate)}"
            wanted.append(("backtest", None, why, "backtest", {"win_rate": gain}, 3))
    cooldown = round(cfg.research_cooldown_days * US_PER_DAY)
    last = c.policy.research_last
    out = []
    for task, model, why, title, impact, hours in wanted:
        issued = last.get(research_key(task, model))
        if issued is not None and c.ts - issued < cooldown:
            continue
        payload: dict[str, Any] = {
            "task_type": task,
            "model_name": model,
            "description": f"{title} for {model or 'the account'}: {why}",
            "expected_impact": impact,
            "estimated_duration_hours": hours,
        }
        out.append(Proposal("researcher", "research_task", LOW, f"{task}: {why}", payload))
    return out
