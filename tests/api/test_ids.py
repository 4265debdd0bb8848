"""One id rule on every endpoint: what ingest accepts can be read and operated; the rest
is a 422 naming the field, and nothing is written."""

from __future__ import annotations

import urllib.parse

import pytest

from federation_ai.core.ids import MAX_ID_LENGTH

from .helpers import at, event_count, snapshot

API = "/api/federation"
LONGEST = "a" * MAX_ID_LENGTH
UNREADABLE = ["a" * (MAX_ID_LENGTH + 1), "a" * 10_000, "acct\u202etxt", "acct\x00", "acct\u200b", "a b"]


async def test_the_longest_account_id_can_be_created_viewed_and_operated(client, keys, service):
    r = await client.post(f"{API}/events", json=snapshot("s-1", at(-5), 10_000.0, account=LONGEST),
                          headers=keys.headers("operator"))
    assert r.status_code == 200, r.text
    h = keys.headers("admin")
    q = f"account_id={LONGEST}"
    for path in ("/status", "/policy", "/decisions", "/timeline"):
        got = await client.get(f"{API}{path}?{q}", headers=h)
        assert got.status_code == 200, (path, got.text)
    r = await client.post(f"{API}/mode", json={"mode": "SHADOW", "reason": "x", "account_id": LONGEST},
                          headers=h)
    assert r.status_code == 200, r.text
    assert service.policy(LONGEST)["mode"] == "SHADOW"


@pytest.mark.parametrize("account", UNREADABLE)
async def test_ingest_refuses_an_account_id_outside_the_rule(client, keys, service, account):
    before = await event_count(service)
    r = await client.post(f"{API}/events", json=snapshot("s-1", at(-5), 10_000.0, account=account),
                          headers=keys.headers("operator"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "account_id"]
    assert await event_count(service) == before
    assert service.accounts() == []


@pytest.mark.parametrize("account", UNREADABLE)
@pytest.mark.parametrize("path", ["/status", "/policy", "/decisions", "/timeline", "/stream"])
async def test_reads_refuse_an_account_id_outside_the_rule(client, keys, path, account):
    q = urllib.parse.urlencode({"account_id": account})
    r = await client.get(f"{API}{path}?{q}", headers=keys.headers("viewer"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", "account_id"]


@pytest.mark.parametrize("account", UNREADABLE)
async def test_operator_bodies_refuse_an_account_id_outside_the_rule(client, keys, service, account):
    r = await client.post(f"{API}/mode", json={"mode": "SHADOW", "reason": "x", "account_id": account},
                          headers=keys.headers("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "account_id"]


async def test_a_decision_id_outside_the_rule_is_422(client, keys):
    r = await client.get(f"{API}/decisions/{'d' * 129}", headers=keys.headers("viewer"))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["path", "decision_id"]


@pytest.mark.parametrize(("body", "loc"), [
    ({**snapshot("x", at(-5), 1.0), "event_id": 12345}, ["body", "event_id"]),
    ({**snapshot("x", at(-5), 1.0), "event_id": "e" * 129}, ["body", "event_id"]),
    ({"event_type": "model.performance_updated", "event_id": "m-1", "timestamp": at(-5),
      "payload": {"model_name": "m" * 60_000, "sharpe_ratio_7d": 1.0, "win_rate_7d": 0.5}},
     ["body", "payload", "model_name"]),
    ({"event_type": "trade.closed", "event_id": "t-1", "timestamp": at(-5),
      "payload": {"symbol": "BTC\u202eUSDT", "pnl_usd": 1.0}}, ["body", "payload", "symbol"]),
])
async def test_ingest_refuses_long_or_numeric_ids_and_names(client, keys, service, account, body, loc):  # noqa: PLR0917
    before = await event_count(service)
    r = await client.post(f"{API}/events", json=body, headers=keys.headers("operator"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc
    assert await event_count(service) == before
