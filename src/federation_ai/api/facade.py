"""What the API needs from the service: the ``FederationService`` facade, as a protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from prometheus_client import CollectorRegistry

    from federation_ai.settings import Settings
    from federation_ai.store import Store


class IngestOutcome(Protocol):
    @property
    def outcome(self) -> str: ...  # "processed" | "duplicate" | "out_of_order"

    @property
    def decisions(self) -> list[dict[str, Any]]: ...


class Service(Protocol):
    """The service facade the API is written against (see ``federation_ai.service``)."""

    settings: Settings
    store: Store

    async def ingest(self, envelope: dict[str, Any]) -> IngestOutcome: ...

    def accounts(self) -> list[str]: ...

    def policy(self, account_id: str) -> dict[str, Any] | None: ...

    def status(self) -> dict[str, Any]: ...

    def health_summary(self) -> dict[str, Any]: ...

    def subscribe(self) -> AsyncIterator[dict[str, Any]]: ...

    def metrics_registry(self) -> CollectorRegistry: ...
