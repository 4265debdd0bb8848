"""Build the adapters chosen by ``settings.adapters`` (memory, redis or http per adapter)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx

from federation_ai.adapters.backend_halt_keys import RedisEnforcement
from federation_ai.adapters.contracts import (
    AIEngineAdapter,
    EnforcementAdapter,
    ESSAdapter,
    PolicyStoreAdapter,
    PortfolioAdapter,
)
from federation_ai.adapters.http import HttpBackend, HttpSnapshots
from federation_ai.adapters.memory_backends import MemoryBackend, MemorySnapshots
from federation_ai.adapters.redis import RedisBackend, RedisSnapshots
from federation_ai.core.core_config import ConfigError
from federation_ai.interop.quantum_trader import translate as translate_entry

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis.asyncio import Redis

    from federation_ai.adapters.contracts import Adapter, Backend, SnapshotSource
    from federation_ai.interop.interop_settings import InteropConfig
    from federation_ai.settings import AdaptersConfig

BACKENDS = ("memory", "redis", "http")
WRITERS: dict[str, Callable[[Backend], Adapter]] = {
    "policy_store": PolicyStoreAdapter,
    "ai_engine": AIEngineAdapter,
    "ess": ESSAdapter,
}


@dataclass
class AdapterSet:
    """The writing adapters by name, the portfolio adapter, and the clients they share."""

    writers: dict[str, Adapter]
    portfolio: PortfolioAdapter
    _clients: list[Any] = field(default_factory=list)

    def describe(self) -> dict[str, str]:
        out = {name: a.backend.description for name, a in self.writers.items()}
        out["portfolio"] = self.portfolio.source.description
        return out

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()
        self._clients.clear()


def build_adapters(
    cfg: AdaptersConfig,
    *,
    redis_namespace: str = "",
    interop: InteropConfig | None = None,
    enforcement_url: str | None = None,
) -> AdapterSet:
    """One shared Redis client and one shared HTTP client, created only when needed.

    With an interop profile that enforces, an ``enforcement`` writer is added on
    ``enforcement_url`` (the service's Redis; ``cfg.redis_url`` if not given).
    """
    chosen = {
        "policy_store": cfg.policy_store,
        "ai_engine": cfg.ai_engine,
        "ess": cfg.ess,
        "portfolio": cfg.portfolio,
    }
    for name, backend in chosen.items():
        if backend not in BACKENDS:
            choices = ", ".join(BACKENDS)
            raise ConfigError(f"adapters.{name}", f"must be one of {choices}, got {backend!r}")
        if backend == "http" and not getattr(cfg, f"{name}_url"):
            raise ConfigError(f"adapters.{name}_url", f"is required when adapters.{name} = 'http'")
    clients: list[Any] = []
    redis_client: Redis | None = None
    http_client: httpx.AsyncClient | None = None
    if "redis" in chosen.values():
        from federation_ai.bus.redis_streams import connect  # noqa: PLC0415 - when configured

        # bounded and tried once: adapter delivery retries with its own backoff
        redis_client = connect(
            cfg.redis_url,
            socket_timeout_s=cfg.redis_timeout_s,
            connect_timeout_s=cfg.redis_timeout_s,
            decode_responses=False,
        )
        clients.append(redis_client)
    if "http" in chosen.values():
        http_client = httpx.AsyncClient(timeout=cfg.http_timeout_s)
        clients.append(http_client)

    def backend_for(name: str) -> Backend:
        kind = chosen[name]
        if kind == "redis":
            assert redis_client is not None
            return RedisBackend(redis_client, redis_namespace)
        if kind == "http":
            assert http_client is not None
            return HttpBackend(http_client, getattr(cfg, f"{name}_url"), cfg.http_retries)
        return MemoryBackend()

    def snapshots() -> SnapshotSource:
        kind = chosen["portfolio"]
        if kind == "redis":
            assert redis_client is not None
            translate = None
            if interop is not None and interop.on:
                translate = partial(translate_entry, cfg=interop)
            return RedisSnapshots(redis_client, redis_namespace, translate=translate)
        if kind == "http":
            assert http_client is not None
            return HttpSnapshots(http_client, cfg.portfolio_url)
        return MemorySnapshots()

    writers = {name: cls(backend_for(name)) for name, cls in WRITERS.items()}
    if interop is not None and interop.enforcing:
        from redis.asyncio import Redis  # noqa: PLC0415 - only when configured

        url = enforcement_url or cfg.redis_url
        if redis_client is None or url != cfg.redis_url:
            enforcement_client = Redis.from_url(url)
            clients.append(enforcement_client)
        else:
            enforcement_client = redis_client
        enforcer = RedisEnforcement(enforcement_client, interop, redis_namespace)
        writers["enforcement"] = EnforcementAdapter(enforcer)
    return AdapterSet(writers, PortfolioAdapter(snapshots()), clients)
