"""The key comes first: 401/403/429 before the body is read; refused keys logged, never shown."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from federation_ai.api import create_app
from federation_ai.api.auth_throttle import FailureThrottle

BROKEN = b'{"mode": "SHADOW", "reason": '  # not JSON
POSTS = [
    ("/api/federation/mode", "operator"),
    ("/api/federation/risk", "operator"),
    ("/api/federation/roles/cio/disable", "operator"),
    ("/api/federation/peak/reset", "admin"),
    ("/api/federation/events", "operator"),
]
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(("path", "needed"), POSTS)
async def test_no_key_and_a_broken_body_is_401_not_422(client, path, needed):
    r = await client.post(path, content=BROKEN, headers=JSON)
    assert r.status_code == 401, r.text
    assert "body" not in r.text
    wrong = await client.post(path, content=BROKEN, headers={**JSON, "X-API-Key": "fed_wrong"})
    assert wrong.status_code == 401


@pytest.mark.parametrize(("path", "needed"), POSTS)
async def test_too_small_a_scope_and_a_broken_body_is_403(client, keys, path, needed):
    r = await client.post(path, content=BROKEN, headers={**JSON, **keys.headers("viewer")})
    assert r.status_code == 403, r.text


async def test_a_good_key_and_a_broken_body_is_still_422(client, keys, account):
    r = await client.post("/api/federation/mode", content=BROKEN, headers={**JSON, **keys.headers("admin")})
    assert r.status_code == 422


async def test_each_refused_key_is_logged_without_the_key(client, keys):
    secret = "fed_" + "x" * 43
    with capture_logs() as logs:
        await client.get("/api/federation/status", headers={"Authorization": f"Bearer {secret}"})
        await client.post("/api/federation/mode", content=BROKEN, headers=JSON)
        await client.post("/api/federation/peak/reset", json={"reason": "r"}, headers=keys.headers("operator"))
    refused = [e for e in logs if e["event"] == "api_key_refused"]
    assert [(e["route"], e["method"], e["reason"]) for e in refused] == [
        ("/api/federation/status", "GET", "unknown or revoked API key"),
        ("/api/federation/mode", "POST", "missing API key"),
    ]
    assert all(e["client"] == "127.0.0.1" for e in refused)
    (forbidden,) = [e for e in logs if e["event"] == "api_key_forbidden"]
    assert forbidden["key_name"] == "operator-key"
    assert forbidden["needed"] == "admin"
    text = repr(logs)
    assert secret not in text
    assert keys.operator not in text


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_repeated_failures_are_answered_429_until_the_hold_ends(service, keys, account):
    import httpx  # noqa: PLC0415

    clock = FakeClock()
    app = create_app(service, throttle=FailureThrottle(limit=3, window_s=30.0, clock=clock))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5555))
    other = httpx.ASGITransport(app=app, client=("203.0.113.8", 5555))
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test") as c,
        httpx.AsyncClient(transport=other, base_url="http://test") as bystander,
    ):
        bad = {"X-API-Key": "fed_guess"}
        assert [(await c.get("/api/federation/status", headers=bad)).status_code for _ in range(3)] == [401] * 3
        with capture_logs() as logs:
            held = await c.get("/api/federation/status", headers=keys.headers("viewer"))
        assert held.status_code == 429  # even a right key is not looked at while held
        assert held.headers["retry-after"] == "30"
        assert not [e for e in logs if e["event"] == "api_key_refused"]  # a held client is not logged per request
        assert (await c.get("/health")).status_code == 200  # open routes stay open
        assert (await bystander.get("/api/federation/status", headers=keys.headers("viewer"))).status_code == 200
        clock.now += 20
        assert (await c.get("/api/federation/status", headers=bad)).headers["retry-after"] == "10"
        clock.now += 10
        assert (await c.get("/api/federation/status", headers=keys.headers("viewer"))).status_code == 200
