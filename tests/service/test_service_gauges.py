"""The gauges the alert rules read: accounts, frozen accounts, adapter failures in a row."""

from __future__ import annotations

import asyncio

from federation_ai.service import build_service

from .conftest import settings_for
from .test_service_outbox_http import PolicyServer


def _snapshot(event_id: str, ts: str, equity: float, account: str) -> dict:
    return {
        "event_type": "portfolio.snapshot_updated",
        "event_id": event_id,
        "account_id": account,
        "timestamp": ts,
        "payload": {"total_equity": equity},
    }


def _gauge(svc, name: str, **labels: str) -> float | None:
    return svc.metrics_registry().get_sample_value(name, labels or None)


async def test_frozen_accounts_gauge_counts_frozen_accounts(tmp_path):
    svc = await build_service(settings_for(tmp_path))
    await svc.start()
    try:
        for account in ("a", "b"):
            await svc.ingest(_snapshot(f"{account}-1", "2024-07-01T09:00:00Z", 10_000.0, account))
        await svc.refresh_figures()
        assert (_gauge(svc, "federation_accounts"), _gauge(svc, "federation_frozen_accounts")) == (2, 0)

        # a 15 % drawdown freezes account a (SPEC: freeze at 10 %)
        await svc.ingest(_snapshot("a-2", "2024-07-01T10:00:00Z", 8_500.0, "a"))
        assert svc.status()["accounts"]["a"]["frozen"] is True
        await svc.refresh_figures()
        assert (_gauge(svc, "federation_accounts"), _gauge(svc, "federation_frozen_accounts")) == (2, 1)
    finally:
        await svc.stop()


def _refusing() -> PolicyServer:
    """An HTTP endpoint that answers every POST with 503 (a downstream system that is down)."""
    return PolicyServer(fail=10**9)


async def test_adapter_failures_gauge_counts_failures_in_a_row(tmp_path):
    settings = settings_for(tmp_path)
    with _refusing() as ess:
        settings = type(settings)(
            core=settings.core,
            service=settings.service,
            adapters=type(settings.adapters)(ess="http", ess_url=ess.url, http_retries=0),
        )
        svc = await build_service(settings)
        svc.relay.backoff_s = 0.01
        await svc.start()
        try:
            await svc.refresh_figures()
            assert _gauge(svc, "federation_adapter_consecutive_failures", adapter="ess") == 0
            # the first snapshot makes an ESS policy decision: its delivery fails
            await svc.ingest(_snapshot("e-1", "2024-07-01T09:00:00Z", 10_000.0, "default"))
            health = svc.relay.delivery.health["ess"]
            async with asyncio.timeout(20):
                while health.consecutive_failures < 2:
                    await svc.relay.drain()
            await svc.refresh_figures()
            failures = _gauge(svc, "federation_adapter_consecutive_failures", adapter="ess")
            assert failures is not None
            assert failures >= 2
            assert _gauge(svc, "federation_adapter_consecutive_failures", adapter="policy_store") == 0
        finally:
            await svc.stop()
