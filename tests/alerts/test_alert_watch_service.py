"""Shell-observed happenings through the service: stale data, once per episode."""

from __future__ import annotations

import asyncio

from federation_ai.core.micros import US_PER_SECOND, format_timestamp, parse_timestamp
from federation_ai.service import build_service
from federation_ai.settings import load_settings

from .receivers import wait_until
from .service_setup import WEBHOOK_SECRET, webhook_bodies


async def test_stale_data_alerts_once_per_episode(tmp_path, http):
    now = [parse_timestamp("2024-01-01T10:00:00Z")]  # the service's clock, moved by hand
    settings = load_settings(environ={}, overrides={
        "service": {"data_dir": str(tmp_path)},
        "watchdog": {"stale_after_s": 60.0, "check_every_s": 3600.0},
        "alerts": {"urls": [f"webhook+http://{http.url('/signed')}"],
                   "webhook_secret": WEBHOOK_SECRET, "group_s": 0.2, "check_every_s": 3600.0},
    })  # fmt: skip
    svc = await build_service(settings, clock=lambda: now[0])
    await svc.start()

    async def look():
        await svc.watchdog.check()
        w = svc.watchdog
        return await svc.alerts.look(now[0], adapter_failures={}, bus_lag=0,
                                     stale_accounts=w.stale, input_stale=False)  # fmt: skip

    try:
        await svc.ingest({"event_type": "portfolio.snapshot_updated", "event_id": "s1",
                          "account_id": "acc", "timestamp": format_timestamp(now[0]),
                          "payload": {"total_equity": 10_000.0}})  # fmt: skip
        assert await look() == []
        now[0] += 61 * US_PER_SECOND
        (stale,) = await look()
        assert stale.kind == "stale_data" and stale.happening_id.startswith("stale:acc:")
        now[0] += 10 * US_PER_SECOND
        assert await look() == []  # the same episode
        svc.alerts._queued.clear()  # as after a restart of the watch: the store still refuses it
        await look()
        await wait_until(lambda: len(http.at("/signed")) == 1, what="the stale-data message")
        await asyncio.sleep(0.6)
        (message,) = webhook_bodies(http)
        assert message["happenings"][0]["summary"] == "stale data: acc: no snapshot"
    finally:
        await svc.stop()
