"""Every endpoint x no key / viewer / operator / admin -> 401 / 403 / 2xx."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from federation_ai.api import create_app
from federation_ai.api.security import Authenticator, BootstrapKey
from federation_ai.store import DecisionQuery

from .helpers import at, event_count, snapshot

MODE = {"mode": "SHADOW", "reason": "maintenance"}
RISK = {"max_leverage": 2.0, "reason": "volatile market"}
PEAK = {"reason": "new mandate"}
ROLE = {"reason": "test"}

# (method, path, body, minimum scope); None = open
ENDPOINTS = [
    ("GET", "/health", None, None),
    ("GET", "/api/federation/status", None, "viewer"),
    ("GET", "/api/federation/status?account_id=default", None, "viewer"),
    ("GET", "/api/federation/decisions", None, "viewer"),
    ("GET", "/api/federation/decisions/{decision_id}", None, "viewer"),
    ("GET", "/api/federation/policy?account_id=default", None, "viewer"),
    ("POST", "/api/federation/mode", MODE, "operator"),
    ("POST", "/api/federation/mode", {**MODE, "mode": "LIVE", "force": True}, "admin"),
    ("POST", "/api/federation/risk", RISK, "operator"),
    ("POST", "/api/federation/roles/cio/disable", ROLE, "operator"),
    ("POST", "/api/federation/roles/cio/enable", None, "operator"),
    ("POST", "/api/federation/peak/reset", PEAK, "admin"),
    ("POST", "/api/federation/events", "EVENT", "operator"),
    ("GET", "/docs", None, None),
    ("GET", "/openapi.json", None, None),
    ("GET", "/metrics", None, None),
]
LEVEL = {None: -1, "viewer": 0, "operator": 1, "admin": 2}
_counter = iter(range(10**6))


def _expected(caller: str | None, needed: str | None) -> int:
    if needed is None:
        return 200
    if caller is None:
        return 401
    return 200 if LEVEL[caller] >= LEVEL[needed] else 403


@pytest.mark.parametrize(("method", "path", "body", "needed"), ENDPOINTS,
                         ids=[f"{m} {p} {n}" for m, p, _, n in ENDPOINTS])
@pytest.mark.parametrize("caller", [None, "viewer", "operator", "admin"])
async def test_auth_matrix(client, keys, service, account, method, path, body, needed, caller):  # noqa: PLR0917
    first = (await service.store.query_decisions(DecisionQuery(limit=1))).items[0]
    path = path.replace("{decision_id}", first["decision_id"])
    if body == "EVENT":
        body = snapshot(f"m-{next(_counter)}", at(-5), 10_050.0)
    before = await event_count(service)
    r = await client.request(method, path, json=body, headers=keys.headers(caller))
    expected = _expected(caller, needed)
    assert r.status_code == expected, r.text
    if expected != 200:
        assert await event_count(service) == before  # a refused action writes nothing
    if expected == 401:
        assert r.headers["www-authenticate"] == "Bearer"


async def test_x_api_key_header_works(client, keys, account):
    r = await client.get("/api/federation/status", headers={"X-API-Key": keys.viewer})
    assert r.status_code == 200


@pytest.mark.parametrize("header", [
    {"Authorization": "Bearer fed_not-a-real-key"},
    {"X-API-Key": "fed_not-a-real-key"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer "},
])
async def test_unknown_or_malformed_key_is_401(client, keys, header):
    r = await client.get("/api/federation/status", headers=header)
    assert r.status_code == 401


async def test_revoked_key_is_refused(service, keys, account):
    app = create_app(service, auth_cache_seconds=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/api/federation/status", headers=keys.headers("viewer"))).status_code == 200
        assert await service.store.revoke_api_key("viewer-key")
        assert (await c.get("/api/federation/status", headers=keys.headers("viewer"))).status_code == 401


async def test_bootstrap_key(service, account):
    app = create_app(service, bootstrap_keys=[BootstrapKey.from_key("demo", "operator", "fed_demo")])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.post("/api/federation/mode", json=MODE, headers={"X-API-Key": "fed_demo"})
        assert r.status_code == 200
        assert "demo" in r.json()["decisions"][0]["reason"]
        r = await c.post("/api/federation/peak/reset", json=PEAK, headers={"X-API-Key": "fed_demo"})
        assert r.status_code == 403


@pytest.mark.parametrize("settings_overrides", [{"service": {"metrics_public": False}}])
async def test_private_metrics_need_viewer(client, keys, settings_overrides):
    assert (await client.get("/metrics")).status_code == 401
    r = await client.get("/metrics", headers=keys.headers("viewer"))
    assert r.status_code == 200
    assert "federation_events" in r.text


def test_bootstrap_key_repr_hides_hash():
    key = BootstrapKey.from_key("demo", "admin", "fed_secret")
    assert "fed_secret" not in repr(key)
    assert key.key_hash not in repr(key)


async def test_concurrent_requests_share_one_key_look_up(service, keys):
    calls = []
    find = service.store.find_api_key

    async def counted(digest):
        calls.append(digest)
        await asyncio.sleep(0.05)  # a slow database: everyone arrives while it runs
        return await find(digest)

    auth = Authenticator(service.store, cache_seconds=0)
    service.store.find_api_key = counted
    try:
        found = await asyncio.gather(*(auth.authenticate(keys.viewer) for _ in range(20)))
        assert [p.name for p in found] == ["viewer-key"] * 20
        assert len(calls) == 1
        assert await auth.authenticate(keys.viewer) is not None  # done: the next one looks again
        assert len(calls) == 2
        assert await asyncio.gather(auth.authenticate("fed_unknown"), auth.authenticate("fed_unknown")) == [None, None]
    finally:
        del service.store.find_api_key


def test_openapi_documents_both_key_schemes_on_protected_endpoints(service):
    spec = create_app(service).openapi()
    assert set(spec["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    assert spec["paths"]["/api/federation/status"]["get"]["security"] == [
        {"HTTPBearer": []},
        {"APIKeyHeader": []},
    ]
    assert "security" not in spec["paths"]["/health"]["get"]
