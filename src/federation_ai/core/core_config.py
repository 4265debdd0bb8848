"""The decision core's configuration: frozen, validated, with a SHA-256 digest.

Every number of SPEC is a default here. Sections mirror the TOML file: one per
role plus ``metrics`` and ``core``. ``CoreConfig.from_mapping`` validates a plain
mapping (from TOML and the environment) and names the offending key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import types
import typing
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from federation_ai.core.vocabulary import MODES, PROFILES


class ConfigError(ValueError):
    """Invalid configuration; ``key`` is the dotted path of the offending key."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


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


@dataclass(frozen=True)
class CoreConfig:
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    supervisor: SupervisorConfig = field(default_factory=SupervisorConfig)
    cro: CroConfig = field(default_factory=CroConfig)
    ceo: CeoConfig = field(default_factory=CeoConfig)
    cio: CioConfig = field(default_factory=CioConfig)
    cfo: CfoConfig = field(default_factory=CfoConfig)
    researcher: ResearcherConfig = field(default_factory=ResearcherConfig)

    def __post_init__(self) -> None:
        _check_semantics(self)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @cached_property
    def digest(self) -> str:
        """``sha256:<hex>`` of the canonical JSON of the effective configuration."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> CoreConfig:
        """Build from a nested mapping; unknown or ill-typed keys raise ConfigError."""
        sections: dict[str, Any] = {}
        known = {f.name: f for f in dataclasses.fields(cls)}
        for name, value in data.items():
            if name not in known:
                raise ConfigError(name, f"unknown section (known: {', '.join(known)})")
            if not isinstance(value, dict):
                raise ConfigError(name, "must be a table")
            section_type = section_hints(cls)[name]
            sections[name] = build_section(section_type, value, name)
        return cls(**sections)


# Field types, resolved on first use (dataclasses with `from __future__ import
# annotations` keep annotations as strings).
_HINTS: dict[type, dict[str, Any]] = {}


def section_hints(section: type) -> dict[str, Any]:
    if section not in _HINTS:
        _HINTS[section] = typing.get_type_hints(section)
    return _HINTS[section]


def build_section(section: type, values: dict[str, Any], prefix: str) -> Any:
    hints = section_hints(section)
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{prefix}.{key}"
        if key not in hints:
            raise ConfigError(path, f"unknown key (known: {', '.join(hints)})")
        kwargs[key] = _coerce(hints[key], value, path)
    return section(**kwargs)


def _coerce(hint: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, path)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(path, f"must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(path, f"must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(path, f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(path, "must be finite")
        return round(float(value), 9)  # thresholds compare at 9 decimals (SPEC §3)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(path, f"must be a string, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(path, f"must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ConfigError(path, f"must have {len(args)} items, got {len(value)}")
        return tuple(
            _coerce(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True))
        )
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(path, f"must be a table, got {value!r}")
        return {
            _coerce(args[0], k, path): _coerce(args[1], v, f"{path}.{k}") for k, v in value.items()
        }
    raise ConfigError(path, f"unsupported setting type {hint!r}")  # pragma: no cover


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _require(cond: bool, key: str, reason: str) -> None:
    if not cond:
        raise ConfigError(key, reason)


def _check_semantics(cfg: CoreConfig) -> None:
    m, s, cro, ceo, cio, cfo = cfg.metrics, cfg.supervisor, cfg.cro, cfg.ceo, cfg.cio, cfg.cfo
    for name in ("mdd_window_days", "sharpe_window_days", "win_rate_window", "dedup_window"):
        _require(getattr(m, name) >= 1, f"metrics.{name}", "must be at least 1")
    _require(m.min_sharpe_days >= 2, "metrics.min_sharpe_days", "must be at least 2")
    _require(m.min_trades >= 1, "metrics.min_trades", "must be at least 1")
    _require(
        s.unfreeze_mode in (None, "SHADOW"), "supervisor.unfreeze_mode", "must be SHADOW or absent"
    )
    _require(s.min_freeze_minutes >= 0, "supervisor.min_freeze_minutes", "must be >= 0")
    _require(len(cro.tier_factors) == 4, "cro.tier_factors", "must have 4 items (one per tier)")
    _require(len(cro.stop_loss_factors) == 4, "cro.stop_loss_factors", "must have 4 items")
    _require(
        cro.ess_caution <= cro.ess_warning <= cro.ess_critical,
        "cro.ess_caution",
        "ESS thresholds must satisfy caution <= warning <= critical",
    )
    _require(ceo.initial_profile in PROFILES, "ceo.initial_profile", f"must be one of {PROFILES}")
    _require(ceo.initial_mode in MODES[1:], "ceo.initial_mode", "must be LIVE, SHADOW or PAUSED")
    _require(set(ceo.profiles) == set(PROFILES), "ceo.profiles", f"must define {PROFILES}")
    for status, mode in ceo.health_modes.items():
        _require(mode in MODES[1:], f"ceo.health_modes.{status}", "must be SHADOW or PAUSED")
    _require(len(cio.models) >= 1, "cio.models", "must name at least one model")
    _require(
        1 <= cio.min_symbols <= cio.initial_symbols <= cio.max_symbols <= len(cio.candidates),
        "cio.initial_symbols",
        "must satisfy 1 <= min_symbols <= initial_symbols <= max_symbols <= len(candidates)",
    )
    _require(cio.symbol_step >= 1, "cio.symbol_step", "must be at least 1")
    names = [p[0] for p in cfo.policies]
    _require(cfo.initial_policy in names, "cfo.initial_policy", f"must be one of {names}")
    for name in names:
        _require(name in cfo.splits, f"cfo.splits.{name}", "missing split for policy")
        split = cfo.splits[name]
        _require(abs(sum(split) - 1.0) < 1e-9, f"cfo.splits.{name}", "must sum to 1")
    for name, conds in cfo.policies:
        for metric, op, _ in conds:
            _require(
                metric in ("day_return", "drawdown", "reserve_ratio"),
                f"cfo.policies.{name}",
                f"unknown metric {metric!r}",
            )
            _require(op in ("<", ">"), f"cfo.policies.{name}", f"unknown operator {op!r}")
