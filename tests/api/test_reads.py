"""Audit trail reads: filters, cursor pagination without gaps or repeats, detail, policy."""

from __future__ import annotations

from .helpers import at, health, snapshot

API = "/api/federation"


async def _history(service) -> None:
    # enough decisions for several pages: health flips make CEO mode changes
    await service.ingest(snapshot("p-0", at(-60), 10_000.0))
    for i in range(1, 25):
        status = "DEGRADED" if i % 2 else "HEALTHY"
        await service.ingest(health(f"h-{i}", at(-60 + i), status))
    await service.ingest(snapshot("q-0", at(-30), 900.0, account="acc-q"))


async def test_pagination_has_no_gaps_or_repeats(client, keys, service):
    await _history(service)
    everything = (await client.get(f"{API}/decisions?limit=500", headers=keys.headers("viewer"))).json()
    assert everything["next_cursor"] is None
    all_ids = [d["decision_id"] for d in everything["items"]]
    assert len(all_ids) > 20

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        url = f"{API}/decisions?limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url, headers=keys.headers("viewer"))).json()
        assert len(page["items"]) <= 7
        seen += [d["decision_id"] for d in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == all_ids  # same order, nothing missing, nothing twice
    assert len(set(seen)) == len(seen)
    assert pages == -(-len(all_ids) // 7)


async def test_filters(client, keys, service):
    await _history(service)
    h = keys.headers("viewer")
    ceo = (await client.get(f"{API}/decisions?role=ceo&type=mode_change&limit=500", headers=h)).json()
    assert ceo["items"]
    assert all(d["role_source"] == "ceo" and d["decision_type"] == "mode_change" for d in ceo["items"])
    q = (await client.get(f"{API}/decisions?account_id=acc-q", headers=h)).json()
    assert q["items"]
    assert all(d["account_id"] == "acc-q" for d in q["items"])
    frozen = (await client.get(f"{API}/decisions?account_id=acc-q&type=freeze&status=applied", headers=h)).json()
    assert len(frozen["items"]) == 1
    since = at(-33).replace("Z", "%2B00:00")
    recent = (await client.get(f"{API}/decisions?since={since}&limit=500", headers=h)).json()
    assert {d["account_id"] for d in recent["items"]} == {"acc-q"}
    until = at(-33)
    older = (await client.get(f"{API}/decisions?until={until}&account_id=acc-q", headers=h)).json()
    assert older["items"] == []


async def test_decision_detail_has_its_event(client, keys, service):
    await _history(service)
    h = keys.headers("viewer")
    first = (await client.get(f"{API}/decisions?type=freeze", headers=h)).json()["items"][0]
    r = await client.get(f"{API}/decisions/{first['decision_id']}", headers=h)
    assert r.status_code == 200
    body = r.json()
    assert body["decision_id"] == first["decision_id"]
    assert body["event"]["event_id"] == "q-0"
    assert body["event"]["payload"]["total_equity"] == 900.0


async def test_policy_and_status(client, keys, service):
    await _history(service)
    h = keys.headers("viewer")
    policy = (await client.get(f"{API}/policy?account_id=acc-q", headers=h)).json()
    assert policy["account_id"] == "acc-q"
    assert policy["frozen"]["frozen"] is False or policy["mode"] == "EMERGENCY"
    default = (await client.get(f"{API}/policy", headers=h)).json()
    assert default["account_id"] == "default"
    status = (await client.get(f"{API}/status", headers=h)).json()
    assert set(status["accounts"]) == {"default", "acc-q"}
    one = (await client.get(f"{API}/status?account_id=acc-q", headers=h)).json()
    assert one["account"]["account_id"] == "acc-q"


async def test_ingest_reports_duplicates_and_out_of_order(client, keys, service, account):
    h = keys.headers("operator")
    first = snapshot("d-1", at(-5), 10_100.0)
    assert (await client.post(f"{API}/events", json=first, headers=h)).json()["outcome"] == "processed"
    again = await client.post(f"{API}/events", json=first, headers=h)
    assert again.status_code == 200
    assert again.json() == {"event_id": "d-1", "account_id": "default", "outcome": "duplicate", "decisions": []}
    late = await client.post(f"{API}/events", json=snapshot("d-0", at(-20), 9_000.0), headers=h)
    assert late.json()["outcome"] == "out_of_order"
    assert service.policy("default")["last_event_id"] == "d-1"


async def test_ingest_names_a_conflicting_duplicate_ignores_and_counts_it(client, keys, service, account):
    h = keys.headers("operator")
    ts = at(-5)
    first = await client.post(f"{API}/events", json=health("c-1", ts, "HEALTHY"), headers=h)
    assert first.json()["outcome"] == "processed"
    policy = service.policy("default")
    changed = await client.post(f"{API}/events", json=health("c-1", ts, "CRITICAL"), headers=h)
    assert changed.status_code == 200
    body = changed.json()
    assert (body["outcome"], body["decisions"]) == ("duplicate", [])
    assert body["conflict"].startswith("conflicting duplicate: event c-1 of account default")
    assert "(payload.overall_status)" in body["conflict"]
    assert service.policy("default") == policy
    assert (await service.store.get_event("default", "c-1"))["payload"]["overall_status"] == "HEALTHY"
    status = (await client.get(f"{API}/status", headers=h)).json()
    assert status["conflicting_duplicates"] == 1
    metrics = (await client.get("/metrics", headers=h)).text
    assert 'federation_conflicting_duplicates_total{event_type="system.health_updated"} 1.0' in metrics
