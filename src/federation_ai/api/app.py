"""Build the FastAPI application around a running service. No global app object."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from federation_ai.api import errors, routes_events, routes_ops, routes_read, routes_stream
from federation_ai.api.auth_throttle import FailureThrottle
from federation_ai.api.body_limit import BodyLimit
from federation_ai.api.dashboard import mount_dashboard
from federation_ai.api.docs_pages import mount_docs
from federation_ai.api.routes_meta import meta_router
from federation_ai.api.security import Authenticator

if TYPE_CHECKING:
    from collections.abc import Iterable

    from federation_ai.api.facade import Service
    from federation_ai.api.security import BootstrapKey

DESCRIPTION = """
Governance layer for automated trading: read the effective policy and the audit
trail, send operator actions, ingest events, follow decisions live.

Authenticate with `Authorization: Bearer <key>` or `X-API-Key: <key>`.
Scopes: `viewer` (reads) < `operator` (actions, ingest) < `admin` (forced unfreeze,
peak reset, clock re-anchor). `GET /health` is open.
peak reset). `GET /health` is open: `ok`, or `degraded` with the reasons.
"""


def create_app(
    service: Service,
    *,
    bootstrap_keys: Iterable[BootstrapKey] = (),
    heartbeat_seconds: float = 15.0,
    auth_cache_seconds: float = 2.0,
    throttle: FailureThrottle | None = None,
) -> FastAPI:
    """The REST API over ``service``.

    ``bootstrap_keys`` are extra keys known only to this process (e.g. a demo's);
    stored keys are looked up through ``service.reads``. ``auth_cache_seconds`` bounds
    how long a revoked key keeps working in a running server. ``throttle`` holds
    clients that keep presenting bad keys (default: from ``settings.api``).
    """
    app = FastAPI(
        title="Federation AI",
        version="1.0",
        description=DESCRIPTION,
        docs_url=None,  # served from the package by mount_docs, not from a CDN
        redoc_url=None,
    )
    app.add_middleware(BodyLimit, limit=service.settings.service.max_body_bytes)
    app.state.service = service
    api = service.settings.api
    if throttle is None:
        throttle = FailureThrottle(
            api.auth_failure_limit, api.auth_failure_window_s, api.auth_tracked_clients
        )
    app.state.auth_throttle = throttle
    app.state.stream_key_check_s = api.stream_key_check_s
    app.state.authenticator = Authenticator(
        service.reads,
        bootstrap_keys,
        auth_cache_seconds,
        lookup_timeout_s=service.settings.service.auth_lookup_timeout_s,
    )
    app.state.heartbeat_seconds = heartbeat_seconds
    errors.install(app)
    app.include_router(meta_router(service.settings.service.metrics_public))
    app.include_router(routes_read.router)
    app.include_router(routes_stream.router)
    app.include_router(routes_ops.router)
    app.include_router(routes_events.router)
    mount_dashboard(app)
    mount_docs(app)
    return app
