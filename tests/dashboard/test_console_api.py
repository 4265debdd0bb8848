"""The read endpoints the dashboard adds: whoami, limits, accounts, timeline; and `GET /`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from federation_ai.core.micros import parse_timestamp
from federation_ai.dashboard import STATIC_DIR
from tests.api.helpers import snapshot
from tests.conftest import MEMORY_SQLITE, add_keys

if TYPE_CHECKING:
    from federation_ai.service import FederationService
    from federation_ai.service.wall_clock import Clock

CLOCK = "2099-03-01T12:05:00Z"


@pytest.fixture
def leg_name() -> str:
    return MEMORY_SQLITE


@pytest.fixture
def clock() -> Clock:
    # operator commands are stamped with this clock (or the account's clock if later)
    return lambda: parse_timestamp(CLOCK)


@pytest.fixture
async def keys(service: FederationService) -> dict[str, str]:
    return await add_keys(service.store, "{scope}-desk")


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_page_and_assets_are_served_without_a_key(client):
    page = await client.get("/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "/dashboard/app.js" in page.text
    for asset, kind in (("app.js", "javascript"), ("app.css", "css")):
        r = await client.get(f"/dashboard/{asset}")
        assert r.status_code == 200
        assert kind in r.headers["content-type"]


# the page at `/` and every file of static/, `/dashboard/index.html` included
PAGE_URLS = ["/", *sorted(f"/dashboard/{f.name}" for f in STATIC_DIR.iterdir())]


@pytest.mark.parametrize("url", PAGE_URLS)
async def test_every_url_of_the_page_carries_the_security_headers(client, url):
    r = await client.get(url)
    assert r.status_code == 200
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "script-src 'self';" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


async def test_whoami_names_the_key_and_its_scopes(client, keys):
    r = await client.get("/api/federation/whoami", headers=auth(keys["operator"]))
    assert r.json() == {"name": "operator-desk", "scope": "operator", "scopes": ["viewer", "operator"]}
    assert (await client.get("/api/federation/whoami")).status_code == 401
    bad = await client.get("/api/federation/whoami", headers=auth("fed_nope"))
    assert bad.status_code == 401


async def test_limits_are_the_configured_thresholds(client, keys):
    body = (await client.get("/api/federation/limits", headers=auth(keys["viewer"]))).json()
    assert body["freeze"] == {
        "drawdown": 0.10, "daily_loss": 0.05, "consecutive_losses": 5,
        "min_equity": 1000.0, "ess_state": "CRITICAL",
    }
    assert body["unfreeze"]["max_drawdown"] == 0.05
    assert body["unfreeze"]["min_equity"] == 1500.0
    assert body["unfreeze"]["min_freeze_minutes"] == 60.0


async def test_accounts_lists_every_account(client, service, keys):
    await service.ingest(snapshot("a-1", "2024-03-01T12:00:00Z", 10_000.0, account="desk-b"))
    await service.ingest(snapshot("d-1", "2024-03-01T12:00:00Z", 10_000.0))
    body = (await client.get("/api/federation/accounts", headers=auth(keys["viewer"]))).json()
    assert body == {"accounts": ["default", "desk-b"]}


async def test_timeline_matches_the_core_metrics_and_marks_the_freeze(client, service, keys):
    equities = [10_000.0, 10_500.0, 10_200.0, 11_000.0, 9_000.0]
    for n, equity in enumerate(equities):
        await service.ingest(snapshot(f"s-{n}", f"2024-03-01T12:0{n}:00Z", equity))
    # a deposit is not a profit: NAV stays flat
    await service.ingest(snapshot("s-5", "2024-03-01T12:05:00Z", 10_000.0, net_flow=1_000.0))
    r = await client.get("/api/federation/timeline", headers=auth(keys["viewer"]))
    assert r.status_code == 200
    body = r.json()
    points = body["points"]
    assert [p["equity"] for p in points] == [*equities, 10_000.0]
    assert points[0]["nav"] == 1.0
    assert points[-1]["nav"] == pytest.approx(points[-2]["nav"])
    metrics = service.policy("default")["metrics"]
    assert points[-1]["nav"] == pytest.approx(metrics["nav"])
    assert points[-1]["drawdown"] == pytest.approx(metrics["drawdown"])
    assert points[4]["drawdown"] == pytest.approx(1 - 9_000 / 11_000)
    kinds = [m["kind"] for m in body["marks"]]
    assert "freeze" in kinds
    freeze = next(m for m in body["marks"] if m["kind"] == "freeze")
    assert freeze["label"].startswith("FROZEN: drawdown")
    # incremental: a later snapshot extends the cached series
    await service.ingest(snapshot("s-6", "2024-03-01T12:06:00Z", 10_100.0))
    again = (await client.get("/api/federation/timeline?limit=2", headers=auth(keys["viewer"]))).json()
    assert [p["equity"] for p in again["points"]] == [10_000.0, 10_100.0]


async def test_timeline_follows_a_peak_reset(client, service, keys):
    # operator commands are stamped with CLOCK (or the account's last event time if later)
    for n, equity in enumerate([10_000.0, 9_600.0]):
        await service.ingest(snapshot(f"s-{n}", f"2099-03-01T12:0{n}:00Z", equity))
    r = await client.post(
        "/api/federation/peak/reset", json={"reason": "new baseline"}, headers=auth(keys["admin"])
    )
    assert r.status_code == 200, r.text
    await service.ingest(snapshot("s-2", "2099-03-01T12:09:00Z", 9_500.0))
    points = (await client.get("/api/federation/timeline", headers=auth(keys["viewer"]))).json()["points"]
    assert points[-1]["drawdown"] == pytest.approx(1 - 9_500 / 9_600)
    assert points[-1]["drawdown"] == pytest.approx(service.policy("default")["metrics"]["drawdown"])


async def test_timeline_needs_a_known_account_and_a_key(client, service, keys):
    assert (await client.get("/api/federation/timeline")).status_code == 401
    r = await client.get("/api/federation/timeline?account_id=nobody", headers=auth(keys["viewer"]))
    assert r.status_code == 404
