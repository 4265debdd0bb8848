"""The effective policy of an account (SPEC §7) as plain JSON, for adapters, API and replay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from federation_ai.core.micros import format_timestamp

if TYPE_CHECKING:
    from federation_ai.core.core_config import CoreConfig
    from federation_ai.core.state import AccountState, Pin, Policy


def _pin(pin: Pin | None, ts: int | None) -> dict[str, Any] | None:
    if pin is None or ts is None or not pin.active(ts):
        return None
    return {
        "key_name": pin.key_name,
        "since": format_timestamp(pin.set_at),
        "until": None if pin.until is None else format_timestamp(pin.until),
    }


def roles_enabled(p: Policy) -> dict[str, bool]:
    """Which roles take part; the Supervisor always does (it cannot be disabled)."""
    return {"supervisor": True, **{k: v for k, v in p.roles_enabled.items() if k != "supervisor"}}


def metrics_view(acct: AccountState, cfg: CoreConfig) -> dict[str, Any]:
    m = acct.metrics
    return {
        "nav": m.nav,
        "peak": m.peak,
        "drawdown": m.dd,
        "rolling_max_drawdown": m.rolling_mdd,
        "daily_pnl_pct": m.daily_pnl,
        "equity": m.equity,
        "reserve_ratio": m.reserve_ratio(),
        "profit_day_streak": m.profit_streak,
        "loss_day_streak": m.loss_streak,
        "closed_days": m.closed_days,
        "sharpe": m.sharpe(cfg.metrics),
        "win_rate": m.win_rate(cfg.metrics),
        "trades_in_window": len(m.trades),
        "consecutive_losses": m.consecutive_losses,
        "ess_state": m.ess_state,
        "overall_status": m.overall_status,
        "models": {
            name: {
                "sharpe_ratio_7d": s.sharpe,
                "win_rate_7d": s.win_rate,
                "total_trades": s.total_trades,
                "updated_at": format_timestamp(s.updated_at),
            }
            for name, s in m.models.items()
        },
    }


def policy_view(acct: AccountState, cfg: CoreConfig) -> dict[str, Any]:
    p = acct.policy
    risk, daily, positions = cfg.ceo.profiles[p.profile]
    lock, reinvest, reserve = cfg.cfo.splits[p.cashflow]
    weights = p.weights
    return {
        "account_id": acct.account_id,
        "mode": p.mode,
        "capital_profile": {
            "profile": p.profile,
            "max_risk_per_trade_pct": risk,
            "max_daily_risk_pct": daily,
            "max_positions": positions,
        },
        "risk_limits": {"tier": p.tier_name, **p.limits},
        "ess": {
            "level": p.ess_level,
            "caution_threshold_pct": cfg.cro.ess_caution,
            "warning_threshold_pct": cfg.cro.ess_warning,
            "critical_threshold_pct": cfg.cro.ess_critical,
        },
        "model_weights": dict(weights),
        "active_strategies": [n for n, w in weights.items() if w >= cfg.cio.active_weight],
        "active_symbols": list(cfg.cio.candidates[: p.n_symbols]),
        "cashflow": {
            "policy": p.cashflow,
            "profit_lock_pct": lock,
            "reinvest_pct": reinvest,
            "reserve_buffer_pct": reserve,
        },
        "frozen": {
            "frozen": p.frozen,
            "triggers": list(p.freeze_triggers),
            "since": None if p.frozen_since is None else format_timestamp(p.frozen_since),
        },
        "open_research_tasks": list(p.open_research.values()),
        "roles_enabled": roles_enabled(p),
        "pinned": {
            "mode": _pin(p.mode_pin, acct.last_ts),
            "risk_adjustment": _pin(p.risk_pin, acct.last_ts),
        },
        "last_event_id": acct.last_event_id,
        "last_event_at": None if acct.last_ts is None else format_timestamp(acct.last_ts),
        "metrics": metrics_view(acct, cfg),
    }
