"""PostgreSQL cut off behind a proxy: reads keep answering from cached keys, the rest
answers 503, every call is bounded, and /health tells."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from federation_ai.api import create_app
from federation_ai.api.security import generate_key, hash_key
from federation_ai.service import build_service
from federation_ai.store import Batch, EventRow, Store, StoreTimeouts

from .conftest import settings_for
from .tcp_proxy import TcpProxy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.postgres

BOUND_S = 10.0  # the test's own guard: far above every timeout set here


@pytest.fixture
async def proxied_pg(pg_url: str) -> AsyncIterator[tuple[str, TcpProxy]]:
    """A migrated database and its URL through a proxy the test can pause or kill."""
    async with await Store.open(pg_url) as store:
        await store.upgrade()
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    yield url.set(port=port).render_as_string(hide_password=False), proxy
    await proxy.close()


def _timeouts(**kw: Any) -> dict[str, Any]:
    return {"db_connect_timeout_s": 1.0, "db_command_timeout_s": 1.0,
            "auth_lookup_timeout_s": 0.3, "health_probe_s": 0.05, "health_stall_s": 0.5, **kw}


@pytest.fixture
async def api(tmp_path, proxied_pg) -> AsyncIterator[tuple[httpx.AsyncClient, Any, TcpProxy, str]]:
    db, proxy = proxied_pg
    svc = await build_service(settings_for(tmp_path, db_url=db, **_timeouts()))
    await svc.start()
    key = generate_key()
    await svc.store.add_api_key("viewer-1", "viewer", hash_key(key))
    app = create_app(svc, auth_cache_seconds=0.1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        yield client, svc, proxy, key
    await proxy.restore()
    await svc.stop()


async def _until_health(client: httpx.AsyncClient, status: str) -> dict[str, Any]:
    async with asyncio.timeout(BOUND_S):
        while True:
            body = (await client.get("/health")).json()
            if body["status"] == status:
                return body
            await asyncio.sleep(0.02)


async def _status(client: httpx.AsyncClient) -> httpx.Response:
    async with asyncio.timeout(BOUND_S):  # never a hang
        return await client.get("/api/federation/status")


@pytest.mark.parametrize("mode", ["kill", "pause"])
async def test_status_answers_from_cached_keys_while_postgres_is_gone(api, mode):
    client, _svc, proxy, _key = api
    first = await _status(client)
    assert first.status_code == 200
    assert first.json()["auth"]["source"] == "store"
    if mode == "kill":
        await proxy.kill()
    else:
        proxy.pause()
    await asyncio.sleep(0.2)  # the key's cache entry expires: the next check asks the store
    during = await _status(client)
    assert during.status_code == 200, during.text
    auth = during.json()["auth"]
    assert auth["source"] == "cached"
    assert auth["since"]
    assert auth["last_error"]["at"]
    degraded = await _until_health(client, "degraded")
    assert any(r.startswith("store: ") for r in degraded["reasons"])
    # a key never seen valid cannot be checked: 503, not 401 and not 500
    stranger = await client.get("/api/federation/status",
                                headers={"Authorization": f"Bearer {generate_key()}"})
    assert stranger.status_code == 503
    assert stranger.headers["Retry-After"] == "1"
    await proxy.restore()
    await _until_health(client, "ok")
    await asyncio.sleep(0.2)
    after = await _status(client)
    assert after.json()["auth"] == {"source": "store", "since": after.json()["auth"]["since"],
                                    "last_error": None}


async def test_store_reads_answer_503_during_an_outage(api):
    client, _svc, proxy, _key = api
    assert (await client.get("/api/federation/decisions")).status_code == 200
    await proxy.kill()
    async with asyncio.timeout(BOUND_S):
        response = await client.get("/api/federation/decisions")
    assert response.status_code == 503
    assert "store or bus" in response.json()["detail"]
    assert response.headers["Retry-After"] == "1"


async def test_ingest_during_an_outage_answers_503_and_nothing_is_half_done(tmp_path, proxied_pg):
    db, proxy = proxied_pg
    svc = await build_service(settings_for(tmp_path, db_url=db, **_timeouts()))
    await svc.start()
    key = generate_key()
    await svc.store.add_api_key("op", "operator", hash_key(key))
    app = create_app(svc)
    event = {"event_type": "portfolio.snapshot_updated", "event_id": "s-1",
             "timestamp": datetime.now(UTC).isoformat(), "payload": {"total_equity": 10_000.0}}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                     headers={"Authorization": f"Bearer {key}"}) as client:
            assert (await client.get("/api/federation/status")).status_code == 200
            proxy.pause()
            async with asyncio.timeout(BOUND_S):
                response = await client.post("/api/federation/events", json=event)
            assert response.status_code == 503
            assert svc.accounts() == []
            await proxy.restore()
            await _until_health(client, "ok")
            again = await client.post("/api/federation/events", json=event)
            assert again.status_code == 200, again.text
            assert svc.accounts() == ["default"]
    finally:
        await proxy.restore()
        await svc.stop()


async def test_a_hung_postgres_connection_becomes_an_error(proxied_pg):
    db, proxy = proxied_pg
    timeouts = StoreTimeouts(connect_s=0.5, command_s=0.5)
    async with await Store.open(db, timeouts) as store:
        batch = Batch(events=[EventRow("a", "e-1", "trade.closed", datetime.now(UTC), {}, "processed")],
                      decisions=[], states={}, outbox=[])
        await store.commit_batch(batch)  # the batch writer's own connection is open
        proxy.pause()
        for call in (store.probe, lambda: store.commit_batch(Batch(events=[EventRow(
                "a", "e-2", "trade.closed", datetime.now(UTC), {}, "processed")],
                decisions=[], states={}, outbox=[]))):
            async with asyncio.timeout(BOUND_S):
                with pytest.raises((TimeoutError, OSError)):
                    await call()
        await proxy.restore()
        await store.probe()
