"""Operator actions: audit records, pins, vetoes, forced unfreeze, the Supervisor's 409."""

from __future__ import annotations

from federation_ai.store import DecisionQuery

from .helpers import at, event_count, health, snapshot

API = "/api/federation"


async def _ingest(client, keys, envelope):
    r = await client.post(f"{API}/events", json=envelope, headers=keys.headers("operator"))
    assert r.status_code == 200, r.text
    return r.json()


async def test_supervisor_cannot_be_toggled(client, keys, service, account):
    before = await event_count(service)
    for verb in ("disable", "enable"):
        r = await client.post(f"{API}/roles/supervisor/{verb}", json={"reason": "x"},
                              headers=keys.headers("admin"))
        assert r.status_code == 409
    assert await event_count(service) == before
    assert service.policy("default")["roles_enabled"]["supervisor"] is True


async def test_mode_pin_is_audited_and_supersedes_ceo(client, keys, service, account):
    r = await client.post(f"{API}/mode", json={"mode": "SHADOW", "reason": "release window"},
                          headers=keys.headers("operator"))
    assert r.status_code == 200
    body = r.json()
    assert body["event_id"].startswith("op-")
    (decision,) = body["decisions"]
    assert decision["role_source"] == "operator"
    assert decision["decision_type"] == "mode_change"
    assert decision["status"] == "applied"
    assert decision["payload"]["mode"] == "SHADOW"
    assert "operator-key" in decision["reason"]
    assert "release window" in decision["reason"]

    # the command is in the event log with the key's name and scopes
    event = await service.store.get_event("default", body["event_id"])
    assert event["event_type"] == "operator.command"
    assert event["payload"]["key_name"] == "operator-key"
    assert event["payload"]["scopes"] == ["viewer", "operator"]
    assert event["payload"]["command"] == "set_mode"

    # a CEO health demotion while pinned is superseded; the mode stays SHADOW
    out = await _ingest(client, keys, health("h-1", at(1), "CRITICAL"))
    ceo = [d for d in out["decisions"] if d["role_source"] == "ceo" and d["decision_type"] == "mode_change"]
    assert ceo and ceo[0]["status"] == "superseded"
    policy = (await client.get(f"{API}/policy", headers=keys.headers("viewer"))).json()
    assert policy["mode"] == "SHADOW"
    assert policy["pinned"]["mode"]["key_name"] == "operator-key"

    page = await service.store.query_decisions(DecisionQuery(role_source="operator"))
    assert [d["decision_id"] for d in page.items] == [decision["decision_id"]]


async def test_vetoed_action_is_shown(client, keys, service, account):
    # a 15% drawdown freezes the account; an operator's mode change is then vetoed
    await _ingest(client, keys, snapshot("s-2", at(-5), 8_500.0))
    assert service.policy("default")["frozen"]["frozen"] is True
    r = await client.post(f"{API}/mode", json={"mode": "SHADOW", "reason": "try"},
                          headers=keys.headers("operator"))
    assert r.status_code == 200
    kinds = {(d["decision_type"], d["status"]) for d in r.json()["decisions"]}
    assert ("mode_change", "vetoed") in kinds
    assert ("override", "applied") in kinds
    assert service.policy("default")["mode"] == "EMERGENCY"


async def test_forced_unfreeze_needs_admin_and_lifts_freeze(client, keys, service, account):
    await _ingest(client, keys, snapshot("s-2", at(-5), 8_500.0))
    body = {"mode": "LIVE", "reason": "reviewed", "force": True}
    r = await client.post(f"{API}/mode", json=body, headers=keys.headers("operator"))
    assert r.status_code == 403
    r = await client.post(f"{API}/mode", json=body, headers=keys.headers("admin"))
    assert r.status_code == 200
    types = [d["decision_type"] for d in r.json()["decisions"] if d["status"] == "applied"]
    assert types[0] == "unfreeze"
    assert r.json()["decisions"][0]["payload"]["by"] == "admin-key"
    policy = service.policy("default")
    assert policy["frozen"]["frozen"] is False
    assert policy["mode"] == "LIVE"


async def test_risk_and_roles_and_peak_reset(client, keys, service, account):
    r = await client.post(f"{API}/risk", json={"max_leverage": 1.5, "reason": "news"},
                          headers=keys.headers("operator"))
    assert r.status_code == 200
    assert service.policy("default")["risk_limits"]["max_leverage"] == 1.5

    r = await client.post(f"{API}/roles/cio/disable", headers=keys.headers("operator"))
    assert r.status_code == 200
    assert r.json()["decisions"][0]["payload"] == {"role": "cio", "enabled": False}
    assert service.policy("default")["roles_enabled"]["cio"] is False

    await _ingest(client, keys, snapshot("s-2", at(-5), 9_500.0))
    r = await client.post(f"{API}/peak/reset", json={"reason": "new mandate"},
                          headers=keys.headers("admin"))
    assert r.status_code == 200
    (d,) = r.json()["decisions"]
    assert d["payload"]["action"] == "peak_reset"
    assert service.policy("default")["metrics"]["drawdown"] == 0


async def test_command_time_is_clamped_to_the_accounts_clock(client, keys, service, clock):
    clock.set("2099-01-01T00:00:00Z")  # the account's clock runs ahead of the service's
    await service.ingest(snapshot("future", "2099-01-01T00:00:00Z", 10_000.0, account="acc-f"))
    clock.fixed = None
    r = await client.post(f"{API}/mode", json={"mode": "PAUSED", "reason": "x", "account_id": "acc-f"},
                          headers=keys.headers("operator"))
    assert r.status_code == 200
    assert r.json()["outcome"] == "processed"
    assert r.json()["decisions"][0]["timestamp"] == "2099-01-01T00:00:00Z"


async def test_accounts_are_separate(client, keys, service, account):
    await service.ingest(snapshot("b-1", "2024-03-01T12:00:00Z", 5_000.0, account="acc-b"))
    r = await client.post(f"{API}/mode", json={"mode": "PAUSED", "reason": "x", "account_id": "acc-b"},
                          headers=keys.headers("operator"))
    assert r.status_code == 200
    assert service.policy("acc-b")["mode"] == "PAUSED"
    assert service.policy("default")["mode"] == "LIVE"
