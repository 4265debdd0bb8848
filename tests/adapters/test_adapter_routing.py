"""Adapter routing is data, and each backend writes what its kind owns."""

from __future__ import annotations

import pytest

from federation_ai.adapters import (
    KINDS,
    ROUTES,
    AdapterError,
    MemoryBackend,
    PolicyStoreAdapter,
    build_adapters,
    policy_update,
)
from federation_ai.adapters.http import as_envelope
from federation_ai.adapters.redis import hash_fields
from federation_ai.core import ConfigError
from federation_ai.settings import AdaptersConfig


def test_every_policy_changing_decision_has_a_route():
    # enforcement: the interop profile's backend keys (built only when that profile is on)
    assert ROUTES["mode_change"] == ("policy_store", "enforcement")
    assert ROUTES["freeze"] == ("policy_store", "enforcement")
    assert ROUTES["strategy_allocation"] == ("ai_engine",)
    assert ROUTES["symbol_universe"] == ("ai_engine",)
    assert ROUTES["ess_policy"] == ("ess",)
    assert "research_task" not in ROUTES
    assert "override" not in ROUTES


def _decision():
    return {"decision_id": "d1", "account_id": "a", "decision_type": "mode_change",
            "timestamp": "2024-01-01T00:00:00Z"}


def _policy():
    return {"mode": "SHADOW", "capital_profile": {"profile": "LOW"},
            "risk_limits": {"tier": "NORMAL", "max_leverage": 3.0},
            "frozen": {"frozen": False}, "ess": {"level": "NOMINAL"},
            "model_weights": {}, "active_strategies": [], "active_symbols": []}


def test_update_carries_only_the_owned_part():
    update = policy_update(KINDS["policy_store"], _decision(), _policy())
    assert set(update["policy"]) == {"mode", "capital_profile", "risk_limits", "frozen"}
    fields = hash_fields(update)
    assert fields["trading_mode"] == "SHADOW"
    assert fields["is_frozen"] == "false"
    assert fields["decision_id"] == "d1"


async def test_memory_backend_keeps_latest_and_can_simulate_an_outage():
    backend = MemoryBackend(fail_times=1)
    adapter = PolicyStoreAdapter(backend)
    update = policy_update(adapter.kind, _decision(), _policy())
    with pytest.raises(AdapterError):
        await adapter.write(update)
    await adapter.write(update)
    assert backend.latest[("policy_store", "a")] == update


@pytest.mark.parametrize(("accounts", "writes"), [(1, 1), (1, 500), (3, 900)])
async def test_memory_backend_holds_one_update_per_adapter_and_account(accounts, writes):
    """Embedded use runs for weeks: what the backend keeps must not grow with the writes."""
    backend = MemoryBackend()
    kinds = [KINDS["policy_store"], KINDS["ess"]]
    for n in range(writes):
        kind = kinds[n % 2]
        decision = {**_decision(), "decision_id": f"d{n}", "account_id": f"a{n % accounts}"}
        await backend.write(kind, policy_update(kind, decision, _policy()))
    last = {(kinds[n % 2].name, f"a{n % accounts}"): f"d{n}" for n in range(writes)}
    assert {key: u["decision_id"] for key, u in backend.latest.items()} == last
    held = [v for v in vars(backend).values() if isinstance(v, list | dict | set | tuple)]
    assert all(len(v) <= len(last) for v in held)


def test_http_backend_needs_a_url():
    with pytest.raises(ConfigError, match="policy_store_url"):
        build_adapters(AdaptersConfig(policy_store="http"))
    with pytest.raises(ConfigError, match=r"adapters\.ess"):
        build_adapters(AdaptersConfig(ess="carrier-pigeon"))


def test_bare_snapshot_becomes_an_envelope():
    env = as_envelope({"total_equity": 1000.0, "timestamp": "2024-01-01T00:00:00Z"})
    assert env["event_type"] == "portfolio.snapshot_updated"
    assert env["event_id"] == "portfolio-startup-2024-01-01T00:00:00Z"
    assert env["payload"] == {"total_equity": 1000.0}
