"""Small builders for table-driven core tests: events as data, decisions as tuples."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from federation_ai.core import CoreConfig, Decision, FederationState, parse_event, step
from federation_ai.core.micros import US_PER_DAY, US_PER_MINUTE, format_timestamp, parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Iterable

DAY0 = "2024-01-01"


def at(minute: float = 0, day: int = 0) -> str:
    """A timestamp ``day`` days after 2024-01-01 at 10:00 plus ``minute`` minutes."""
    start = parse_timestamp("2024-01-01T10:00:00Z")
    return format_timestamp(start + day * US_PER_DAY + round(minute * US_PER_MINUTE))


_COUNTER = iter(range(1, 1_000_000_000))


def ev(event_type: str, ts: str, account: str | None = None, **payload: Any) -> dict[str, Any]:
    kind = {
        "snap": "portfolio.snapshot_updated",
        "health": "system.health_updated",
        "model": "model.performance_updated",
        "trade": "trade.closed",
        "op": "operator.command",
    }[event_type]
    env: dict[str, Any] = {
        "event_type": kind,
        "event_id": f"t{next(_COUNTER)}",
        "timestamp": ts,
        "payload": payload,
    }
    if account is not None:
        env["account_id"] = account
    return env


def snap(equity: float, minute: int = 0, day: int = 0, **kw: Any) -> dict[str, Any]:
    return ev("snap", at(minute, day), total_equity=equity, **kw)


def trade(pnl: float, minute: int = 0, day: int = 0) -> dict[str, Any]:
    return ev("trade", at(minute, day), symbol="BTCUSDT", pnl_usd=pnl)


def health(status: str, minute: int = 0, day: int = 0, **kw: Any) -> dict[str, Any]:
    return ev("health", at(minute, day), overall_status=status, **kw)


def model(
    name: str, sharpe: float, win_rate: float, minute: int = 0, day: int = 0, **kw: Any
) -> dict[str, Any]:
    return ev(
        "model",
        at(minute, day),
        model_name=name,
        sharpe_ratio_7d=sharpe,
        win_rate_7d=win_rate,
        **kw,
    )


def op(
    command: str, minute: int = 0, day: int = 0, scopes: tuple[str, ...] = ("operator",), **kw: Any
) -> dict[str, Any]:
    return ev(
        "op", at(minute, day), command=command, key_name="ops-test", scopes=list(scopes), **kw
    )


def run(
    events: Iterable[dict[str, Any]],
    config: CoreConfig | None = None,
    state: FederationState | None = None,
) -> tuple[FederationState, list[list[Decision]]]:
    cfg = config or CoreConfig()
    st = state or FederationState()
    out = []
    for env in events:
        out.append(step(st, parse_event(env), cfg).decisions)
    return st, out


def brief(decisions: list[Decision]) -> list[tuple[str, str, str]]:
    return [(d.role_source, d.decision_type, d.status) for d in decisions]


def last(
    events: Iterable[dict[str, Any]], config: CoreConfig | None = None
) -> list[tuple[str, str, str]]:
    """The (role, type, status) of the decisions made on the last event."""
    return brief(run(events, config)[1][-1])


def of_type(decisions: list[Decision], decision_type: str) -> list[Decision]:
    return [d for d in decisions if d.decision_type == decision_type]
