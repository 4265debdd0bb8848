"""Early warnings: a freeze limit is close (pure, stdlib, no I/O).

Computed from an account's metrics after each step, OUTSIDE the decision state:
warnings are not decisions, never change a decision or its id, and a replay of
the same events gives the same warnings as the live service.

A warning fires once per crossing of its threshold. It stays *active* until the
metric moves back past the threshold by ``rearm_margin`` (hysteresis), and only
then can it fire again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from federation_ai.core.core_config import ConfigError
from federation_ai.core.micros import format_timestamp
from federation_ai.core.rounded_compare import PLACES, ge, gt, le, lt

if TYPE_CHECKING:
    from federation_ai.core.account_metrics import Metrics
    from federation_ai.core.core_config import SupervisorConfig
    from federation_ai.core.state import AccountState


class Limit(StrEnum):
    """The Supervisor's freeze limits that have an early warning."""

    DRAWDOWN = "drawdown"
    DAILY_LOSS = "daily_loss"
    CONSECUTIVE_LOSSES = "consecutive_losses"
    LOW_EQUITY = "low_equity"


LIMITS: tuple[Limit, ...] = tuple(Limit)


@dataclass(frozen=True, slots=True)
class WarningsConfig:
    """The ``[warnings]`` section (docs/configuration.md)."""

    enabled: bool = True
    drawdown_fraction: float = 0.80  # warn at DD >= 80 % of supervisor.freeze_drawdown
    daily_loss_fraction: float = 0.80  # warn at daily PnL <= -80 % of freeze_daily_loss
    equity_ratio: float = 1.25  # warn at equity <= 125 % of supervisor.freeze_min_equity
    losses_before: int = 1  # warn at consecutive losses >= freeze_consecutive_losses - 1
    # re-armed once the metric is back past the threshold by this fraction of the limit
    rearm_margin: float = 0.10
    rearm_losses: int = 1  # consecutive losses re-arm this many below the threshold

    def __reduce__(self) -> tuple[type[WarningsConfig], tuple[Any, ...]]:
        """Pickled by its fields (``--jobs``): a compiled frozen dataclass cannot be
        unpickled attribute by attribute."""
        return type(self), tuple(getattr(self, f.name) for f in fields(self))

    def __post_init__(self) -> None:
        for name in ("drawdown_fraction", "daily_loss_fraction"):
            if not 0 < getattr(self, name) <= 1:
                raise ConfigError(f"warnings.{name}", "must be > 0 and <= 1")
        if self.equity_ratio < 1:
            raise ConfigError("warnings.equity_ratio", "must be >= 1")
        if self.losses_before < 0:
            raise ConfigError("warnings.losses_before", "must be >= 0")
        if self.rearm_margin < 0:
            raise ConfigError("warnings.rearm_margin", "must be >= 0")
        if self.rearm_losses < 1:
            raise ConfigError("warnings.rearm_losses", "must be >= 1")


@dataclass(frozen=True, slots=True)
class EarlyWarning:
    account_id: str
    limit: Limit
    value: float  # the metric when the warning fired
    threshold: float  # the warning threshold it crossed
    freeze_at: float  # the Supervisor's freeze limit
    timestamp: int  # the event's time, UTC microseconds
    event_id: str  # the event after whose step it fired

    @property
    def warning_id(self) -> str:
        key = f"{self.account_id}|{self.limit}|{self.event_id}"
        return "w-" + hashlib.sha256(key.encode()).hexdigest()[:24]

    def to_dict(self) -> dict[str, Any]:
        return {
            "warning_id": self.warning_id,
            "account_id": self.account_id,
            "limit": str(self.limit),
            "value": round(self.value, PLACES),
            "threshold": round(self.threshold, PLACES),
            "freeze_at": self.freeze_at,
            "timestamp": format_timestamp(self.timestamp),
            "event_id": self.event_id,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


# account id -> the limits whose warning is active (fired, not yet re-armed)
WarningState = Mapping[str, frozenset[Limit]]


class _Rule(NamedTuple):  # built for every limit after every step: a tuple is cheap
    value: float | None
    threshold: float
    freeze_at: float
    crossed: bool
    rearmed: bool


class _Thresholds(NamedTuple):
    dd_at: float
    dd_back: float
    pnl_at: float
    pnl_back: float
    eq_at: float
    eq_back: float
    cl_at: int


@functools.lru_cache(maxsize=8)
def _thresholds(s: SupervisorConfig, w: WarningsConfig) -> _Thresholds:
    dd_at = round(w.drawdown_fraction * s.freeze_drawdown, PLACES)
    pnl_at = round(-w.daily_loss_fraction * s.freeze_daily_loss, PLACES)
    eq_at = round(w.equity_ratio * s.freeze_min_equity, PLACES)
    return _Thresholds(
        dd_at=dd_at,
        dd_back=round(dd_at - w.rearm_margin * s.freeze_drawdown, PLACES),
        pnl_at=pnl_at,
        pnl_back=round(pnl_at + w.rearm_margin * s.freeze_daily_loss, PLACES),
        eq_at=eq_at,
        eq_back=round(eq_at + w.rearm_margin * s.freeze_min_equity, PLACES),
        cl_at=s.freeze_consecutive_losses - w.losses_before,
    )


def _any_crossed(m: Metrics, t: _Thresholds) -> bool:
    """The quick check of the common case: no limit near (nothing to build)."""
    return (
        ge(m.dd, t.dd_at)
        or le(m.daily_pnl, t.pnl_at)
        or m.consecutive_losses >= t.cl_at
        or le(m.equity, t.eq_at)
    )


def _rules(
    m: Metrics, s: SupervisorConfig, w: WarningsConfig, t: _Thresholds
) -> tuple[tuple[Limit, _Rule], ...]:
    dd_at, dd_back, pnl_at, pnl_back = t.dd_at, t.dd_back, t.pnl_at, t.pnl_back
    eq_at, eq_back, cl_at = t.eq_at, t.eq_back, t.cl_at
    cl = m.consecutive_losses
    pnl = m.daily_pnl
    return (
        (
            Limit.DRAWDOWN,
            _Rule(
                m.dd, dd_at, s.freeze_drawdown, ge(m.dd, dd_at), m.dd is None or lt(m.dd, dd_back)
            ),
        ),
        (
            Limit.DAILY_LOSS,
            _Rule(
                pnl, pnl_at, -s.freeze_daily_loss, le(pnl, pnl_at), pnl is None or gt(pnl, pnl_back)
            ),
        ),
        (
            Limit.CONSECUTIVE_LOSSES,
            _Rule(
                float(cl),
                float(cl_at),
                float(s.freeze_consecutive_losses),
                cl >= cl_at,
                cl <= cl_at - w.rearm_losses,
            ),
        ),
        (
            Limit.LOW_EQUITY,
            _Rule(
                m.equity,
                eq_at,
                s.freeze_min_equity,
                le(m.equity, eq_at),
                m.equity is None or gt(m.equity, eq_back),
            ),
        ),
    )


def evaluate(
    state: WarningState,
    account: AccountState,
    supervisor: SupervisorConfig,
    config: WarningsConfig,
) -> tuple[WarningState, list[EarlyWarning]]:
    """The new warning state and the warnings that fire after a processed step of ``account``
    (its metrics, its last event's id and time).

    ``state`` is never changed: when the account's active set changes, the result is a
    new mapping (sharing the other accounts' entries), else ``state`` itself.
    """
    if not config.enabled or account.last_ts is None or account.last_event_id is None:
        return state, []
    account_id, ts, event_id = account.account_id, account.last_ts, account.last_event_id
    before = state.get(account_id, frozenset())
    thresholds = _thresholds(supervisor, config)
    if not before and not _any_crossed(account.metrics, thresholds):
        return state, []
    active = set(before)
    fired: list[EarlyWarning] = []
    for limit, rule in _rules(account.metrics, supervisor, config, thresholds):
        if limit in active:
            if rule.rearmed and not rule.crossed:
                active.discard(limit)
        elif rule.crossed:
            active.add(limit)
            assert rule.value is not None  # a crossed rule has a defined metric
            fired.append(
                EarlyWarning(
                    account_id, limit, rule.value, rule.threshold, rule.freeze_at, ts, event_id
                )
            )
    if active == before:
        return state, fired
    out = dict(state)
    if active:
        out[account_id] = frozenset(active)
    else:
        out.pop(account_id, None)
    return out, fired


def seed(
    metrics: Metrics, supervisor: SupervisorConfig, config: WarningsConfig
) -> frozenset[Limit]:
    """The limits past their warning threshold now: active without firing (after a restart)."""
    if not config.enabled:
        return frozenset()
    rules = _rules(metrics, supervisor, config, _thresholds(supervisor, config))
    return frozenset(limit for limit, rule in rules if rule.crossed)
