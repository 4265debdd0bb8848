# ruff: noqa: S311 - seeded simulation, not cryptography
"""A deterministic synthetic trading history: realistic event envelopes from a seed.

Used for the example history, the benchmark and tests. Equity follows a random
walk with regimes (calm, trending, drawdown), trades and model updates follow
it, health degrades now and then, and the odd deposit or withdrawal arrives.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from federation_ai.core.micros import US_PER_MINUTE, format_timestamp, parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Iterator

MODELS = ("xgboost", "lightgbm", "nhits", "patchtst")
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT")
# regime -> (drift per snapshot, volatility per snapshot, mean length in snapshots)
REGIMES = {
    "calm": (0.00004, 0.0008, 2000),
    "trend": (0.00012, 0.0012, 800),
    "drawdown": (-0.00030, 0.0018, 300),
}


@dataclass(frozen=True, slots=True)
class SynthConfig:
    seed: int = 7
    accounts: tuple[str, ...] = ("default",)
    start: str = "2024-01-01T00:00:00Z"
    snapshot_minutes: float = 5.0
    trade_every: int = 6  # snapshots per closed trade (on average)
    model_every: int = 72  # snapshots per model update round
    health_every: int = 12  # snapshots per health report
    start_equity: float = 25_000.0


class _Account:
    def __init__(self, name: str, rng: random.Random, equity: float) -> None:
        self.name = name
        self.rng = rng
        self.equity = equity
        self.regime = "calm"
        self.left = 500
        self.status = "HEALTHY"
        self.ess = "NOMINAL"
        self.n = 0
        self.models = {m: [rng.gauss(1.3, 0.4), rng.uniform(0.52, 0.6)] for m in MODELS}

    def next_regime(self) -> None:
        r = self.rng.random()
        self.regime = "drawdown" if r < 0.2 else "trend" if r < 0.5 else "calm"
        self.left = max(20, int(self.rng.expovariate(1 / REGIMES[self.regime][2])))


def generate(cfg: SynthConfig, n_events: int) -> Iterator[dict[str, Any]]:
    """Yield ``n_events`` envelopes in timestamp order, accounts interleaved."""
    rng = random.Random(cfg.seed)
    accounts = [
        _Account(a, random.Random(f"{cfg.seed}:{a}"), cfg.start_equity) for a in cfg.accounts
    ]
    step_us = round(cfg.snapshot_minutes * US_PER_MINUTE)
    ts = parse_timestamp(cfg.start)
    emitted = 0
    seq = 0
    while True:
        for acct in accounts:
            for env in _tick(acct, cfg, ts):
                seq += 1
                env["event_id"] = f"{acct.name}-{seq:09d}"
                if acct.name != "default":
                    env["account_id"] = acct.name
                yield env
                emitted += 1
                if emitted >= n_events:
                    return
        ts += step_us + rng.randrange(0, 30) * 1_000_000


def _tick(a: _Account, cfg: SynthConfig, ts: int) -> Iterator[dict[str, Any]]:
    rng = a.rng
    a.n += 1
    a.left -= 1
    if a.left <= 0:
        a.next_regime()
    drift, vol, _ = REGIMES[a.regime]
    change = a.equity * (drift + rng.gauss(0.0, vol))
    stamp = format_timestamp(ts)
    if a.n % cfg.trade_every == 0 or rng.random() < 1 / cfg.trade_every / 4:
        edge = a.equity * 0.0002 if a.regime != "drawdown" else -a.equity * 0.0002
        pnl = round(change * 0.5 + edge + rng.gauss(0, a.equity * 0.0004), 2)
        yield _env(
            "trade.closed",
            stamp,
            {
                "symbol": rng.choice(SYMBOLS),
                "pnl_usd": pnl,
                "model_name": rng.choice(MODELS),
                "exit_reason": "stop_loss" if pnl < 0 and rng.random() < 0.3 else "take_profit",
            },
        )
    flow = 0.0
    if rng.random() < 0.0005:
        flow = round(rng.choice((1, -1)) * a.equity * rng.uniform(0.05, 0.2), 2)
    a.equity = max(50.0, a.equity + change + flow)
    snap: dict[str, Any] = {
        "total_equity": round(a.equity, 2),
        "cash_balance": round(a.equity * 0.4, 2),
        "total_exposure_usd": round(a.equity * rng.uniform(0.3, 1.5), 2),
        "num_positions": rng.randrange(0, 6),
        "reserve_balance": round(a.equity * rng.uniform(0.03, 0.2), 2),
    }
    if flow:
        snap["net_flow"] = flow
    yield _env("portfolio.snapshot_updated", stamp, snap)
    if a.n % cfg.health_every == 0:
        a.status = _walk(rng, a.status, HEALTH_MOVES)
        a.ess = _walk(rng, a.ess, ESS_MOVES)
        yield _env(
            "system.health_updated",
            stamp,
            {
                "overall_status": a.status,
                "ess_state": a.ess,
                "subsystem_scores": {"execution": round(rng.uniform(0.7, 1.0), 3)},
            },
        )
    if a.n % cfg.model_every == 0:
        for model, stats in a.models.items():
            stats[0] = min(3.0, max(-1.0, stats[0] + rng.gauss(0, 0.08)))
            stats[1] = min(0.7, max(0.4, stats[1] + rng.gauss(0, 0.005)))
            yield _env(
                "model.performance_updated",
                stamp,
                {
                    "model_name": model,
                    "sharpe_ratio_7d": round(stats[0], 3),
                    "win_rate_7d": round(stats[1], 3),
                    "total_trades": rng.randrange(20, 400),
                    "days_since_training": round(rng.uniform(0, 40), 1),
                },
            )


# state -> ((next state, probability per report), ...); the rest stays put
HEALTH_MOVES = {
    "HEALTHY": (("DEGRADED", 0.01), ("OPTIMAL", 0.05)),
    "OPTIMAL": (("HEALTHY", 0.1),),
    "DEGRADED": (("HEALTHY", 0.3), ("CRITICAL", 0.03)),
    "CRITICAL": (("DEGRADED", 0.5),),
}
ESS_MOVES = {
    "NOMINAL": (("CAUTION", 0.01),),
    "CAUTION": (("NOMINAL", 0.3), ("WARNING", 0.05)),
    "WARNING": (("CAUTION", 0.4), ("CRITICAL", 0.02)),
    "CRITICAL": (("WARNING", 0.5),),
}


def _walk(rng: random.Random, state: str, moves: dict[str, tuple[tuple[str, float], ...]]) -> str:
    r = rng.random()
    for nxt, p in moves[state]:
        if r < p:
            return nxt
        r -= p
    return state


def _env(event_type: str, stamp: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": event_type, "event_id": "", "timestamp": stamp, "payload": payload}
