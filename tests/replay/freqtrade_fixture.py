"""Builds the freqtrade backtest fixtures in ``data/freqtrade/`` (run as a script to rewrite them).

The files follow freqtrade's own export (``optimize_reports/bt_storage.py``): a zip
``backtest-result-<stamp>.zip`` holding ``backtest-result-<stamp>.json`` (``{"strategy":
{name: stats}, "strategy_comparison": [...]}``) and ``…_config.json``, with
``backtest-result-<stamp>.meta.json`` beside it; and the older plain
``backtest-result-<stamp>.json`` with its ``.meta.json``. Trades carry freqtrade's
fields, profit computed as freqtrade does for longs, shorts and leverage (fees on
both sides). Deterministic: the same script writes the same files.
"""

from __future__ import annotations

import json
import random
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

DATA = Path(__file__).parent / "data" / "freqtrade"
ZIP_STAMP = "2024-06-03_18-42-11"
JSON_STAMP = "2023-11-20_09-15-02"
FEE = 0.0005


def _date(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S+00:00")


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def _trade(rng, pair, open_dt, *, minutes, stake, lev, short, rate, tag):
    close_dt = open_dt + timedelta(minutes=minutes)
    move = rng.gauss(0.002, 0.02)
    close_rate = round(rate * (1 + move), 6)
    amount = round(stake * lev / rate, 8)
    open_value = amount * rate
    close_value = amount * close_rate
    if short:
        profit = open_value * (1 - FEE) - close_value * (1 + FEE)
    else:
        profit = close_value * (1 - FEE) - open_value * (1 + FEE)
    profit = round(profit, 8)
    ratio = round(profit / stake, 8)
    stop = round(rate * (1.05 if short else 0.95), 6)
    if ratio > 0.01:
        reason = "roi"
    elif ratio < -0.03:
        reason = "stop_loss"
    else:
        reason = "exit_signal"
    return {
        "pair": pair,
        "stake_amount": stake,
        "max_stake_amount": stake,
        "amount": amount,
        "open_date": _date(open_dt),
        "close_date": _date(close_dt),
        "open_rate": rate,
        "close_rate": close_rate,
        "fee_open": FEE,
        "fee_close": FEE,
        "trade_duration": minutes,
        "profit_ratio": ratio,
        "profit_abs": profit,
        "exit_reason": reason,
        "initial_stop_loss_abs": stop,
        "initial_stop_loss_ratio": -0.05,
        "stop_loss_abs": stop,
        "stop_loss_ratio": -0.05,
        "min_rate": round(min(rate, close_rate) * 0.995, 6),
        "max_rate": round(max(rate, close_rate) * 1.005, 6),
        "is_open": False,
        "enter_tag": tag,
        "leverage": lev,
        "is_short": short,
        "open_timestamp": _ms(open_dt),
        "close_timestamp": _ms(close_dt),
        "orders": [
            {
                "amount": amount,
                "safe_price": rate,
                "ft_order_side": "sell" if short else "buy",
                "order_filled_timestamp": _ms(open_dt),
                "ft_is_entry": True,
            },
            {
                "amount": amount,
                "safe_price": close_rate,
                "ft_order_side": "buy" if short else "sell",
                "order_filled_timestamp": _ms(close_dt),
                "ft_is_entry": False,
            },
        ],
        "funding_fees": 0.0,
    }


def _strategy(name, seed, *, start, days, balance, pairs, futures, timeframe):
    rng = random.Random(seed)
    trades = []
    t = start + timedelta(hours=2)
    end = start + timedelta(days=days)
    tags = ["breakout", "pullback", None]
    while t < end - timedelta(days=1):
        pair, rate = rng.choice(pairs)
        short = futures and rng.random() < 0.4
        lev = rng.choice([2.0, 3.0]) if futures else 1.0
        minutes = rng.choice([45, 90, 180, 300, 720, 1500])
        trades.append(
            _trade(
                rng,
                pair,
                t,
                minutes=minutes,
                stake=round(balance * 0.1, 2),
                lev=lev,
                short=short,
                rate=rate,
                tag=rng.choice(tags),
            )
        )
        t += timedelta(minutes=rng.choice([60, 240, 600, 1080]))
    trades.sort(key=lambda x: x["open_date"])
    profit = round(sum(x["profit_abs"] for x in trades), 8)
    wins = sum(x["profit_abs"] > 0 for x in trades)
    losses = sum(x["profit_abs"] < 0 for x in trades)
    return {
        "trades": trades,
        "locks": [],
        "best_pair": {"key": pairs[0][0]},
        "worst_pair": {"key": pairs[-1][0]},
        "results_per_pair": [],
        "results_per_enter_tag": [],
        "exit_reason_summary": [],
        "left_open_trades": [],
        "total_trades": len(trades),
        "trade_count_long": sum(not x["is_short"] for x in trades),
        "trade_count_short": sum(x["is_short"] for x in trades),
        "total_volume": round(sum(x["stake_amount"] for x in trades), 2),
        "profit_total": profit / balance,
        "profit_total_abs": profit,
        "wins": wins,
        "losses": losses,
        "draws": len(trades) - wins - losses,
        "backtest_start": start.strftime("%Y-%m-%d %H:%M:%S"),
        "backtest_start_ts": _ms(start),
        "backtest_end": end.strftime("%Y-%m-%d %H:%M:%S"),
        "backtest_end_ts": _ms(end),
        "backtest_days": days,
        "stake_amount": round(balance * 0.1, 2),
        "stake_currency": "USDT",
        "stake_currency_decimals": 3,
        "starting_balance": balance,
        "dry_run_wallet": balance,
        "final_balance": round(balance + profit, 8),
        "max_open_trades": 3,
        "timeframe": timeframe,
        "timeframe_detail": "",
        "timerange": f"{start:%Y%m%d}-{end:%Y%m%d}",
        "enable_protections": False,
        "strategy_name": name,
        "stoploss": -0.05,
        "trading_mode": "futures" if futures else "spot",
        "margin_mode": "isolated" if futures else "",
        "max_drawdown_account": 0.0,
        "max_drawdown_abs": 0.0,
    }


def _comparison(strategies):
    return [
        {
            "key": name,
            "trades": s["total_trades"],
            "profit_total_abs": s["profit_total_abs"],
            "profit_total": s["profit_total"],
            "wins": s["wins"],
            "losses": s["losses"],
            "draws": s["draws"],
            "max_drawdown_account": 0.0,
        }
        for name, s in strategies.items()
    ]


def _meta(strategies, run_time):
    return {
        name: {
            "run_id": f"run-{i:02d}",
            "backtest_start_time": int(run_time.timestamp()),
            "timeframe": s["timeframe"],
            "timeframe_detail": "",
            "backtest_start_ts": s["backtest_start_ts"] // 1000,
            "backtest_end_ts": s["backtest_end_ts"] // 1000,
        }
        for i, (name, s) in enumerate(strategies.items(), 1)
    }


def _result(start: datetime, specs: list[tuple]) -> dict:
    """Backtest results of the strategies ``(name, seed, days, balance, pairs, futures, timeframe)``."""
    strategies = {
        name: _strategy(name, seed, start=start, days=days, balance=balance, pairs=pairs,
                        futures=futures, timeframe=timeframe)
        for name, seed, days, balance, pairs, futures, timeframe in specs
    }
    return {"strategy": strategies, "strategy_comparison": _comparison(strategies)}


def zip_result() -> dict:
    futures = [("BTC/USDT:USDT", 62000.0), ("ETH/USDT:USDT", 3400.0), ("SOL/USDT:USDT", 130.0)]
    spot = [("BTC/USDT", 62000.0), ("ETH/USDT", 3400.0), ("XRP/USDT", 0.61), ("ADA/USDT", 0.72)]
    return _result(datetime(2024, 3, 1, tzinfo=UTC), [
        ("TrendFollowerFutures", 7, 60, 10_000.0, futures, True, "1h"),
        ("MeanReversionSpot", 11, 60, 5_000.0, spot, False, "15m"),
    ])


def json_result() -> dict:
    spot = [("BTC/USDT", 26000.0), ("ETH/USDT", 1650.0), ("BNB/USDT", 215.0)]
    return _result(datetime(2023, 9, 1, tzinfo=UTC), [
        ("SampleStrategy", 3, 30, 3_000.0, spot, False, "5m"),
    ])


def _dump(data) -> str:
    return json.dumps(data, indent=None)


def write() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    run = datetime(2024, 6, 3, 18, 42, 11, tzinfo=UTC)
    result = zip_result()
    base = f"backtest-result-{ZIP_STAMP}"
    (DATA / f"{base}.meta.json").write_text(_dump(_meta(result["strategy"], run)))
    with zipfile.ZipFile(DATA / f"{base}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (
            (f"{base}.json", _dump(result)),
            (
                f"{base}_config.json",
                _dump({"exchange": {"name": "binance"}, "stake_currency": "USDT"}),
            ),
        ):
            info = zipfile.ZipInfo(name, date_time=(2024, 6, 3, 18, 42, 11))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
    old = json_result()
    base = f"backtest-result-{JSON_STAMP}"
    (DATA / f"{base}.json").write_text(_dump(old))
    (DATA / f"{base}.meta.json").write_text(
        _dump(_meta(old["strategy"], datetime(2023, 11, 20, 9, 15, 2, tzinfo=UTC)))
    )


if __name__ == "__main__":
    write()
