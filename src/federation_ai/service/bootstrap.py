"""Build the whole service from ``Settings`` in one place (no globals, no import-time work)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from federation_ai.adapters import build_adapters
from federation_ai.alerts.service_alerts import build_alerts
from federation_ai.bus import INPUT_EVENT_TYPES, make_bus
from federation_ai.interop.quantum_trader import EXTRA_STREAMS, translate
from federation_ai.service.broadcast import Broadcaster
from federation_ai.service.consumer_loop import Runner
from federation_ai.service.fast_publisher import FastPublisher, PublishStatus
from federation_ai.service.faults import describe_error
from federation_ai.service.federation import FederationService
from federation_ai.service.health import Dependency, HealthBoard
from federation_ai.service.outbox_relay import OutboxRelay
from federation_ai.service.pipeline import Pipeline
from federation_ai.service.probe import Prober
from federation_ai.service.prometheus_metrics import ServiceMetrics
from federation_ai.service.wall_clock import wall_clock
from federation_ai.settings import redact_url
from federation_ai.store import Store, StoreTimeouts

if TYPE_CHECKING:
    from federation_ai.adapters import AdapterSet
    from federation_ai.bus import EventBus
    from federation_ai.service.wall_clock import Clock
    from federation_ai.settings import ServiceConfig, Settings


PUBLISH_GRACE_S = 2.0  # the relay re-publishes only what the fast path missed for this long


class SchemaNotReady(RuntimeError):  # noqa: N818 - reads as a state, like the store's errors
    """The database schema is missing or old and the service does not migrate it itself."""


class StoreUnwritable(RuntimeError):  # noqa: N818 - reads as a state, like SchemaNotReady
    """The database cannot be written (a read-only or full SQLite file): start-up stops."""


def store_timeouts(cfg: ServiceConfig) -> StoreTimeouts:
    return StoreTimeouts(
        connect_s=cfg.db_connect_timeout_s,
        command_s=cfg.db_command_timeout_s,
        sqlite_busy_s=cfg.sqlite_busy_timeout_s,
    )


async def open_store(settings: Settings) -> Store:
    """Open the configured database; SQLite is migrated automatically, PostgreSQL must be.

    A SQLite file that cannot be written stops start-up with one line naming it: a
    service that can decide nothing must not look like an idle healthy one.
    """
    store = await Store.open(settings.service.database_url(), store_timeouts(settings.service))
    try:
        if store.dialect == "sqlite":
            try:
                await store.upgrade()
                await store.probe(write=True)
            except Exception as exc:
                raise StoreUnwritable(
                    f"the SQLite database {store.location} cannot be written: "
                    f"{describe_error(exc)}"
                ) from exc
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
            **_bus_timeouts(cfg),
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
    subscribers = Broadcaster()
    health = HealthBoard(
        stall_s=cfg.health_stall_s,
        log_every_s=cfg.health_log_every_s,
        locations={
            Dependency.STORE: store.location,
            Dependency.BUS: redact_url(cfg.bus_url) if bus in owned else type(bus).__name__,
        },
    )
    publisher = FastPublisher(bus, metrics, PublishStatus(health))
    relay = OutboxRelay(
        store,
        bus,
        adapters.writers,
        metrics,
        publisher,
        publish_retry_max_s=cfg.retry_max_s,
        health=health,
    )
    alerts = build_alerts(settings.alerts, store)
    pipeline = Pipeline(
        store,
        settings.core,
        metrics,
        subscribers,
        adapters=adapters.writers,
        publish_grace_s=PUBLISH_GRACE_S,
        max_accounts=cfg.max_accounts,
        health=health,
        warnings=settings.warnings,
        alerts=alerts.for_step,
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
        publisher,
        batch_size=cfg.batch_size,
        block_ms=cfg.block_ms,
        max_message_bytes=cfg.max_message_bytes,
        clock=clock,
        max_future_skew_s=settings.ingest.max_future_skew_s,
        translate=partial(translate, cfg=interop) if interop.on else None,
        health=health,
        retry_max_s=cfg.retry_max_s,
    )
    prober = Prober(health, store, bus, interval_s=cfg.health_probe_s)
    return FederationService(
        settings,
        store,
        bus,
        adapters,
        pipeline,
        runner,
        publisher,
        relay,
        metrics,
        subscribers,
        owned=tuple(owned),
        clock=clock,
        health=health,
        prober=prober,
        alerts=alerts,
    )


def _bus_timeouts(cfg: ServiceConfig) -> dict[str, Any]:
    """Socket timeouts for a Redis bus (the in-process one has none)."""
    if cfg.bus_url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "socket_timeout_s": cfg.redis_timeout_s,
            "connect_timeout_s": cfg.redis_connect_timeout_s,
        }
    return {}
