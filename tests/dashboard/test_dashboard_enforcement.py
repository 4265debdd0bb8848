"""The dashboard shows whether each of the trading backend's halt keys matches the policy."""

from __future__ import annotations

import os
import uuid

import pytest
import redis as redis_sync
from playwright.sync_api import expect

from .conftest import open_dashboard, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.redis]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def backend_redis():
    client = redis_sync.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        client.ping()
    except (redis_sync.RedisError, OSError) as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis not reachable at {REDIS_URL}: {exc} (required when CI=true)")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    ns = f"test-dash-{uuid.uuid4().hex[:12]}:"
    yield client, ns
    keys = list(client.scan_iter(match=f"{ns}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_the_halt_keys_panel_follows_the_freeze(page, tmp_path, monkeypatch, backend_redis):
    client, ns = backend_redis
    monkeypatch.setenv("FEDERATION_INTEROP__PROFILE", "quantum_trader")
    monkeypatch.setenv("FEDERATION_ADAPTERS__REDIS_URL", REDIS_URL)
    server = start_server(tmp_path, "--namespace", ns)
    try:
        server.snapshot(10_000.0)
        server.snapshot(8_000.0)  # 20 % down: freeze
        open_dashboard(page, server, "viewer")
        panel = page.locator("#enforcement")
        expect(panel).to_be_visible(timeout=15_000)
        summary = page.locator("#enforcement-summary")
        expect(summary).to_contain_text("default: frozen; every halt key matches",
                                        timeout=15_000)
        row = page.locator('tr[data-key="quantum:kill"]')
        expect(row).to_contain_text("matches")
        assert client.get(ns + "quantum:kill") == "1"

        client.delete(ns + "quantum:governor:halt")  # cleared behind the service's back
        expect(summary).to_contain_text("halt keys do not match the policy", timeout=15_000)
        expect(page.locator('tr[data-key="quantum:governor:halt"]')).to_contain_text(
            "does not match")
    finally:
        stop_server(server)
