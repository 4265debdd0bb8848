"""The enforcement adapter on real Redis: halt keys, reason, policy hash, type checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from federation_ai.adapters import AdapterError
from federation_ai.adapters.backend_halt_keys import RedisEnforcement
from federation_ai.adapters.contracts import ENFORCEMENT
from federation_ai.interop.interop_settings import InteropConfig
from federation_ai.service import build_service
from federation_ai.settings import load_settings

from .conftest import REDIS_URL

pytestmark = pytest.mark.redis
CFG = InteropConfig(profile="quantum_trader")
HALT = ("quantum:kill", "quantum:global:kill_switch", "quantum:governor:halt")


def update(frozen: bool, decision: str = "d-1", freeze_id: str | None = "d-1",
           account: str = "default") -> dict:
    return {
        "adapter": "enforcement", "account_id": account, "decision_id": decision,
        "decision_type": "freeze" if frozen else "unfreeze",
        "timestamp": "2026-03-16T09:05:00Z", "freeze_decision_id": freeze_id,
        "policy": {
            "mode": "EMERGENCY" if frozen else "SHADOW",
            "capital_profile": {"profile": "MICRO"},
            "risk_limits": {"tier": "EMERGENCY"},
            "frozen": {"frozen": frozen, "triggers": ["drawdown"] if frozen else [],
                       "since": "2026-03-16T09:05:00Z" if frozen else None},
        },
    }


async def keys(redis, ns: str) -> dict:
    return {k: await redis.get(ns + k) for k in (*HALT, "quantum:global:kill_switch:reason")}


async def test_freeze_sets_and_unfreeze_clears_the_halt_keys_idempotently(redis, namespace):
    backend = RedisEnforcement(redis, CFG, namespace)
    await redis.hset(namespace + "quantum:policy:current", "policy_version", "7")
    for _ in range(2):  # the outbox may deliver twice
        await backend.write(ENFORCEMENT, update(frozen=True))
    seen = await keys(redis, namespace)
    assert [seen[k] for k in HALT] == ["1", "1", "1"]
    assert seen["quantum:global:kill_switch:reason"] == (
        "federation-ai: frozen by decision d-1, triggers: drawdown")
    policy = await redis.hgetall(namespace + "quantum:policy:current")
    assert policy["policy_version"] == "7"  # the backend's own fields are left alone
    assert policy["federation_frozen"] == "true"
    assert json.loads(policy["federation_risk_limits"]) == {"tier": "EMERGENCY"}

    # a later update while frozen (no freeze in its event) keeps the freeze's reason
    await backend.write(ENFORCEMENT, update(frozen=True, decision="d-2", freeze_id=None))
    seen = await keys(redis, namespace)
    assert "decision d-1" in seen["quantum:global:kill_switch:reason"]

    for _ in range(2):
        await backend.write(ENFORCEMENT, update(frozen=False, decision="d-3", freeze_id=None))
    assert set((await keys(redis, namespace)).values()) == {None}
    assert (await redis.hgetall(namespace + "quantum:policy:current"))["federation_frozen"] == (
        "false")


async def test_another_account_is_not_enforced(redis, namespace):
    await RedisEnforcement(redis, CFG, namespace).write(ENFORCEMENT, update(True, account="b"))
    assert set((await keys(redis, namespace)).values()) == {None}


@pytest.mark.parametrize(
    ("key", "setup", "message"),
    [
        ("quantum:policy:current", "set", "quantum:policy:current holds a string, not a hash"),
        ("quantum:kill", "hset", "quantum:kill holds a hash, not a string"),
    ],
)
async def test_a_key_of_the_other_type_is_refused_and_nothing_is_written(
    redis, namespace, key, setup, message
):
    if setup == "set":  # the other module's layout: the policy as one JSON string
        await redis.set(namespace + key, json.dumps({"mode": "LIVE"}))
    else:
        await redis.hset(namespace + key, "x", "1")
    backend = RedisEnforcement(redis, CFG, namespace)
    with pytest.raises(AdapterError, match=message):
        await backend.write(ENFORCEMENT, update(frozen=True))
    for other in (*HALT, "quantum:global:kill_switch:reason", "quantum:policy:current"):
        if other != key:
            assert not await redis.exists(namespace + other)
    assert await redis.type(namespace + key) == ("string" if setup == "set" else "hash")


async def test_a_refused_freeze_is_retried_and_enforced_once_redis_takes_it(
    tmp_path, redis, namespace
):
    settings = load_settings(
        environ={},
        overrides={"service": {"data_dir": str(tmp_path)}, "interop": {"profile": "quantum_trader"},
                   "adapters": {"redis_url": REDIS_URL}},
    )
    await redis.set(namespace + "quantum:policy:current", "{}")  # the wrong layout
    svc = await build_service(settings, namespace=namespace)
    await svc.start()
    try:
        for n, equity in enumerate((10_000.0, 8_000.0)):
            await svc.ingest({"event_type": "portfolio.snapshot_updated", "event_id": f"s{n}",
                              "timestamp": f"2026-03-16T09:0{n}:00Z",
                              "payload": {"total_equity": equity}})
        await svc.relay.drain()
        assert svc.policy("default")["frozen"]["frozen"]  # decided regardless
        health = svc.status()["adapters"]["enforcement"]
        assert "refused: " in health["last_error"]
        assert await redis.get(namespace + "quantum:kill") is None

        await redis.delete(namespace + "quantum:policy:current")  # the operator fixes it
        svc.relay.clock = lambda: datetime.now(UTC) + timedelta(hours=1)  # past the backoff
        await svc.relay.drain()
        assert await redis.get(namespace + "quantum:kill") == "1"
        assert svc.status()["adapters"]["enforcement"]["consecutive_failures"] == 0
    finally:
        await svc.stop()
