"""The account limit (service.max_accounts) and the paginated, summarised status."""

from __future__ import annotations

import orjson
import pytest

from federation_ai.core import parse_event

from .helpers import at, event_count, snapshot

API = "/api/federation"


async def _accounts(service, n: int) -> list[str]:
    """``n`` accounts with one snapshot each, committed in a few batches."""
    ids = [f"acct-{i:04d}" for i in range(n)]
    events = [parse_event(snapshot(f"s-{a}", at(-30), 10_000.0, account=a)) for a in ids]
    for start in range(0, n, 500):
        async with service.pipeline.lock:
            await service.pipeline.run(events[start : start + 500])
    return ids


@pytest.mark.parametrize("settings_overrides", [{"service": {"max_accounts": 2}}])
async def test_a_new_account_beyond_the_limit_is_422_naming_it(client, keys, service, settings_overrides):
    h = keys.headers("operator")
    for account in ("a", "b"):
        r = await client.post(f"{API}/events", json=snapshot(f"s-{account}", at(-5), 1e4, account=account),
                              headers=h)
        assert r.status_code == 200, r.text
    before = await event_count(service)
    r = await client.post(f"{API}/events", json=snapshot("s-c", at(-5), 1e4, account="c"), headers=h)
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "account_id"]
    assert "service.max_accounts = 2" in error["msg"]
    assert await event_count(service) == before
    assert service.accounts() == ["a", "b"]
    # the accounts it has keep working
    r = await client.post(f"{API}/events", json=snapshot("s-a2", at(-4), 1e4, account="a"), headers=h)
    assert r.json()["outcome"] == "processed"
    summary = (await client.get(f"{API}/status", headers=h)).json()["account_summary"]
    assert summary["total"] == 2
    assert summary["max_accounts"] == 2


async def test_status_pages_walk_every_account_once(client, keys, service):
    ids = await _accounts(service, 7)
    h = keys.headers("viewer")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query = {"limit": 3} if cursor is None else {"limit": 3, "cursor": cursor}
        body = (await client.get(f"{API}/status", params=query, headers=h)).json()
        assert len(body["accounts"]) <= 3
        seen.extend(body["accounts"])
        cursor = body["accounts_next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert body["account_summary"]["total"] == 7


async def test_status_with_many_accounts_is_a_summary_and_one_bounded_page(client, keys, service):
    await _accounts(service, 600)
    await service.ingest({**snapshot("crash", at(-20), 100.0, account="acct-0005")})
    r = await client.get(f"{API}/status", headers=keys.headers("viewer"))
    body = r.json()
    assert len(body["accounts"]) == 100
    assert body["accounts_next_cursor"] == "acct-0099"
    summary = body["account_summary"]
    assert summary["total"] == 600
    assert summary["frozen"] == 1
    assert sum(summary["by_mode"].values()) == 600
    assert sum(summary["by_tier"].values()) == 600
    # a page of 100 accounts, whatever the total (the whole set rendered is 6x larger)
    whole = len(orjson.dumps(service.status(limit=600)))
    assert len(r.content) < whole / 4


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "cursor=a%20b", f"cursor={'c' * 129}"])
async def test_bad_status_page_parameters_are_422(client, keys, query):
    r = await client.get(f"{API}/status?{query}", headers=keys.headers("viewer"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][0] == "query"
