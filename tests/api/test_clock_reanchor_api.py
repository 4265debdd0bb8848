"""``POST /api/federation/clock/reanchor`` (admin): the recorded way out for an account whose
clock a mis-stamped event pushed into the future. Status shows each account's skew."""

from __future__ import annotations

import pytest

from federation_ai.service.verify import verify

from .helpers import event_count, snapshot
from .test_schemathesis import schema

API = "/api/federation"
NOW = "2030-06-01T12:00:00Z"
TOMORROW = "2030-06-02T12:00:00Z"


@pytest.fixture
async def poisoned(service, clock) -> str:
    """An account whose clock is a day ahead of the service's: it was accepted while the
    service's clock was wrong too (or before the future limit existed)."""
    clock.set("2030-06-01T11:00:00Z")
    await service.ingest(snapshot("s-1", "2030-06-01T11:00:00Z", 10_000.0))
    clock.set(TOMORROW)
    await service.ingest(snapshot("s-future", TOMORROW, 10_000.0))
    clock.set(NOW)
    return "default"


async def test_status_shows_how_far_each_account_clock_is_ahead(client, keys, poisoned):
    body = (await client.get(f"{API}/status", headers=keys.headers("viewer"))).json()
    assert body["accounts"]["default"]["clock_skew_s"] == 86_400.0
    assert body["clock"] == {"now": NOW, "max_future_skew_s": 300.0}


async def test_reanchor_lets_real_events_in_again_and_is_in_the_audit_trail(
    client, keys, service, poisoned
):
    real = snapshot("s-real-1", "2030-06-01T12:01:00Z", 9_000.0)
    assert (await service.ingest(real)).outcome == "out_of_order"

    r = await client.post(f"{API}/clock/reanchor", json={"reason": "producer clock fixed"},
                          headers=keys.headers("admin"))
    assert r.status_code == 200, r.text
    (decision,) = r.json()["decisions"]
    assert decision["decision_type"] == "override"
    assert decision["role_source"] == "operator"
    assert decision["status"] == "applied"
    assert decision["timestamp"] == NOW
    assert decision["payload"] == {
        "action": "clock_reanchor", "previous_clock": TOMORROW, "clock": NOW}
    assert "admin-key" in decision["reason"] and "producer clock fixed" in decision["reason"]

    status = (await client.get(f"{API}/status", headers=keys.headers("viewer"))).json()
    assert status["accounts"]["default"]["clock_skew_s"] == 0.0
    r = await client.post(f"{API}/events", json=snapshot("s-real-2", "2030-06-01T12:01:00Z", 9_000.0),
                          headers=keys.headers("operator"))
    assert r.json()["outcome"] == "processed"

    trail = (await client.get(f"{API}/decisions", params={"type": "override"},
                              headers=keys.headers("viewer"))).json()["items"]
    assert [d["decision_id"] for d in trail] == [decision["decision_id"]]
    # the event log alone replays to the same decisions, the re-anchor included
    assert (await verify(service.store, service.settings.core)).ok


async def test_reanchor_to_a_given_time(client, keys, service, poisoned):
    r = await client.post(f"{API}/clock/reanchor",
                          json={"reason": "x", "clock_at": "2030-06-01T13:50:00+02:00"},
                          headers=keys.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["decisions"][0]["payload"]["clock"] == "2030-06-01T11:50:00Z"
    assert service.policy("default")["last_event_at"] == "2030-06-01T11:50:00Z"


@pytest.mark.parametrize(
    ("clock_at", "words"),
    [
        ("2030-06-01T12:05:01Z", "ahead of the service clock"),
        ("tomorrow", "RFC 3339"),
        ("9999-12-31T23:59:59-23:59", "range"),
    ],
)
async def test_a_bad_target_is_422_and_changes_nothing(client, keys, service, poisoned, clock_at, words):  # noqa: PLR0917
    before, policy = await event_count(service), service.policy("default")
    r = await client.post(f"{API}/clock/reanchor", json={"reason": "x", "clock_at": clock_at},
                          headers=keys.headers("admin"))
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "clock_at"]
    assert words in error["msg"]
    assert await event_count(service) == before
    assert service.policy("default") == policy


@pytest.mark.parametrize(("scope", "status"), [(None, 401), ("viewer", 403), ("operator", 403)])
async def test_reanchor_needs_the_admin_scope(client, keys, service, poisoned, scope, status):  # noqa: PLR0917
    before = await event_count(service)
    r = await client.post(f"{API}/clock/reanchor", json={"reason": "x"}, headers=keys.headers(scope))
    assert r.status_code == status
    assert await event_count(service) == before


async def test_reanchor_of_an_unknown_account_is_404(client, keys, poisoned):
    r = await client.post(f"{API}/clock/reanchor", json={"reason": "x", "account_id": "nope"},
                          headers=keys.headers("admin"))
    assert r.status_code == 404


async def test_reanchor_needs_a_reason(client, keys, poisoned):
    r = await client.post(f"{API}/clock/reanchor", json={}, headers=keys.headers("admin"))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "reason"]


def test_the_route_is_in_the_schema_that_schemathesis_covers():
    operations = {(op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations())}
    assert ("POST", "/api/federation/clock/reanchor") in operations
