"""What the API needs from the service: the ``FederationService`` facade, as a protocol.

The API reads through ``reads`` (the service's read port) and the in-memory views
(``policy``, ``status``, ``accounts``); it has no access to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from prometheus_client import CollectorRegistry

    from federation_ai.service.read_port import ReadPort
    from federation_ai.settings import Settings


class IngestOutcome(Protocol):
    @property
    def outcome(self) -> str: ...  # "processed" | "duplicate" | "out_of_order"

    @property
    def decisions(self) -> list[dict[str, Any]]: ...

    @property
    def conflict(self) -> str | None: ...  # a duplicate whose content differed


class Service(Protocol):
    """The service facade the API is written against (see ``federation_ai.service``)."""

    settings: Settings
    reads: ReadPort

    async def ingest(self, envelope: dict[str, Any]) -> IngestOutcome: ...

    async def command(self, envelope: dict[str, Any]) -> IngestOutcome: ...

    def now_us(self) -> int: ...

    def accounts(self) -> list[str]: ...

    def policy(self, account_id: str) -> dict[str, Any] | None: ...

    def status(self, *, limit: int = 100, cursor: str | None = None) -> dict[str, Any]: ...

    def health(self) -> dict[str, Any]: ...

    def subscribe(self) -> AsyncIterator[dict[str, Any]]: ...

    def metrics_registry(self) -> CollectorRegistry: ...
