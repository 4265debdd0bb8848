"""Health (honest: see docs/service.md) and Prometheus metrics."""

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from federation_ai.api.auth_gate import AuthFirstRoute
from federation_ai.api.deps import ServiceDep, require
from federation_ai.api.responses import FastJSONResponse


def meta_router(metrics_public: bool) -> APIRouter:
    """``/health`` is always open; ``/metrics`` needs a viewer key unless public."""
    router = APIRouter(tags=["meta"], route_class=AuthFirstRoute)

    @router.get("/health", response_class=FastJSONResponse)
    async def health(service: ServiceDep) -> FastJSONResponse:
        """``ok``, or ``degraded`` with the reasons while the store or the bus fails,
        stalls or cannot write, or while data is stale (the watchdog's list). Open (no
        key), so the reasons name the dependency, the operation and the kind of fault,
        never the error itself. Always 200: the process is alive, and a restart would
        not bring the dependency back."""
        return FastJSONResponse(service.health_summary())

    guard = [] if metrics_public else [Depends(require("viewer"))]

    @router.get("/metrics", response_class=Response, dependencies=guard)
    async def metrics(service: ServiceDep) -> Response:
        """Prometheus text exposition format."""
        return Response(generate_latest(service.metrics_registry()), media_type=CONTENT_TYPE_LATEST)

    return router
