"""A producer that writes exactly what the quantum_trader backend writes to Redis.

Field by field as in that repository: the envelope of
``backend/core/eventbus/redis_stream_bus.py`` (six string fields, ``payload`` as
``json.dumps``, a zone-less ``datetime.utcnow().isoformat()`` time, ``XADD MAXLEN ~
10000``); snapshots as ``microservices/portfolio_intelligence`` publishes them
(``PortfolioSnapshotUpdatedEvent.model_dump()``); flat ``trade.closed`` entries as the
intent executor's main lane writes them (``XADD MAXLEN 1000``, no envelope); ESS events
as ``microservices/risk_safety/service.py`` publishes them. The wall clock is replaced
by ``now`` so the scenario can span days; the format is the backend's.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

STREAM_PREFIX = "quantum:stream:"
MAX_STREAM_LEN = 10_000  # RedisStreamBus.MAX_STREAM_LEN, trimmed approximately
TRADE_MAXLEN = 1_000  # intent_executor main lane: maxlen=1000 (exact)


class BackendProducer:
    def __init__(self, redis: Redis, namespace: str, now: datetime, service: str) -> None:
        self.redis, self.ns, self.now, self.service = redis, namespace, now, service

    async def publish(self, event_type: str, payload: dict[str, Any]) -> str:
        """RedisStreamBus.publish(event_type, payload, trace_id=None, source=None)."""
        message = {
            "event_type": event_type,
            "payload": json.dumps(payload),
            "trace_id": "",
            "correlation_id": str(uuid.uuid4()),
            "timestamp": self.now.isoformat(),  # datetime.utcnow().isoformat(): no zone
            "source": self.service,
        }
        return await self.redis.xadd(
            self.ns + STREAM_PREFIX + event_type, message,  # type: ignore[arg-type]
            maxlen=MAX_STREAM_LEN, approximate=True,
        )

    async def snapshot(self, equity: float, peak_today: float) -> str:
        """portfolio_intelligence: _publish_snapshot_updated(snapshot)."""
        drawdown_pct = 0.0
        if peak_today > 0:
            drawdown_pct = ((peak_today - equity) / peak_today) * 100
        event = {
            "total_equity": equity,
            "cash_balance": equity,
            "total_exposure": 0.0,
            "num_positions": 0,
            "unrealized_pnl": 0.0,
            "realized_pnl_today": 0.0,
            "daily_drawdown_pct": drawdown_pct,
            # datetime.now(timezone.utc).isoformat(): this one has a zone
            "timestamp": self.now.replace(tzinfo=UTC).isoformat(),
        }
        return await self.publish("portfolio.snapshot_updated", event)

    async def trade_closed(self, symbol: str | None, entry: float, exit_: float,
                           pnl_percent: str | None = None) -> str:
        """intent_executor main lane: the flat close_event, no envelope."""
        pct = ((exit_ - entry) / entry) * 100
        close_event = {
            "event_type": "trade.closed",
            "timestamp": self.now.isoformat(),
            "symbol": symbol,
            "side": "LONG",
            "entry_price": str(entry),
            "exit_price": str(exit_),
            "pnl_percent": pnl_percent if pnl_percent is not None else str(round(pct, 2)),
            "confidence": "0.5",
            "model_id": "main_lane_close",
            "R_net": "0.0",
            "pnl_usd": "0.0",
            "reason": "main_lane_flat",
            "order_id": "123456",
            "source": "intent_executor_main",
        }
        fields = {k: v for k, v in close_event.items() if v is not None}
        return await self.redis.xadd(
            self.ns + STREAM_PREFIX + "trade.closed", fields,  # type: ignore[arg-type]
            maxlen=TRADE_MAXLEN,
        )

    async def ess_state_changed(self, old: str, new: str, **extra: Any) -> str:
        """risk_safety: after record_trade, override_ess (manual_override, reason), reset_ess."""
        payload = {"old_state": old, "new_state": new, **extra,
                   "timestamp": self.now.replace(tzinfo=UTC).isoformat()}
        return await self.publish("ess.state.changed", payload)

    async def ess_tripped(self, reason: str) -> str:
        """risk_safety: published right after a change to CRITICAL."""
        return await self.publish(
            "ess.tripped", {"reason": reason, "timestamp": self.now.replace(tzinfo=UTC).isoformat()}
        )
