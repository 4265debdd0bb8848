"""Per-account metrics (SPEC §3), updated from events only.

NAV is flow-neutral; drawdown, day returns, streaks, Sharpe, win rate and loss
runs are kept in bounded windows so memory does not grow with history length.
An undefined metric is ``None`` and never fires a rule.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from federation_ai.core.micros import US_PER_DAY, day_of

if TYPE_CHECKING:
    from federation_ai.core.core_config import MetricsConfig


@dataclass(slots=True)
class ModelStats:
    sharpe: float
    win_rate: float
    total_trades: int
    days_since_training: float | None
    last_trained_at: int | None  # UTC microseconds
    updated_at: int

    def staleness_days(self, now: int) -> float | None:
        if self.days_since_training is not None:
            return self.days_since_training
        if self.last_trained_at is not None:
            return (now - self.last_trained_at) / US_PER_DAY
        return None


@dataclass(slots=True)
class Metrics:
    nav: float | None = None
    peak: float | None = None
    dd: float | None = None
    equity: float | None = None
    reserve_balance: float | None = None
    # (ts, dd) pairs, dd decreasing from front to back: the front is the window max.
    # Trimmed to the trailing mdd_window_days of every event (``expire_mdd``).
    mdd_window: deque[tuple[int, float]] = field(default_factory=deque)
    day: int | None = None  # current UTC day number
    day_recorded: bool = False  # the current day has a snapshot
    day_open: float | None = None
    closed_days: int = 0
    last_day_return: float | None = None
    day_returns: deque[float] = field(default_factory=deque)
    profit_streak: int = 0
    loss_streak: int = 0
    trades: deque[bool] = field(default_factory=deque)  # True = win
    wins: int = 0
    consecutive_losses: int = 0
    ess_state: str | None = None
    overall_status: str | None = None
    models: dict[str, ModelStats] = field(default_factory=dict)

    # --- derived metrics ------------------------------------------------------------

    @property
    def daily_pnl(self) -> float | None:
        if self.nav is None or self.day_open is None:
            return None
        return self.nav / self.day_open - 1.0

    @property
    def rolling_mdd(self) -> float | None:
        return self.mdd_window[0][1] if self.mdd_window else None

    def win_rate(self, cfg: MetricsConfig) -> float | None:
        n = len(self.trades)
        return self.wins / n if n >= cfg.min_trades else None

    def sharpe(self, cfg: MetricsConfig) -> float | None:
        r = self.day_returns
        n = len(r)
        if n < cfg.min_sharpe_days:
            return None
        mean = sum(r) / n
        var = sum((x - mean) ** 2 for x in r) / (n - 1)
        if var <= 0.0:
            return None
        sd = math.sqrt(var)
        if round(sd, 12) == 0.0:
            return None
        return mean / sd * math.sqrt(365.0)

    def reserve_ratio(self) -> float | None:
        if self.reserve_balance is None or not self.equity:
            return None
        return self.reserve_balance / self.equity

    @property
    def critical(self) -> bool:
        return self.ess_state == "CRITICAL" or self.overall_status == "CRITICAL"

    # --- updates --------------------------------------------------------------------

    def roll_day(self, ts: int, cfg: MetricsConfig) -> bool:
        """Advance the trading day to ``ts``'s date; True if a recorded day closed."""
        day = day_of(ts)
        if self.day is None:
            self.day = day
            return False
        if day <= self.day:
            return False
        closed = False
        if self.day_recorded:
            self._close_day(cfg)
            closed = True
        self.day = day
        self.day_recorded = False
        self.day_open = self.nav
        return closed

    def _close_day(self, cfg: MetricsConfig) -> None:
        ret = self.daily_pnl
        self.closed_days += 1
        self.last_day_return = ret
        if ret is None:
            return
        if ret > 0:
            self.profit_streak += 1
            self.loss_streak = 0
        elif ret < 0:
            self.loss_streak += 1
            self.profit_streak = 0
        else:
            self.profit_streak = 0
            self.loss_streak = 0
        self.day_returns.append(ret)
        while len(self.day_returns) > cfg.sharpe_window_days:
            self.day_returns.popleft()

    def on_snapshot(self, ts: int, p: dict[str, Any]) -> None:
        equity = p["total_equity"]
        if self.nav is None or self.equity is None:
            self.nav = 1.0
            self.peak = 1.0
            if self.day_open is None:
                self.day_open = 1.0
        else:
            self.nav = self.nav * (equity - p.get("net_flow", 0.0)) / self.equity
            self.peak = max(self.peak or self.nav, self.nav)
        self.equity = equity
        self.reserve_balance = p.get("reserve_balance")
        self.day_recorded = True
        self._update_dd(ts)

    def _update_dd(self, ts: int) -> None:
        assert self.nav is not None
        assert self.peak is not None
        dd = 1.0 - self.nav / self.peak
        self.dd = dd
        window = self.mdd_window
        while window and window[-1][1] <= dd:
            window.pop()
        window.append((ts, dd))

    def expire_mdd(self, now: int, cfg: MetricsConfig) -> None:
        """Drop the snapshots older than ``mdd_window_days`` before ``now`` (any event's time).

        Amortised O(1): each snapshot enters and leaves the window once. Events of an
        account come in time order, so a snapshot that left the window never returns.
        """
        window = self.mdd_window
        horizon = now - cfg.mdd_window_days * US_PER_DAY
        while window and window[0][0] < horizon:
            window.popleft()

    def on_trade(self, pnl: float, cfg: MetricsConfig) -> None:
        win = pnl > 0
        if len(self.trades) >= cfg.win_rate_window:
            self.wins -= self.trades.popleft()
        self.trades.append(win)
        self.wins += win
        if pnl < 0:
            self.consecutive_losses += 1
        elif pnl > 0:
            self.consecutive_losses = 0

    def on_health(self, p: dict[str, Any]) -> None:
        if "overall_status" in p:  # an ESS state change alone leaves the health as it was
            self.overall_status = p["overall_status"]
        if "ess_state" in p:
            self.ess_state = p["ess_state"]

    def on_model(self, ts: int, p: dict[str, Any]) -> ModelStats:
        stats = ModelStats(
            sharpe=p["sharpe_ratio_7d"],
            win_rate=p["win_rate_7d"],
            total_trades=p.get("total_trades", 0),
            days_since_training=p.get("days_since_training"),
            last_trained_at=p.get("last_trained_at"),
            updated_at=ts,
        )
        self.models[p["model_name"]] = stats
        return stats

    def rebaseline(self) -> None:
        """Peak and day open become the current NAV; the loss run restarts (forced unfreeze)."""
        if self.nav is not None:
            self.peak = self.nav
            self.day_open = self.nav
            self.dd = 0.0
        self.consecutive_losses = 0

    def reset_peak(self) -> None:
        if self.nav is not None:
            self.peak = self.nav
            self.dd = 0.0
