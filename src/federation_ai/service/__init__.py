"""The live service: bus consumer, HTTP ingest, outbox relay, adapters, verify."""

from federation_ai.service.bootstrap import (
    SchemaNotReady,
    StoreUnwritable,
    build_service,
    open_store,
)
from federation_ai.service.federation import FederationService, IngestResult

__all__ = [
    "FederationService",
    "IngestResult",
    "SchemaNotReady",
    "StoreUnwritable",
    "build_service",
    "open_store",
]
