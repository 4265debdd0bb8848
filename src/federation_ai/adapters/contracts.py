"""Adapter contracts (SPEC §10): what each adapter owns and which decisions reach it.

An adapter writes part of an account's effective policy to a downstream system.
Which decision types go to which adapter is data (``ROUTES``), and so is the part
of the policy view each one writes (``AdapterKind.fields``). A backend (in-memory,
Redis or HTTP) does the actual writing; the named adapters bind a kind to a backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from federation_ai.core.vocabulary import DecisionType, Status


@dataclass(frozen=True, slots=True)
class AdapterKind:
    name: str  # "policy_store", "ai_engine", "ess"
    decision_types: tuple[DecisionType, ...]  # the decisions routed to it
    fields: tuple[str, ...]  # the keys of the policy view it writes
    names_freeze: bool = False  # its updates name the freeze decision of the same event


POLICY_STORE = AdapterKind(
    "policy_store",
    (
        DecisionType.MODE_CHANGE,
        DecisionType.CAPITAL_PROFILE,
        DecisionType.RISK_ADJUSTMENT,
        DecisionType.FREEZE,
        DecisionType.UNFREEZE,
    ),
    ("mode", "capital_profile", "risk_limits", "frozen"),
)
AI_ENGINE = AdapterKind(
    "ai_engine",
    (DecisionType.STRATEGY_ALLOCATION, DecisionType.SYMBOL_UNIVERSE),
    ("model_weights", "active_strategies", "active_symbols"),
)
ESS = AdapterKind("ess", (DecisionType.ESS_POLICY,), ("ess",))
# The backend's own halt keys and policy hash (interop profile; adapters/backend_halt_keys.py)
ENFORCEMENT = AdapterKind(
    "enforcement", POLICY_STORE.decision_types, POLICY_STORE.fields, names_freeze=True
)

KINDS: dict[str, AdapterKind] = {k.name: k for k in (POLICY_STORE, AI_ENGINE, ESS, ENFORCEMENT)}

# decision_type -> adapters that must hear about it (built from the kinds above)
ROUTES: dict[DecisionType, tuple[str, ...]] = {}
for _kind in KINDS.values():
    for _dtype in _kind.decision_types:
        ROUTES[_dtype] = (*ROUTES.get(_dtype, ()), _kind.name)

OUTBOX_PREFIX = "adapter:"


def outbox_kind(adapter: str) -> str:
    return f"{OUTBOX_PREFIX}{adapter}"


def adapter_of(outbox_kind_name: str) -> str | None:
    """``"adapter:ess"`` -> ``"ess"``; anything else -> None."""
    if outbox_kind_name.startswith(OUTBOX_PREFIX):
        return outbox_kind_name[len(OUTBOX_PREFIX) :]
    return None


def freeze_decision_id(decisions: list[dict[str, Any]]) -> str | None:
    """The applied freeze among one event's decisions, if any."""
    return next(
        (
            d["decision_id"]
            for d in decisions
            if d["decision_type"] == DecisionType.FREEZE and d["status"] == Status.APPLIED
        ),
        None,
    )


def policy_update(
    kind: AdapterKind,
    decision: dict[str, Any],
    policy: dict[str, Any],
    *,
    freeze_id: str | None = None,
) -> dict[str, Any]:
    """The JSON an adapter receives: which decision caused it and the policy part it owns.

    A kind that ``names_freeze`` also gets ``freeze_decision_id``: the freeze decided
    by the same event (only the newest update per account is delivered, and it may be
    a decision that followed the freeze).
    """
    update = {
        "adapter": kind.name,
        "account_id": decision["account_id"],
        "decision_id": decision["decision_id"],
        "decision_type": decision["decision_type"],
        "timestamp": decision["timestamp"],
        "policy": {name: policy[name] for name in kind.fields},
    }
    if kind.names_freeze:
        update["freeze_decision_id"] = freeze_id
    return update


class AdapterError(RuntimeError):
    """A downstream system refused or could not be reached."""


class Backend(Protocol):
    """Writes one policy update of ``kind`` somewhere."""

    description: str

    async def write(self, kind: AdapterKind, update: dict[str, Any]) -> None: ...

    async def close(self) -> None: ...


@dataclass
class Adapter:
    """A writing adapter: a kind bound to a backend."""

    backend: Backend
    kind: AdapterKind = field(default=POLICY_STORE)

    @property
    def name(self) -> str:
        return self.kind.name

    async def write(self, update: dict[str, Any]) -> None:
        await self.backend.write(self.kind, update)

    async def close(self) -> None:
        await self.backend.close()


# The named adapters (SPEC §10): an ``Adapter`` bound to its kind, given the backend.
PolicyStoreAdapter = partial(Adapter, kind=POLICY_STORE)  # mode, profile, risk limits, freeze
AIEngineAdapter = partial(Adapter, kind=AI_ENGINE)  # model weights, strategies and symbols
ESSAdapter = partial(Adapter, kind=ESS)  # emergency-stop level and thresholds
# the trading backend's halt keys and policy hash, kept in line with the freeze
EnforcementAdapter = partial(Adapter, kind=ENFORCEMENT)


class SnapshotSource(Protocol):
    """Where ``PortfolioAdapter`` finds the latest snapshots (SPEC §2 envelopes)."""

    description: str

    async def latest(self) -> list[dict[str, Any]]: ...

    async def close(self) -> None: ...


@dataclass
class PortfolioAdapter:
    """Fetches the latest portfolio snapshot per account at start-up."""

    source: SnapshotSource

    async def latest_snapshots(self) -> list[dict[str, Any]]:
        return await self.source.latest()

    async def close(self) -> None:
        await self.source.close()
