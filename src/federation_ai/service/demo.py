"""A synthetic trading feed for ``federation serve --demo``, published through the bus.

Seeded, so the same seed gives the same feed. Time is compressed: every real second
is one tick and advances event time by ``minutes_per_tick`` (10), so a trading day
passes in under two and a half minutes and the day-close roles act within the first.
Each tick brings a portfolio snapshot (a random walk of equity with occasional
drawdown spells) and some closed trades; every hour of event time a model report.
A scripted cycle adds a DEGRADED health spell and an ESS CRITICAL that freezes the
account, then lets it recover.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from federation_ai.core.micros import US_PER_MINUTE, format_timestamp
from federation_ai.service.wall_clock import wall_clock

if TYPE_CHECKING:
    from collections.abc import Callable

    from federation_ai.bus import EventBus

MODELS = ("xgboost", "lightgbm", "nhits", "patchtst")
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT")
CYCLE = 240  # ticks of the scripted cycle (40 event-hours)
DEGRADED = range(30, 42)  # health DEGRADED during these ticks of the cycle
ESS_CRITICAL = range(120, 126)  # the external ESS reports CRITICAL: the Supervisor freezes
SLUMP = range(150, 185)  # a losing spell: drawdown, tighter risk, research tasks
SOURCE = "federation-demo"

Item = tuple[str, dict[str, Any], int]  # (event_type, payload, timestamp in µs)
MINUTES_PER_TICK = 10
TICK_S = 1.0


class DemoClock:
    """The service's clock under ``serve --demo``: event time at the feed's pace.

    The feed advances ``MINUTES_PER_TICK`` of event time per ``TICK_S`` real second, so
    against the wall clock its events are soon hours ahead and live ingest would refuse
    them. The demo runs the service on this compressed clock instead: it reads the wall
    clock until ``start``, then moves ``speed`` times as fast from the feed's start,
    never behind the feed (each tick waits ``TICK_S``).
    """

    def __init__(
        self,
        speed: float = MINUTES_PER_TICK * 60 / TICK_S,
        *,
        wall_us: Callable[[], int] = wall_clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.speed = speed
        self._monotonic = monotonic
        self._origin_us = wall_us()
        self._since = monotonic()
        self._compressed = False

    def start(self, at_us: int) -> None:
        self._origin_us, self._since, self._compressed = at_us, self._monotonic(), True

    def __call__(self) -> int:
        elapsed = self._monotonic() - self._since
        rate = self.speed if self._compressed else 1.0
        return self._origin_us + round(elapsed * rate * 1_000_000)


@dataclass
class DemoFeed:
    start_us: int
    seed: int = 7
    account_id: str = "default"
    minutes_per_tick: int = MINUTES_PER_TICK
    equity: float = 25_000.0
    tick: int = 0
    _rng: random.Random = field(init=False)
    _quality: dict[str, float] = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)  # noqa: S311 - a reproducible feed, not crypto
        self._quality = {m: self._rng.uniform(0.3, 1.0) for m in MODELS}

    def next_tick(self) -> list[Item]:
        """The events of one tick, in time order."""
        rng, phase = self._rng, self.tick % CYCLE
        ts = self.start_us + self.tick * self.minutes_per_tick * US_PER_MINUTE
        items: list[Item] = []
        drift = -0.004 if phase in SLUMP else 0.0009
        pnl_total = 0.0
        for n in range(rng.choice((0, 1, 1, 2, 3))):
            pnl = round(rng.gauss(drift * self.equity / 2, 0.002 * self.equity), 2)
            pnl_total += pnl
            items.append(
                (
                    "trade.closed",
                    {
                        "symbol": rng.choice(SYMBOLS),
                        "pnl_usd": pnl,
                        "model_name": rng.choice(MODELS),
                        "exit_reason": "take_profit" if pnl > 0 else "stop_loss",
                    },
                    ts + (n + 1) * 1_000_000,
                )
            )
        noise = rng.gauss(0, 0.0015) * self.equity
        self.equity = max(500.0, round(self.equity + pnl_total + noise, 2))
        items.append(("portfolio.snapshot_updated", self._snapshot(), ts + 5_000_000))
        if self.tick % 6 == 0:
            items.append(("model.performance_updated", self._model_report(phase), ts + 6_000_000))
        health = self._health(phase)
        if health is not None:
            items.append(("system.health_updated", health, ts + 7_000_000))
        self.tick += 1
        return items

    def _snapshot(self) -> dict[str, Any]:
        rng = self._rng
        exposure = round(self.equity * rng.uniform(0.2, 0.9), 2)
        return {
            "total_equity": self.equity,
            "cash_balance": round(self.equity - exposure * 0.3, 2),
            "total_exposure_usd": exposure,
            "num_positions": rng.randint(0, 5),
            "reserve_balance": round(self.equity * 0.08, 2),
            "net_flow": 0.0,
        }

    def _model_report(self, phase: int) -> dict[str, Any]:
        rng = self._rng
        model = MODELS[(self.tick // 6) % len(MODELS)]
        q = self._quality[model] = min(1.2, max(0.0, self._quality[model] + rng.gauss(0, 0.1)))
        slump = 0.6 if phase in SLUMP else 0.0
        return {
            "model_name": model,
            "sharpe_ratio_7d": round(0.4 + 2.0 * q - slump + rng.gauss(0, 0.2), 3),
            "win_rate_7d": round(min(0.8, max(0.3, 0.45 + 0.15 * q - slump / 6)), 3),
            "total_trades": rng.randint(50, 400),
            "days_since_training": round(rng.uniform(1, 40), 1),
        }

    def _health(self, phase: int) -> dict[str, Any] | None:
        if phase in ESS_CRITICAL:
            return {
                "overall_status": "HEALTHY",
                "ess_state": "CRITICAL",
                "active_alerts": ["ess: drawdown velocity"],
            }
        if phase == ESS_CRITICAL.stop:
            return {"overall_status": "HEALTHY", "ess_state": "NOMINAL", "active_alerts": []}
        if phase in DEGRADED:
            return {
                "overall_status": "DEGRADED",
                "ess_state": "NOMINAL",
                "subsystem_scores": {"execution": 0.55, "signals": 0.9},
                "active_alerts": ["execution latency high"],
            }
        if phase == DEGRADED.stop or phase % 30 == 0:
            return {"overall_status": "HEALTHY", "ess_state": "NOMINAL", "active_alerts": []}
        return None

    def fields(self, item: Item, run_id: str, n: int) -> dict[str, str]:
        """The seed's stream envelope of one event."""
        event_type, payload, ts = item
        event_id = f"demo-{run_id}-{n:07d}"
        body = {"event_id": event_id, "account_id": self.account_id, **payload}
        return {
            "event_type": event_type,
            "payload": json.dumps(body, separators=(",", ":")),
            "trace_id": f"{self._rng.getrandbits(64):016x}",
            "correlation_id": event_id,
            "timestamp": format_timestamp(ts),
            "source": SOURCE,
        }


async def run_demo(
    bus: EventBus,
    start_us: int,
    *,
    seed: int = 7,
    account_id: str = "default",
    tick_s: float = TICK_S,
    ticks: int | None = None,
) -> int:
    """Publish ticks until cancelled (or ``ticks`` of them); returns events published."""
    feed = DemoFeed(start_us, seed=seed, account_id=account_id)
    run_id = f"{start_us // 1_000_000:x}"
    n = 0
    while ticks is None or feed.tick < ticks:
        for item in feed.next_tick():
            # back to back: the bus merges the streams by the events' own timestamps
            await bus.publish_event(item[0], feed.fields(item, run_id, n))
            n += 1
        await asyncio.sleep(tick_s)
    return n
