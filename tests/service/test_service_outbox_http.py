"""Outbox retries against a real local HTTP server that is down at first."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from federation_ai.service import build_service

from .conftest import load_events, settings_for


class PolicyServer:
    """A tiny policy-store endpoint: answers 503 to the first ``fail`` POSTs."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.received: list[dict] = []
        self.attempts = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.attempts += 1
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(503)
                else:
                    outer.received.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/policy"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def policy_server():
    with PolicyServer(fail=3) as server:
        yield server


async def test_failing_adapter_is_retried_without_blocking_decisions(tmp_path, policy_server):
    settings = settings_for(tmp_path)
    settings = type(settings)(
        core=settings.core,
        service=settings.service,
        adapters=type(settings.adapters)(
            policy_store="http", policy_store_url=policy_server.url, http_retries=0
        ),
    )
    svc = await build_service(settings)
    svc.relay.backoff_s = 0.01
    await svc.start()
    try:
        events = load_events()
        for envelope in events:
            result = await svc.ingest(envelope)  # decisions come back while the adapter is down
            assert result.outcome == "processed"
        horizon = svc.relay.backoff(10)  # later than any retry of this test
        async with asyncio.timeout(20):
            while await svc.store.due_outbox(svc.relay.clock() + horizon):
                await svc.relay.drain()
                await asyncio.sleep(0.01)

        health = svc.status()["adapters"]["policy_store"]
        assert health["failures"] >= 1
        assert "HTTP 503" in health["last_error"]
        assert health["consecutive_failures"] == 0
        assert policy_server.received, "the adapter got the policy once the server came back"
        last = policy_server.received[-1]
        policy = svc.policy("default")
        assert last["account_id"] == "default"
        assert last["policy"]["mode"] == policy["mode"]
        assert last["policy"]["risk_limits"] == policy["risk_limits"]
        # publishing was never held up by the adapter
        await svc.refresh_figures()
        assert svc.status()["outbox"]["by_kind"].get("publish", 0) == 0
        assert svc.metrics_registry().get_sample_value(
            "federation_adapter_failures_total", {"adapter": "policy_store"}
        ) >= 1
    finally:
        await svc.stop()
