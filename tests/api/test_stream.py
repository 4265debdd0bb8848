"""Server-Sent Events over a real HTTP server (uvicorn on loopback)."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn

from .helpers import at, health, snapshot

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

API = "/api/federation"


@pytest.fixture
def settings_overrides():
    return {"api": {"stream_key_check_s": 0.2}}


@pytest.fixture
async def base_url(app) -> AsyncIterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _frames(response: httpx.Response) -> AsyncIterator[tuple[str, dict | str]]:
    """("comment", text) or ("decision", decision) per SSE block."""
    block: list[str] = []
    async for line in response.aiter_lines():
        if line:
            block.append(line)
            continue
        if block and block[0].startswith(":"):
            yield "comment", block[0][1:].strip()
        elif block:
            fields = dict(x.split(": ", 1) for x in block)
            yield fields["event"], json.loads(fields["data"])
        block = []


async def test_stream_delivers_decisions_after_ingest(base_url, keys, service, account):
    headers = keys.headers("viewer")
    url = f"{API}/stream?account_id=default"
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as c,
        asyncio.timeout(15),
        c.stream("GET", url, headers=headers) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        frames = _frames(r)
        assert await anext(frames) == ("comment", "connected")
        await service.ingest(snapshot("other-1", at(-1), 500.0, account="acc-b"))
        await service.ingest(health("h-1", at(-1), "DEGRADED"))
        kind, decision = await anext(frames)
        while kind == "comment":
            kind, decision = await anext(frames)
        assert kind == "decision"
        assert decision["account_id"] == "default"  # acc-b's freeze was filtered out
        assert decision["event_id"] == "h-1"
        assert decision["decision_type"] == "mode_change"


async def test_stream_sends_heartbeats_and_unsubscribes(base_url, keys, service, account):
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as c, asyncio.timeout(15):
        async with c.stream("GET", f"{API}/stream", headers=keys.headers("viewer")) as r:
            frames = _frames(r)
            assert await anext(frames) == ("comment", "connected")
            assert service.status()["subscribers"] == 1
            assert await anext(frames) == ("comment", "heartbeat")
        while service.status()["subscribers"]:  # the server notices the disconnect
            await asyncio.sleep(0.05)


async def test_stream_needs_a_key(base_url):
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as c:
        assert (await c.get(f"{API}/stream")).status_code == 401


async def test_a_stream_ends_once_its_key_is_revoked(base_url, keys, service, account):
    headers = keys.headers("viewer")
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as c, asyncio.timeout(30):
        async with c.stream("GET", f"{API}/stream", headers=headers) as r:
            frames = _frames(r)
            assert await anext(frames) == ("comment", "connected")
            for _ in range(3):  # several key checks pass while the key is valid
                assert await anext(frames) == ("comment", "heartbeat")
            assert await service.store.revoke_api_key("viewer-key")
            rest = [frame async for frame in frames]  # until the server ends the stream
        assert rest[-1] == ("comment", "key revoked")
        assert all(kind == "comment" for kind, _ in rest)
        while service.status()["subscribers"]:  # the subscription is gone too
            await asyncio.sleep(0.05)
        assert (await c.get(f"{API}/stream", headers=headers)).status_code == 401
