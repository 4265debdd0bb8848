"""A replay benchmark input built from real price history.

    python bench/replay_input.py OUT.jsonl [--events 200000] [--accounts 24]

The ``backtesting`` package ships GOOG daily bars (2004-2013) and EURUSD hourly bars
(2017-2018). Every account trades one of them with four SMA-cross models (a quarter of
the capital each, long or flat); the log holds, merged by time over all accounts:

- a ``portfolio.snapshot_updated`` per bar (equity, cash, exposure, positions,
  unrealized PnL),
- a ``trade.closed`` whenever a model leaves a position (PnL, model, opened_at),
- a ``model.performance_updated`` per model per trading day (7-day Sharpe of the
  model's daily returns, 7-day win rate, trades, days since training),
- a ``system.health_updated`` per trading day (a seeded fraction are degraded).

Accounts differ by instrument, SMA lengths, capital and seed. ``--events`` cuts the
merged log at that many lines (the accounts' lengths scale with ``--accounts``). The
format is the plain JSONL event log every release of ``federation replay`` reads.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
from collections import deque
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

MODELS = ("sma_fast", "sma_mid", "sma_slow", "sma_trend")
# (fast, slow) SMA lengths per model, scaled per account
BASE_LENGTHS = ((5, 20), (10, 40), (20, 80), (50, 200))


@dataclass(frozen=True)
class Account:
    account_id: str
    symbol: str
    scale: float  # multiplies the SMA lengths
    capital: float
    seed: int


def _bars(symbol: str) -> list[tuple[str, str, float]]:
    """(timestamp, day, close) per bar of the package's data set."""
    from backtesting.test import EURUSD, GOOG  # noqa: PLC0415 - heavy import, bench only

    frame = GOOG if symbol == "GOOG" else EURUSD
    out = []
    for ts, close in zip(frame.index, frame["Close"], strict=True):
        stamp = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
        if symbol == "GOOG":
            stamp = ts.strftime("%Y-%m-%dT21:00:00Z")  # the daily close, US time
        out.append((stamp, stamp[:10], float(close)))
    return out


class Model:
    def __init__(self, name: str, fast: int, slow: int, capital: float) -> None:
        self.name, self.fast, self.slow = name, fast, slow
        self.cash = capital
        self.units = 0.0
        self.entry_value = 0.0
        self.opened_at = ""
        self.closes: deque[float] = deque(maxlen=slow)
        self.daily: deque[float] = deque(maxlen=7)  # daily returns
        self.wins: deque[tuple[str, bool]] = deque()  # (day, win) of recent trades
        self.trades = 0
        self.day_start_value = capital
        self.last_trained = ""

    def value(self, price: float) -> float:
        return self.cash + self.units * price

    def on_bar(self, stamp: str, price: float) -> float | None:
        """Trade on the cross; returns the PnL of a closed trade."""
        self.closes.append(price)
        if len(self.closes) < self.slow:
            return None
        fast = sum(list(self.closes)[-self.fast :]) / self.fast
        slow = sum(self.closes) / self.slow
        if fast > slow and self.units == 0.0:
            self.units = self.cash / price
            self.entry_value = self.cash
            self.cash = 0.0
            self.opened_at = stamp
        elif fast < slow and self.units > 0.0:
            self.cash = self.units * price
            self.units = 0.0
            self.trades += 1
            pnl = self.cash - self.entry_value
            self.wins.append((stamp[:10], pnl > 0))
            return pnl
        return None

    def close_day(self, day: str, price: float) -> dict[str, Any]:
        v = self.value(price)
        self.daily.append(v / self.day_start_value - 1.0)
        self.day_start_value = v
        while self.wins and _days_between(self.wins[0][0], day) > 7:
            self.wins.popleft()
        mean = sum(self.daily) / len(self.daily)
        var = sum((r - mean) ** 2 for r in self.daily) / len(self.daily)
        sharpe = 0.0 if var <= 0 else mean / math.sqrt(var) * math.sqrt(252)
        win_rate = sum(w for _, w in self.wins) / len(self.wins) if self.wins else 0.5
        if not self.last_trained or _days_between(self.last_trained, day) >= 30:
            self.last_trained = day
        return {
            "model_name": self.name,
            "sharpe_ratio_7d": round(sharpe, 6),
            "win_rate_7d": round(win_rate, 6),
            "total_trades": self.trades,
            "days_since_training": float(_days_between(self.last_trained, day)),
        }


def _days_between(a: str, b: str) -> int:
    from datetime import date  # noqa: PLC0415

    return (date.fromisoformat(b) - date.fromisoformat(a)).days


def account_events(acct: Account, bars: list[tuple[str, str, float]]) -> Iterator[dict[str, Any]]:
    rng = random.Random(acct.seed)
    models = [
        Model(name, max(2, round(f * acct.scale)), max(3, round(s * acct.scale)), acct.capital / 4)
        for name, (f, s) in zip(MODELS, BASE_LENGTHS, strict=True)
    ]
    n = 0

    def envelope(event_type: str, stamp: str, payload: dict[str, Any]) -> dict[str, Any]:
        nonlocal n
        n += 1
        return {
            "event_type": event_type,
            "event_id": f"{acct.account_id}-{n}",
            "account_id": acct.account_id,
            "timestamp": stamp,
            "payload": payload,
        }

    day = bars[0][1]
    last_price = bars[0][2]
    for stamp, bar_day, price in bars:
        if bar_day != day:
            close_stamp = f"{day}T23:59:00Z"
            for m in models:
                yield envelope(
                    "model.performance_updated", close_stamp, m.close_day(day, last_price)
                )
            status = "HEALTHY" if rng.random() > 0.03 else "DEGRADED"
            yield envelope("system.health_updated", close_stamp, {"overall_status": status})
            day = bar_day
        last_price = price
        for m in models:
            opened_at = m.opened_at
            pnl = m.on_bar(stamp, price)
            if pnl is not None:
                payload = {
                    "symbol": acct.symbol,
                    "pnl_usd": round(pnl, 2),
                    "model_name": m.name,
                    "opened_at": opened_at,
                }
                yield envelope("trade.closed", stamp, payload)
        exposure = sum(m.units * price for m in models)
        cash = sum(m.cash for m in models)
        unrealized = sum(m.units * price - m.entry_value for m in models if m.units > 0.0)
        snapshot = {
            "total_equity": round(cash + exposure, 2),
            "cash_balance": round(cash, 2),
            "total_exposure_usd": round(exposure, 2),
            "num_positions": sum(1 for m in models if m.units > 0.0),
            "unrealized_pnl": round(unrealized, 2),
        }
        yield envelope("portfolio.snapshot_updated", stamp, snapshot)


def accounts(count: int) -> list[Account]:
    out = []
    for i in range(count):
        symbol = "GOOG" if i % 3 == 0 else "EURUSD"
        scale = (0.6, 0.8, 1.0, 1.25, 1.5)[i % 5]
        capital = (10_000.0, 25_000.0, 50_000.0, 100_000.0)[i % 4]
        out.append(Account(f"acct-{i:02d}", symbol, scale, capital, seed=1000 + i))
    return out


def generate(count: int) -> Iterator[dict[str, Any]]:
    bars = {s: _bars(s) for s in ("GOOG", "EURUSD")}
    streams = [
        (
            (env["timestamp"], a.account_id, i, env)
            for i, env in enumerate(account_events(a, bars[a.symbol]))
        )
        for a in accounts(count)
    ]
    for *_, env in heapq.merge(*streams, key=lambda x: x[:3]):
        yield env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--events", type=int, default=200_000, help="cut the log at this many lines")
    ap.add_argument("--accounts", type=int, default=24)
    args = ap.parse_args()
    n = 0
    with args.out.open("w", encoding="utf-8") as fh:
        for env in islice(generate(args.accounts), args.events):
            fh.write(json.dumps(env, separators=(",", ":")))
            fh.write("\n")
            n += 1
    print(f"wrote {n:,} events of {args.accounts} accounts to {args.out}")


if __name__ == "__main__":
    main()
