"""The REST API (FastAPI): reads, operator actions, event ingest, SSE and metrics.

Build it with :func:`create_app` around a running ``FederationService``.
"""

from federation_ai.api.app import create_app

__all__ = ["create_app"]
