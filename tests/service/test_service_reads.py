"""The service's read port on both legs (SQLite, PostgreSQL): the NAV timeline and the audit trail.

The timeline is the core's own metrics (every point equals the NAV and drawdown the
core had after that snapshot, through deposits, a peak reset and a forced unfreeze),
and the first read of an account costs a constant number of statements, however
many operator commands its history holds.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event

from federation_ai.service.read_port import DecisionQuery, InvalidReadQuery
from tests.conftest import add_keys

if TYPE_CHECKING:
    import httpx

    from federation_ai.service import FederationService


class Feed:
    """Events of one account, a minute of event time apart."""

    def __init__(self, service: FederationService, account: str = "default") -> None:
        self.service = service
        self.account = account
        self.n = 0

    def _envelope(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.n += 1
        return {
            "event_type": event_type,
            "event_id": f"{self.account}-{self.n}",
            "account_id": self.account,
            "timestamp": f"2024-03-{1 + self.n // 1440:02d}T{self.n // 60 % 24:02d}:{self.n % 60:02d}:00Z",
            "payload": payload,
        }

    async def snapshot(self, equity: float, **extra: Any) -> list[dict[str, Any]]:
        envelope = self._envelope("portfolio.snapshot_updated", {"total_equity": equity, **extra})
        return (await self.service.ingest(envelope)).decisions

    async def command(self, command: str, **fields: Any) -> list[dict[str, Any]]:
        payload = {"command": command, "key_name": "desk", "scopes": ["viewer", "operator", "admin"],
                   "reason": "test", **fields}
        return (await self.service.ingest(self._envelope("operator.command", payload))).decisions

    def core_point(self) -> tuple[float, float]:
        metrics = self.service.policy(self.account)["metrics"]
        return metrics["nav"], metrics["drawdown"]


async def test_timeline_is_the_core_metrics_through_resets_and_unfreezes(service):
    feed = Feed(service)
    expected: list[tuple[float, float]] = []
    rng = random.Random(7)
    equity = 10_000.0
    for step in range(120):
        if step == 40:  # a deep loss freezes the account; an admin forces the unfreeze
            decided = await feed.snapshot(equity * 0.8)
            assert any(d["decision_type"] == "freeze" for d in decided)
            expected.append(feed.core_point())
            decided = await feed.command("set_mode", mode="LIVE", force=True)
            assert any(d["decision_type"] == "unfreeze" and d["status"] == "applied" for d in decided)
            equity *= 0.8
            continue
        if step == 80:
            decided = await feed.command("reset_peak")
            assert any(d["decision_type"] == "override" for d in decided)
        if step % 7 == 3:
            await feed.command("set_risk", max_leverage=2.0)
        flow = rng.choice([0.0, 0.0, 0.0, 500.0, -300.0])
        equity = max(2_000.0, equity * (1 + rng.uniform(-0.004, 0.004)) + flow)
        await feed.snapshot(equity, net_flow=flow)
        expected.append(feed.core_point())
    body = await service.reads.timeline("default", 5000)
    got = [(p["nav"], p["drawdown"]) for p in body["points"]]
    assert got == expected  # exactly: the same code computed both
    assert [m["kind"] for m in body["marks"]][:2] == ["freeze", "unfreeze"]


async def test_first_timeline_read_is_constant_in_queries(service, client: httpx.AsyncClient):
    """One statement per chunk of history, whatever the number of operator commands."""
    feed = Feed(service)
    await feed.snapshot(10_000.0)
    for n in range(150):
        await feed.command("set_risk", max_leverage=1.0 + n % 3)
        await feed.snapshot(10_000.0 + n)
    key = (await add_keys(service.store))["viewer"]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = service.store.engine.sync_engine
    headers = {"Authorization": f"Bearer {key}"}
    await client.get("/api/federation/whoami", headers=headers)  # the key is cached now
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = await client.get("/api/federation/timeline", headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 200
    assert len(r.json()["points"]) == 151
    # reads of the event log and the audit trail (not the health probe's nor a key check)
    queries = [
        s
        for s in statements
        if s.lstrip().upper().startswith("SELECT")
        and ("federation_events" in s or "federation_decisions" in s)
    ]
    assert len(queries) == 2, queries  # the history (one chunk) and the marks


async def test_decisions_page_and_one_decision_with_its_event(service):
    feed = Feed(service)
    await feed.snapshot(10_000.0)
    await feed.snapshot(8_000.0)  # freezes
    page = await service.reads.decisions(
        DecisionQuery(account_id="default", decision_type="freeze", limit=1)
    )
    (freeze,) = page["items"]
    one = await service.reads.decision(freeze["decision_id"])
    assert one is not None
    assert one["event"]["event_id"] == freeze["event_id"]
    assert await service.reads.decision("nope") is None
    with pytest.raises(InvalidReadQuery):
        await service.reads.decisions(DecisionQuery(cursor="not-a-cursor"))
