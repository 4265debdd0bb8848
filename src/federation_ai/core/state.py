"""Per-account state: metrics plus the effective policy (SPEC §7), JSON round-trippable."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from federation_ai.core.account_metrics import Metrics, ModelStats
from federation_ai.core.vocabulary import ROLES, TIERS

if TYPE_CHECKING:
    from federation_ai.core.core_config import CoreConfig


@dataclass(slots=True)
class Pin:
    """An operator pin: the role's decisions of this type are superseded while active."""

    key_name: str
    set_at: int
    until: int | None  # None = until the next operator command of that type

    def active(self, ts: int) -> bool:
        return self.until is None or ts < self.until


@dataclass(slots=True)
class Policy:
    mode: str
    mode_setter: str  # "config", "ceo", "operator" or "supervisor"
    profile: str
    limits: dict[str, float]
    weights: dict[str, float]
    n_symbols: int
    cashflow: str
    tier: int = 0
    ess_level: str | None = None
    ceo_restore: str | None = None  # mode held before the CEO's own health demotion
    profile_changed_day: int = 0  # closed-day count at the last applied profile change
    frozen: bool = False
    freeze_triggers: list[str] = field(default_factory=list)
    frozen_since: int | None = None
    pre_freeze_mode: str | None = None
    pre_freeze_setter: str | None = None
    roles_enabled: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(ROLES, True))
    mode_pin: Pin | None = None
    risk_pin: Pin | None = None
    research_last: dict[str, int] = field(default_factory=dict)  # "task|model" -> issued at
    open_research: dict[str, dict[str, Any]] = field(default_factory=dict)
    memo: dict[str, str] = field(default_factory=dict)  # edge-trigger memory

    @classmethod
    def initial(cls, cfg: CoreConfig) -> Policy:
        cro, cio = cfg.cro, cfg.cio
        return cls(
            mode=cfg.ceo.initial_mode,
            mode_setter="config",
            profile=cfg.ceo.initial_profile,
            limits={
                "max_leverage": cro.max_leverage,
                "max_position_size_pct": cro.max_position_size_pct,
                "max_exposure_pct": cro.max_exposure_pct,
                "max_drawdown_pct": cro.max_drawdown_pct,
                "stop_loss_multiplier": cro.stop_loss_multiplier,
            },
            weights=dict.fromkeys(cio.models, 1.0 / len(cio.models)),
            n_symbols=cio.initial_symbols,
            cashflow=cfg.cfo.initial_policy,
        )

    @property
    def tier_name(self) -> str:
        return TIERS[self.tier]


@dataclass(slots=True)
class AccountState:
    account_id: str
    metrics: Metrics
    policy: Policy
    last_ts: int | None = None
    last_event_id: str | None = None
    pending_close: bool = False  # a day closed on an operator command; rules run next event
    seen: dict[str, None] = field(default_factory=dict)  # recent event ids, oldest first

    @classmethod
    def new(cls, account_id: str, cfg: CoreConfig) -> AccountState:
        return cls(account_id, Metrics(), Policy.initial(cfg))

    def remember(self, event_id: str, window: int) -> None:
        self.seen[event_id] = None
        while len(self.seen) > window:
            del self.seen[next(iter(self.seen))]

    # --- JSON -----------------------------------------------------------------------

    def to_json(self, *, copy: bool = True, with_seen: bool = True) -> dict[str, Any]:
        """A JSON-ready copy: later steps never change a snapshot taken with it.

        ``copy=False`` gives a view instead, sharing the nested dicts and lists of the
        policy and metrics: only for encoding at once, before the account steps again.
        ``with_seen=False`` leaves out the recent-id window (an empty list).
        """
        m, p = self.metrics, self.policy
        clone = _copy if copy else _same
        metrics = {f: clone(getattr(m, f)) for f in _METRIC_SCALARS}
        metrics["mdd_window"] = [list(x) for x in m.mdd_window]
        metrics["day_returns"] = list(m.day_returns)
        metrics["trades"] = list(m.trades)
        metrics["models"] = {
            k: {f: getattr(s, f) for f in _MODEL_FIELDS} for k, s in m.models.items()
        }
        policy = {f: clone(getattr(p, f)) for f in _POLICY_PLAIN}
        policy["mode_pin"] = _pin_json(p.mode_pin)
        policy["risk_pin"] = _pin_json(p.risk_pin)
        return {
            "account_id": self.account_id,
            "last_ts": self.last_ts,
            "last_event_id": self.last_event_id,
            "pending_close": self.pending_close,
            "seen": list(self.seen) if with_seen else [],
            "metrics": metrics,
            "policy": policy,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountState:
        md = data["metrics"]
        m = Metrics(**{f: md[f] for f in _METRIC_SCALARS})
        m.mdd_window = deque((int(ts), float(dd)) for ts, dd in md["mdd_window"])
        m.day_returns = deque(md["day_returns"])
        m.trades = deque(md["trades"])
        m.models = {k: ModelStats(**v) for k, v in md["models"].items()}
        pd = data["policy"]
        p = Policy(**{f: pd[f] for f in _POLICY_PLAIN})
        p.mode_pin = _pin_from(pd["mode_pin"])
        p.risk_pin = _pin_from(pd["risk_pin"])
        return cls(
            account_id=data["account_id"],
            metrics=m,
            policy=p,
            last_ts=data["last_ts"],
            last_event_id=data["last_event_id"],
            pending_close=data["pending_close"],
            seen=dict.fromkeys(data["seen"]),
        )


_METRIC_SCALARS = (
    "nav",
    "peak",
    "dd",
    "equity",
    "reserve_balance",
    "day",
    "day_recorded",
    "day_open",
    "closed_days",
    "last_day_return",
    "profit_streak",
    "loss_streak",
    "wins",
    "consecutive_losses",
    "ess_state",
    "overall_status",
)
_MODEL_FIELDS = (
    "sharpe",
    "win_rate",
    "total_trades",
    "days_since_training",
    "last_trained_at",
    "updated_at",
)
_POLICY_PLAIN = (
    "mode",
    "mode_setter",
    "profile",
    "limits",
    "weights",
    "n_symbols",
    "cashflow",
    "tier",
    "ess_level",
    "ceo_restore",
    "profile_changed_day",
    "frozen",
    "freeze_triggers",
    "frozen_since",
    "pre_freeze_mode",
    "pre_freeze_setter",
    "roles_enabled",
    "research_last",
    "open_research",
    "memo",
)


def _same(value: Any) -> Any:
    return value


def _copy(value: Any) -> Any:
    """Copy nested dicts and lists (JSON data); scalars are immutable and shared."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _pin_json(pin: Pin | None) -> dict[str, Any] | None:
    return (
        None
        if pin is None
        else {"key_name": pin.key_name, "set_at": pin.set_at, "until": pin.until}
    )


def _pin_from(data: dict[str, Any] | None) -> Pin | None:
    return None if data is None else Pin(**data)


@dataclass(slots=True)
class FederationState:
    """All accounts' state. ``step`` mutates it in place and returns it."""

    accounts: dict[str, AccountState] = field(default_factory=dict)

    def account(self, account_id: str, cfg: CoreConfig) -> AccountState:
        acct = self.accounts.get(account_id)
        if acct is None:
            acct = AccountState.new(account_id, cfg)
            self.accounts[account_id] = acct
        return acct

    def to_json(self) -> dict[str, Any]:
        return {"accounts": {k: a.to_json() for k, a in self.accounts.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FederationState:
        return cls({k: AccountState.from_json(v) for k, v in data["accounts"].items()})
