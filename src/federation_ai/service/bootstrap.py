"""Build the whole service from ``Settings`` in one place (no globals, no import-time work)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from federation_ai.adapters import build_adapters
from federation_ai.bus import INPUT_EVENT_TYPES, make_bus
from federation_ai.interop.quantum_trader import EXTRA_STREAMS, translate
from federation_ai.service.broadcast import Broadcaster
from federation_ai.service.clock import wall_clock
from federation_ai.service.federation import FederationService
from federation_ai.service.metrics import ServiceMetrics
from federation_ai.service.outbox import OutboxRelay
from federation_ai.service.pipeline import Pipeline
from federation_ai.service.runner import Runner
from federation_ai.store import Store

if TYPE_CHECKING:
    from federation_ai.adapters import AdapterSet
    from federation_ai.bus import EventBus
    from federation_ai.service.clock import Clock
    from federation_ai.settings import Settings


PUBLISH_GRACE_S = 2.0  # the relay re-publishes only what the fast path missed for this long


class SchemaNotReady(RuntimeError):  # noqa: N818 - reads as a state, like the store's errors
    """The database schema is missing or old and the service does not migrate it itself."""


async def open_store(settings: Settings) -> Store:
    """Open the configured database; SQLite is migrated automatically, PostgreSQL must be."""
    store = await Store.open(settings.service.database_url())
    try:
        if store.dialect == "sqlite":
            await store.upgrade()
            return store
        ready = await store.is_up_to_date()
    except BaseException:
        await store.close()
        raise
    if not ready:
        await store.close()
        raise SchemaNotReady(
            "the database schema is not up to date: run `federation db upgrade --db URL`"
        )
    return store


async def build_service(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    store: Store | None = None,
    adapters: AdapterSet | None = None,
    namespace: str = "",
    clock: Clock = wall_clock,
) -> FederationService:
    """Everything the service needs, from settings; ``bus``/``store`` given are not closed by it.

    ``namespace`` prefixes every Redis key (bus streams and adapter keys) so several
    deployments can share one Redis. ``clock`` is the service's time (UTC
    microseconds): live ingest refuses events too far ahead of it.
    """
    cfg, interop = settings.service, settings.interop
    owned: list[Any] = []
    if store is None:
        store = await open_store(settings)
        owned.append(store)
    if bus is None:
        bus = make_bus(
            cfg.bus_url,
            cfg.consumer_name,
            claim_idle_ms=cfg.claim_idle_ms,
            merge_lateness_ms=cfg.merge_lateness_ms,
            maxlen=cfg.output_maxlen,
            namespace=namespace,
            max_message_bytes=cfg.max_message_bytes,
            event_types=(*INPUT_EVENT_TYPES, *EXTRA_STREAMS) if interop.on else INPUT_EVENT_TYPES,
        )
        owned.append(bus)
    if adapters is None:
        on_redis = cfg.bus_url.startswith(("redis://", "rediss://", "unix://"))
        adapters = build_adapters(
            settings.adapters,
            redis_namespace=namespace,
            interop=interop,
            enforcement_url=cfg.bus_url if on_redis else None,
        )
    metrics = ServiceMetrics()
    hub = Broadcaster()
    relay = OutboxRelay(store, bus, adapters.writers, metrics)
    pipeline = Pipeline(
        store,
        settings.core,
        metrics,
        hub,
        adapters=adapters.writers,
        on_commit=relay.committed,
        published=relay,
        publish_grace_s=PUBLISH_GRACE_S,
        max_accounts=cfg.max_accounts,
        warnings=settings.warnings,
        direct={
            name: a
            for name, a in adapters.writers.items()
            if getattr(a.backend, "cannot_fail", False)
        },
    )
    runner = Runner(
        bus,
        pipeline,
        metrics,
        batch_size=cfg.batch_size,
        block_ms=cfg.block_ms,
        publisher=relay,
        max_message_bytes=cfg.max_message_bytes,
        clock=clock,
        max_future_skew_s=settings.ingest.max_future_skew_s,
        translate=partial(translate, cfg=interop) if interop.on else None,
    )
    return FederationService(
        settings,
        store,
        bus,
        adapters,
        pipeline,
        runner,
        relay,
        metrics,
        hub,
        owned=tuple(owned),
        clock=clock,
    )
