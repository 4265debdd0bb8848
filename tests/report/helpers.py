"""Run events through the core and the report recorder, as the replay does, without files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from federation_ai.core import CoreConfig, FederationState, parse_event, step
from federation_ai.core.micros import US_PER_MINUTE, format_timestamp, parse_timestamp
from federation_ai.report import Recorder, ReportConfig, build_report, governed_rows

if TYPE_CHECKING:
    from collections.abc import Iterable

T0 = parse_timestamp("2024-01-01T10:00:00Z")
_IDS = iter(range(1, 10**9))


def at(minute: float) -> str:
    return format_timestamp(T0 + round(minute * US_PER_MINUTE))


def ev(kind: str, minute: float, account: str | None = None, **payload: Any) -> dict[str, Any]:
    env: dict[str, Any] = {
        "event_type": {
            "snap": "portfolio.snapshot_updated",
            "trade": "trade.closed",
            "health": "system.health_updated",
            "op": "operator.command",
        }[kind],
        "event_id": f"r{next(_IDS)}",
        "timestamp": at(minute),
        "payload": payload,
    }
    if account is not None:
        env["account_id"] = account
    return env


def snap(minute: float, equity: float, account: str | None = None, **kw: Any) -> dict[str, Any]:
    return ev("snap", minute, account, total_equity=equity, **kw)


def trade(
    minute: float,
    pnl: float,
    opened: float | None = None,
    symbol: str = "BTCUSDT",
    account: str | None = None,
) -> dict[str, Any]:
    extra = {} if opened is None else {"opened_at": at(opened)}
    return ev("trade", minute, account, symbol=symbol, pnl_usd=pnl, **extra)


def op(minute: float, command: str, account: str | None = None, **kw: Any) -> dict[str, Any]:
    scopes = ["admin"] if command == "reset_peak" or kw.get("force") else ["operator"]
    return ev("op", minute, account, command=command, key_name="desk", scopes=scopes, **kw)


def record(
    events: Iterable[dict[str, Any]],
    cfg: CoreConfig | None = None,
    report: ReportConfig | None = None,
    method: str = "nav",
) -> Recorder:
    cfg = cfg or CoreConfig()
    rec = Recorder(cfg, report or ReportConfig(), method)
    state = FederationState()
    for env in events:
        event = parse_event(env)
        rec.observe(event, step(state, event, cfg), state)
    return rec


def report_of(events: Iterable[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return build_report(record(events, **kw))


def rows_of(events: Iterable[dict[str, Any]], **kw: Any) -> list[tuple[Any, ...]]:
    return list(governed_rows(record(events, **kw)))


def no_daily_loss_freeze() -> CoreConfig:
    """Defaults, but a 10 % intraday fall does not freeze: the CRO and CEO act instead."""
    return CoreConfig.from_mapping({"supervisor": {"freeze_daily_loss": 0.5}})
