"""freqtrade backtest results as replay input (SPEC §11): trades and a rebuilt equity curve.

Two layouts, as freqtrade writes and reads them (``freqtrade/data/btanalysis``):

- ``backtest-result-<stamp>.zip`` holding ``backtest-result-<stamp>.json`` (the stats)
  beside ``…_config.json``, strategy sources and pickles; ``backtest-result-<stamp>.meta.json``
  (run ids and times) lies beside the zip or inside it and is not needed;
- the older plain ``backtest-result-<stamp>.json``.

Both hold ``{"strategy": {name: stats}, "strategy_comparison": […]}``. Each strategy
becomes an account named after it (sanitised to letters, digits, ``.``, ``_`` and ``-``);
each trade a ``trade.closed`` at ``close_date`` with ``opened_at`` = ``open_date``,
``pnl_usd`` = ``profit_abs`` (in the stake currency), ``symbol`` = ``pair``, its
``exit_reason`` and ``model_name`` = the strategy or its ``enter_tag``. Equity is
rebuilt from ``starting_balance`` plus the closed trades' ``profit_abs`` as one snapshot
at every distinct open and close time (and at the backtest's start and end), after the
trades closed at that time. ``profit_abs`` already carries the direction and leverage
of a short or leveraged trade; ``is_short`` and ``leverage`` are kept in the event.
Anything else (freqtrade's old bare list of trades, a file without ``strategy``, a trade
without its dates or profit) is refused with a ``ValueError`` that says what is wrong.
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from federation_ai.core.micros import US_PER_SECOND, format_timestamp
from federation_ai.replay.items import Item, SourceError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SUFFIXES = (".zip", ".json")
_ACCOUNT_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
MAX_ACCOUNT_LEN = 64


class FreqtradeError(ValueError):
    """Not a freqtrade backtest result this import understands."""


def _load_zip(path: Path) -> Any:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            wanted = path.with_suffix(".json").name
            candidates = [wanted] if wanted in names else []
            candidates += sorted(
                n
                for n in names
                if n.endswith(".json")
                and n != wanted
                and not n.endswith(("_config.json", ".meta.json"))
            )
            for name in candidates:
                data = _json(zf.read(name), f"{path.name}:{name}")
                if isinstance(data, dict) and "strategy" in data:
                    return data
    except zipfile.BadZipFile as exc:
        raise FreqtradeError(f"{path.name}: not a readable zip file ({exc})") from None
    raise FreqtradeError(
        f"{path.name}: no freqtrade backtest result inside (expected {wanted} holding a "
        "'strategy' object)"
    )


def _json(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise FreqtradeError(f"{where}: not valid JSON ({exc})") from None


def load_result(path: Path) -> dict[str, dict[str, Any]]:
    """The ``strategy`` object of a freqtrade result file: {strategy name: stats}."""
    is_zip = path.suffix.lower() == ".zip"
    data = _load_zip(path) if is_zip else _json(path.read_bytes(), path.name)
    if isinstance(data, list):
        raise FreqtradeError(
            f"{path.name}: a bare list of trades (freqtrade's old export format) has no "
            "starting balance; export the backtest again with a current freqtrade"
        )
    if not isinstance(data, dict) or not isinstance(data.get("strategy"), dict):
        raise FreqtradeError(
            f"{path.name}: not a freqtrade backtest result (expected an object with a "
            "'strategy' object of {name: stats})"
        )
    strategies: dict[str, dict[str, Any]] = data["strategy"]
    if not strategies:
        raise FreqtradeError(f"{path.name}: the result holds no strategy")
    return strategies


def account_ids(names: list[str]) -> dict[str, str]:
    """Strategy name -> a valid account id: unsafe characters become ``-``, clashes get ``-2``…"""
    out: dict[str, str] = {}
    used: set[str] = set()
    for i, name in enumerate(names, 1):
        base = _ACCOUNT_CHARS.sub("-", name).strip("-.")[:MAX_ACCOUNT_LEN] or f"strategy-{i}"
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base[: MAX_ACCOUNT_LEN - len(str(n)) - 1]}-{n}"
        used.add(candidate)
        out[name] = candidate
    return out


def _when(trade: dict[str, Any], side: str, where: str) -> int:
    """``open_date`` / ``close_date`` (UTC; freqtrade writes ``2024-03-01 12:00:00+00:00``)
    in microseconds, else ``open_timestamp`` / ``close_timestamp`` (milliseconds)."""
    text = trade.get(f"{side}_date")
    if isinstance(text, str):
        try:
            dt = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
        except ValueError:
            raise FreqtradeError(f"{where}.{side}_date: not a date: {text!r}") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds
    stamp = trade.get(f"{side}_timestamp")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        return round(stamp * 1000)
    raise FreqtradeError(f"{where}: missing {side}_date")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FreqtradeError(f"{where}: must be a number, got {value!r}")
    return float(value)


def _trade_payload(t: dict[str, Any], where: str, strategy: str, model_from: str) -> dict[str, Any]:
    pair = t.get("pair")
    if not isinstance(pair, str) or not pair:
        raise FreqtradeError(f"{where}.pair: missing")
    pnl = _number(t.get("profit_abs"), f"{where}.profit_abs")
    tag = t.get("enter_tag")
    by_tag = model_from == "enter_tag" and isinstance(tag, str) and tag
    payload: dict[str, Any] = {
        "symbol": pair,
        "pnl_usd": pnl,
        "model_name": tag if by_tag else strategy,
    }
    if isinstance(t.get("exit_reason"), str):
        payload["exit_reason"] = t["exit_reason"]
    if "is_short" in t:
        if not isinstance(t["is_short"], bool):
            raise FreqtradeError(f"{where}.is_short: must be true or false")
        payload["is_short"] = t["is_short"]
    if t.get("leverage") is not None:
        payload["leverage"] = _number(t["leverage"], f"{where}.leverage")
    for key in ("profit_ratio", "stake_amount", "amount", "open_rate", "close_rate", "enter_tag"):
        if t.get(key) is not None:
            payload[key] = t[key]
    return payload


def _strategy_events(
    name: str, stats: Any, account: str, model_from: str, source: str
) -> Iterator[dict[str, Any] | SourceError]:
    where = f"{source}: strategy {name!r}"
    if not isinstance(stats, dict):
        raise FreqtradeError(f"{where}: stats must be an object")
    balance = _number(stats.get("starting_balance"), f"{where}.starting_balance")
    trades = stats.get("trades")
    if not isinstance(trades, list):
        raise FreqtradeError(f"{where}.trades: missing (a list of trades)")
    # (close time, open time, index, payload); validated before any event is emitted
    parsed = []
    for i, t in enumerate(trades):
        tw = f"{where}.trades[{i}]"
        if not isinstance(t, dict):
            raise FreqtradeError(f"{tw}: must be an object")
        opened, closed = _when(t, "open", tw), _when(t, "close", tw)
        if opened > closed:
            raise FreqtradeError(f"{tw}: open_date is after close_date")
        parsed.append((closed, opened, i, _trade_payload(t, tw, name, model_from)))
    parsed.sort(key=lambda x: (x[0], x[1], x[2]))
    times = {c for c, _, _, _ in parsed} | {o for _, o, _, _ in parsed}
    for key in ("backtest_start_ts", "backtest_end_ts"):  # milliseconds
        if stats.get(key) is not None:
            times.add(round(_number(stats[key], f"{where}.{key}") * 1000))
    opens = sorted(o for _, o, _, _ in parsed)
    equity, k, n_open_before = balance, 0, 0
    seq = 0
    for ts in sorted(times):
        stamp = format_timestamp(ts)
        while k < len(parsed) and parsed[k][0] == ts:
            closed, opened, _, payload = parsed[k]
            k += 1
            equity += payload["pnl_usd"]
            seq += 1
            yield {
                "event_type": "trade.closed",
                "event_id": f"trade-{seq:06d}",
                "account_id": account,
                "timestamp": stamp,
                "payload": {**payload, "opened_at": format_timestamp(opened)},
            }
        while n_open_before < len(opens) and opens[n_open_before] <= ts:
            n_open_before += 1
        seq += 1
        if equity <= 0:
            yield SourceError(
                f"{where}: equity rebuilt from starting_balance {balance} falls to {equity} at "
                f"{stamp}; an account needs total_equity > 0"
            )
            return
        yield {
            "event_type": "portfolio.snapshot_updated",
            "event_id": f"equity-{seq:06d}",
            "account_id": account,
            "timestamp": stamp,
            "payload": {"total_equity": equity, "num_positions": n_open_before - k},
        }


def read_freqtrade(path: Path, model_name_from: str = "strategy") -> Iterator[Item]:
    """Every strategy's events, strategy after strategy; the "line" is the event's number.

    The whole file is read and checked here, so a refusal comes before the replay starts.
    """
    strategies = load_result(path)
    ids = account_ids(list(strategies))
    events = [
        env
        for name, stats in strategies.items()
        for env in _strategy_events(name, stats, ids[name], model_name_from, path.name)
    ]
    return enumerate(events, 1)
