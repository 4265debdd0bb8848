"""/health: open, ``ok`` or ``degraded`` with reasons that never carry the error itself;
/status carries the full picture for viewers."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from federation_ai.api import create_app
from federation_ai.api.security import generate_key, hash_key
from federation_ai.service import build_service
from federation_ai.settings import load_settings
from tests.service.helpers import SwitchableBus


@pytest.fixture
async def rig(tmp_path):
    bus = SwitchableBus("svc")
    settings = load_settings(environ={}, overrides={"service": {
        "data_dir": str(tmp_path), "health_probe_s": 0.05}})
    svc = await build_service(settings, bus=bus)
    await svc.start()
    key = generate_key()
    await svc.store.add_api_key("viewer-1", "viewer", hash_key(key))
    transport = httpx.ASGITransport(app=create_app(svc))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client, bus, {"Authorization": f"Bearer {key}"}
    await svc.stop()


async def _until_health(client: httpx.AsyncClient, status: str) -> dict:
    async with asyncio.timeout(10):
        while (body := (await client.get("/health")).json())["status"] != status:
            await asyncio.sleep(0.02)
    return body


async def test_health_says_degraded_with_reasons_while_the_bus_is_gone(rig):
    client, bus, viewer = rig
    assert (await client.get("/health")).json() == {"status": "ok", "reasons": []}
    bus.down = True
    body = await _until_health(client, "degraded")
    assert "bus: probe failing (unreachable)" in " ".join(body["reasons"])
    assert "127.0.0.1" not in str(body)  # the public answer names the fault, not the error
    status = (await client.get("/api/federation/status", headers=viewer)).json()
    assert status["health"]["status"] == "degraded"
    check = status["health"]["checks"]["bus.probe"]
    assert check["ok"] is False
    assert "127.0.0.1:6379" in check["last_error"]["error"]
    assert status["auth"]["source"] == "store"
    bus.down = False
    assert (await _until_health(client, "ok"))["reasons"] == []
    status = (await client.get("/api/federation/status", headers=viewer)).json()
    assert status["health"]["checks"]["bus.probe"]["last_error"] is None
