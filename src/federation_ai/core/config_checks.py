"""The rules between a configuration's values (orderings, sums, names that must exist),
one function per section; the first rule broken raises ``ConfigError`` with its key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.core.config_reading import ConfigError
from federation_ai.core.vocabulary import MODES, PROFILES

if TYPE_CHECKING:
    from federation_ai.core.config_sections import (
        CeoConfig,
        CfoConfig,
        CioConfig,
        CroConfig,
        MetricsConfig,
        SupervisorConfig,
    )
    from federation_ai.core.core_config import CoreConfig


def _require(cond: bool, key: str, reason: str) -> None:
    if not cond:
        raise ConfigError(key, reason)


def check_semantics(cfg: CoreConfig) -> None:
    _metrics(cfg.metrics)
    _supervisor(cfg.supervisor)
    _cro(cfg.cro)
    _ceo(cfg.ceo)
    _cio(cfg.cio)
    _cfo(cfg.cfo)


def _metrics(m: MetricsConfig) -> None:
    for name in ("mdd_window_days", "sharpe_window_days", "win_rate_window", "dedup_window"):
        _require(getattr(m, name) >= 1, f"metrics.{name}", "must be at least 1")
    _require(m.min_sharpe_days >= 2, "metrics.min_sharpe_days", "must be at least 2")
    _require(m.min_trades >= 1, "metrics.min_trades", "must be at least 1")


def _supervisor(s: SupervisorConfig) -> None:
    _require(
        s.unfreeze_mode in (None, "SHADOW"), "supervisor.unfreeze_mode", "must be SHADOW or absent"
    )
    _require(s.min_freeze_minutes >= 0, "supervisor.min_freeze_minutes", "must be >= 0")


def _cro(cro: CroConfig) -> None:
    _require(len(cro.tier_factors) == 4, "cro.tier_factors", "must have 4 items (one per tier)")
    _require(len(cro.stop_loss_factors) == 4, "cro.stop_loss_factors", "must have 4 items")
    _require(
        cro.ess_caution <= cro.ess_warning <= cro.ess_critical,
        "cro.ess_caution",
        "ESS thresholds must satisfy caution <= warning <= critical",
    )


def _ceo(ceo: CeoConfig) -> None:
    _require(ceo.initial_profile in PROFILES, "ceo.initial_profile", f"must be one of {PROFILES}")
    _require(ceo.initial_mode in MODES[1:], "ceo.initial_mode", "must be LIVE, SHADOW or PAUSED")
    _require(set(ceo.profiles) == set(PROFILES), "ceo.profiles", f"must define {PROFILES}")
    for status, mode in ceo.health_modes.items():
        _require(mode in MODES[1:], f"ceo.health_modes.{status}", "must be SHADOW or PAUSED")


def _cio(cio: CioConfig) -> None:
    _require(len(cio.models) >= 1, "cio.models", "must name at least one model")
    _require(
        1 <= cio.min_symbols <= cio.initial_symbols <= cio.max_symbols <= len(cio.candidates),
        "cio.initial_symbols",
        "must satisfy 1 <= min_symbols <= initial_symbols <= max_symbols <= len(candidates)",
    )
    _require(cio.symbol_step >= 1, "cio.symbol_step", "must be at least 1")


def _cfo(cfo: CfoConfig) -> None:
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
