"""With the profile, the portfolio adapter's start-up snapshots are the backend's too."""

from __future__ import annotations

from datetime import datetime

import pytest

from federation_ai.service import build_service
from federation_ai.settings import load_settings

from .conftest import REDIS_URL
from .quantum_trader_producer import BackendProducer

pytestmark = pytest.mark.redis


@pytest.mark.parametrize("profile", ["quantum_trader", ""])
async def test_the_latest_backend_snapshot_is_loaded_at_start(tmp_path, redis, namespace, profile):
    backend = BackendProducer(redis, namespace, datetime(2026, 3, 16, 9, 0), "portfolio")
    entry = await backend.snapshot(10_000.0, 10_000.0)
    settings = load_settings(environ={}, overrides={
        "service": {"data_dir": str(tmp_path)},
        "adapters": {"portfolio": "redis", "redis_url": REDIS_URL},
        "interop": {"profile": profile, "enforcement": False},
    })
    svc = await build_service(settings, namespace=namespace)
    await svc.start()
    try:
        stored = await svc.store.get_event("default", entry)
        if profile:
            assert stored is not None
            assert stored["timestamp"] == "2026-03-16T09:00:00Z"
        else:  # the zone-less time is refused, as before
            assert stored is None
    finally:
        await svc.stop()
