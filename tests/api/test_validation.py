"""Bad input: 422 with field paths, 413 for oversized bodies, 404 for unknown accounts.
In every case nothing is written."""

from __future__ import annotations

import json

import pytest

from .helpers import at, event_count, snapshot

API = "/api/federation"


@pytest.mark.parametrize(("path", "body", "loc"), [
    ("/mode", {"mode": "TURBO", "reason": "x"}, ["body", "mode"]),
    ("/mode", {"mode": "LIVE"}, ["body", "reason"]),
    ("/mode", {"mode": "LIVE", "reason": ""}, ["body", "reason"]),
    ("/mode", {"mode": "LIVE", "reason": "x", "duration_minutes": -5}, ["body", "duration_minutes"]),
    ("/mode", {"mode": "LIVE", "reason": "x", "colour": "red"}, ["body", "colour"]),
    ("/mode", {"mode": "LIVE", "reason": "x", "force": "yes"}, ["body", "force"]),
    ("/risk", {"reason": "x"}, ["body"]),
    ("/risk", {"max_leverage": 0, "reason": "x"}, ["body", "max_leverage"]),
    ("/risk", {"max_position_size_pct": 1.5, "reason": "x"}, ["body", "max_position_size_pct"]),
    ("/risk", {"max_drawdown_pct": 2, "reason": "x"}, ["body", "max_drawdown_pct"]),
    ("/risk", {"max_leverage": 2}, ["body", "reason"]),
    ("/peak/reset", {}, ["body", "reason"]),
    ("/roles/cio/disable", {"reason": "x", "extra": 1}, ["body", "extra"]),
    ("/roles/trader/disable", {"reason": "x"}, ["path", "role"]),
    ("/events", snapshot("bad-1", at(-1), -5.0), ["body", "payload", "total_equity"]),
    ("/events", {**snapshot("bad-2", at(-1), 1.0), "timestamp": "2024-03-01T12:00:00"}, ["body", "timestamp"]),
    ("/events", {**snapshot("bad-3", at(-1), 1.0), "event_type": "nope"}, ["body", "event_type"]),
    ("/events", {**snapshot("bad-4", at(-1), 1.0), "payload": {}}, ["body", "payload", "total_equity"]),
    ("/events", {"event_type": "operator.command", "event_id": "x", "timestamp": at(-1),
                 "payload": {"command": "reset_peak", "key_name": "me", "scopes": ["admin"]}},
     ["body", "event_type"]),
    ("/events", [1, 2], ["body"]),
])
async def test_bad_body_is_422_with_field_path(client, keys, service, account, path, body, loc):  # noqa: PLR0917
    before = await event_count(service)
    policy = service.policy("default")
    r = await client.post(API + path, json=body, headers=keys.headers("admin"))
    assert r.status_code == 422, r.text
    locs = [e["loc"] for e in r.json()["detail"]]
    assert loc in locs
    assert await event_count(service) == before
    assert service.policy("default") == policy


async def test_nan_is_rejected(client, keys, service, account):
    raw = '{"max_leverage": NaN, "reason": "x"}'
    r = await client.post(f"{API}/risk", content=raw, headers={
        **keys.headers("admin"), "Content-Type": "application/json"})
    assert r.status_code == 422


async def test_oversized_body_is_413(client, keys, service, account):
    before = await event_count(service)
    big = snapshot("big", at(-1), 10_000.0, note="x" * (70 * 1024))
    r = await client.post(f"{API}/events", json=big, headers=keys.headers("operator"))
    assert r.status_code == 413
    assert await event_count(service) == before


async def test_oversized_streamed_body_is_413(client, keys, service, account):
    """No Content-Length (chunked): the bytes are counted as they arrive."""
    big = json.dumps(snapshot("big", at(-1), 10_000.0, note="x" * (70 * 1024))).encode()

    async def chunks():
        for i in range(0, len(big), 4096):
            yield big[i:i + 4096]

    r = await client.post(f"{API}/events", content=chunks(), headers={
        **keys.headers("operator"), "Content-Type": "application/json"})
    assert r.status_code == 413
    assert service.policy("default")["last_event_id"] == "seed-1"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/status?account_id=nobody", None),
    ("GET", "/policy?account_id=nobody", None),
    ("GET", "/decisions?account_id=nobody", None),
    ("GET", "/stream?account_id=nobody", None),
    ("POST", "/mode", {"mode": "PAUSED", "reason": "x", "account_id": "nobody"}),
    ("POST", "/risk", {"max_leverage": 1, "reason": "x", "account_id": "nobody"}),
    ("POST", "/roles/cio/disable", {"account_id": "nobody"}),
    ("POST", "/roles/supervisor/disable", {"account_id": "nobody"}),
    ("POST", "/peak/reset", {"reason": "x", "account_id": "nobody"}),
])
async def test_unknown_account_is_404(client, keys, service, account, method, path, body):  # noqa: PLR0917
    before = await event_count(service)
    r = await client.request(method, API + path, json=body, headers=keys.headers("admin"))
    assert r.status_code == 404, r.text
    assert await event_count(service) == before
    assert service.policy("nobody") is None


async def test_unknown_decision_is_404(client, keys):
    r = await client.get(f"{API}/decisions/not-a-decision", headers=keys.headers("viewer"))
    assert r.status_code == 404


@pytest.mark.parametrize("query", [
    "limit=0", "limit=501", "since=2024-03-01T00:00:00", "cursor=%%%", "role=trader", "type=x",
    "status=pending",
])
async def test_bad_query_is_422(client, keys, account, query):
    r = await client.get(f"{API}/decisions?{query}", headers=keys.headers("viewer"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][0] == "query"
