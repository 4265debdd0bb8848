"""The sections of the decision core's configuration, one per role plus ``metrics``:
frozen, every number of SPEC a default. ``core_config.CoreConfig`` holds one of each."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    mdd_window_days: int = 30
    sharpe_window_days: int = 30
    min_sharpe_days: int = 5
    win_rate_window: int = 50
    min_trades: int = 10
    dedup_window: int = 1024  # recent event ids kept per account for idempotency


@dataclass(frozen=True, slots=True)
class SupervisorConfig:
    freeze_drawdown: float = 0.10
    freeze_daily_loss: float = 0.05
    freeze_consecutive_losses: int = 5
    freeze_min_equity: float = 1000.0
    unfreeze_max_drawdown: float = 0.05
    unfreeze_min_equity: float = 1500.0
    min_freeze_minutes: float = 60.0
    unfreeze_mode: str | None = None  # "SHADOW" forces SHADOW on every unfreeze


@dataclass(frozen=True, slots=True)
class CroConfig:
    max_leverage: float = 3.0
    max_position_size_pct: float = 0.10
    max_exposure_pct: float = 1.0
    max_drawdown_pct: float = 0.10
    stop_loss_multiplier: float = 1.0
    caution_drawdown: float = 0.03
    warning_drawdown: float = 0.05
    emergency_drawdown: float = 0.06
    emergency_rolling_drawdown: float = 0.08
    tier_factors: tuple[float, ...] = (1.0, 0.75, 0.5, 0.25)
    stop_loss_factors: tuple[float, ...] = (1.0, 0.9, 0.8, 0.6)
    ess_caution: float = 0.03
    ess_warning: float = 0.05
    ess_critical: float = 0.08


@dataclass(frozen=True, slots=True)
class CeoConfig:
    initial_profile: str = "LOW"
    initial_mode: str = "LIVE"
    # profile -> (max_risk_per_trade_pct, max_daily_risk_pct, max_positions)
    profiles: dict[str, tuple[float, float, int]] = field(
        default_factory=lambda: {
            "MICRO": (0.005, 0.02, 2),
            "LOW": (0.01, 0.03, 3),
            "NORMAL": (0.02, 0.05, 5),
            "AGGRESSIVE": (0.05, 0.10, 8),
        }
    )
    emergency_drawdown: float = 0.08
    downgrade_loss_days: int = 3
    downgrade_drawdown: float = 0.05
    downgrade_win_rate: float = 0.40
    upgrade_profit_days: int = 5
    upgrade_drawdown: float = 0.03
    upgrade_win_rate: float = 0.60
    upgrade_sharpe: float = 1.5
    # health status -> mode the CEO demotes to
    health_modes: dict[str, str] = field(
        default_factory=lambda: {"CRITICAL": "PAUSED", "DEGRADED": "SHADOW"}
    )


@dataclass(frozen=True, slots=True)
class CioConfig:
    models: tuple[str, ...] = ("xgboost", "lightgbm", "nhits", "patchtst")
    min_score: float = 0.1
    rebalance_threshold: float = 0.05
    active_weight: float = 0.10
    candidates: tuple[str, ...] = (
        "BTCUSDT",
        "ETHUSDT",
        "BNBUSDT",
        "SOLUSDT",
        "XRPUSDT",
        "ADAUSDT",
        "DOGEUSDT",
        "AVAXUSDT",
        "DOTUSDT",
        "LINKUSDT",
        "LTCUSDT",
        "TRXUSDT",
    )
    initial_symbols: int = 5
    min_symbols: int = 3
    max_symbols: int = 12
    symbol_step: int = 2
    contract_drawdown: float = 0.05
    contract_win_rate: float = 0.45
    expand_drawdown: float = 0.02
    expand_win_rate: float = 0.60


@dataclass(frozen=True, slots=True)
class CfoConfig:
    initial_policy: str = "balanced"
    # Checked in order; the first whose every condition holds wins. A condition is
    # (metric, operator, threshold) over day_return, drawdown, reserve_ratio.
    policies: tuple[tuple[str, tuple[tuple[str, str, float], ...]], ...] = (
        ("defensive", (("drawdown", ">", 0.05),)),
        ("rebuild_reserve", (("reserve_ratio", "<", 0.05),)),
        ("harvest", (("day_return", ">", 0.02), ("drawdown", "<", 0.02))),
        ("growth", (("reserve_ratio", ">", 0.15),)),
        ("balanced", ()),
    )
    # policy -> (profit_lock_pct, reinvest_pct, reserve_buffer_pct)
    splits: dict[str, tuple[float, float, float]] = field(
        default_factory=lambda: {
            "defensive": (0.60, 0.25, 0.15),
            "rebuild_reserve": (0.20, 0.50, 0.30),
            "harvest": (0.30, 0.60, 0.10),
            "growth": (0.25, 0.70, 0.05),
            "balanced": (0.40, 0.50, 0.10),
        }
    )


@dataclass(frozen=True, slots=True)
class ResearcherConfig:
    tuning_sharpe: float = 1.0
    feature_win_rate: float = 0.50
    stale_days: float = 30.0
    risk_drawdown: float = 0.06
    backtest_win_rate: float = 0.45
    research_cooldown_days: float = 7.0
