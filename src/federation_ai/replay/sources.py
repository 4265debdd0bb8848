"""Replay inputs as a stream of ``(line, envelope)``: JSONL event logs, equity-curve CSVs
and freqtrade backtest results (``replay.freqtrade``).

A line that cannot be decoded yields ``(line, SourceError)`` so the caller decides
whether to stop or skip. Nothing here reads the clock.
"""

from __future__ import annotations

import csv
import heapq
from typing import TYPE_CHECKING, Any

from federation_ai.json_loads import loads
from federation_ai.replay.freqtrade import read_freqtrade
from federation_ai.replay.items import Item, SourceError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["Item", "SourceError", "equity_from_trades", "open_source"]


def read_jsonl(path: Path) -> Iterator[Item]:
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                yield lineno, loads(raw)
            except ValueError as exc:
                yield lineno, SourceError(f"not valid JSON: {exc}")


def _timestamp(text: str) -> str:
    text = text.strip()
    return f"{text}T00:00:00Z" if len(text) == 10 else text


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # the codec names the field and says it is not a number


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header: list[str] | None = None
        for lineno, row in enumerate(reader, 1):
            if not row or not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [c.strip() for c in row]
                missing = [c for c in required if c not in header]
                if missing:
                    msg = f"{path.name}: header must name {', '.join(required)}; missing {missing}"
                    raise ValueError(msg)
                continue
            yield lineno, dict(zip(header, (c.strip() for c in row), strict=False))


def _equity_events(path: Path) -> Iterator[tuple[str, int, int, dict[str, Any]]]:
    for lineno, row in _rows(path, ("timestamp", "equity")):
        payload: dict[str, Any] = {"total_equity": _number(row["equity"])}
        if row.get("net_flow"):
            payload["net_flow"] = _number(row["net_flow"])
        ts = _timestamp(row["timestamp"])
        env = {
            "event_type": "portfolio.snapshot_updated",
            "event_id": f"equity-{lineno}",
            "timestamp": ts,
            "payload": payload,
        }
        yield ts, 1, lineno, env


def _trade_events(path: Path) -> Iterator[tuple[str, int, int, dict[str, Any]]]:
    for lineno, row in _rows(path, ("timestamp", "symbol", "pnl_usd")):
        payload: dict[str, Any] = {"symbol": row["symbol"], "pnl_usd": _number(row["pnl_usd"])}
        if row.get("model_name"):
            payload["model_name"] = row["model_name"]
        ts = _timestamp(row["timestamp"])
        env = {
            "event_type": "trade.closed",
            "event_id": f"trade-{lineno}",
            "timestamp": ts,
            "payload": payload,
        }
        yield ts, 0, lineno, env


def read_equity_csv(path: Path, trades: Path | None = None) -> Iterator[Item]:
    """Snapshots from an equity curve, merged with closed trades (trades first on ties).

    Rows are merged by their timestamp text, so both files must use one format;
    the line number reported is the row's line in its own file.
    """
    streams = [_equity_events(path)]
    if trades is not None:
        streams.append(_trade_events(trades))
    for _, _, lineno, env in heapq.merge(*streams, key=lambda x: (x[0], x[1])):
        yield lineno, env


def equity_from_trades(path: Path) -> bool:
    """True for inputs whose equity the replay rebuilds from trades (freqtrade results)."""
    return path.suffix.lower() in (".json", ".zip")


def open_source(
    path: Path, trades: Path | None = None, *, freqtrade_model_name: str = "strategy"
) -> Iterator[Item]:
    suffix = path.suffix.lower()
    if trades is not None and suffix != ".csv":
        raise ValueError("--trades goes with an equity-curve CSV only")
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    if suffix == ".csv":
        return read_equity_csv(path, trades)
    if suffix in (".json", ".zip"):
        return read_freqtrade(path, freqtrade_model_name)
    raise ValueError(
        f"unsupported input {path.name!r}: expected a .jsonl event log, an equity-curve .csv "
        "or a freqtrade backtest result (.json or .zip)"
    )
