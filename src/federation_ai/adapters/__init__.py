"""Adapters (SPEC §10): write the effective policy to downstream systems."""

from federation_ai.adapters.contracts import (
    KINDS,
    ROUTES,
    Adapter,
    AdapterError,
    AdapterKind,
    AIEngineAdapter,
    ESSAdapter,
    PolicyStoreAdapter,
    PortfolioAdapter,
    adapter_of,
    outbox_kind,
    policy_update,
)
from federation_ai.adapters.factory import AdapterSet, build_adapters
from federation_ai.adapters.memory_backends import MemoryBackend, MemorySnapshots

__all__ = [
    "KINDS",
    "ROUTES",
    "AIEngineAdapter",
    "Adapter",
    "AdapterError",
    "AdapterKind",
    "AdapterSet",
    "ESSAdapter",
    "MemoryBackend",
    "MemorySnapshots",
    "PolicyStoreAdapter",
    "PortfolioAdapter",
    "adapter_of",
    "build_adapters",
    "outbox_kind",
    "policy_update",
]
