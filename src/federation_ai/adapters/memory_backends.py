"""In-memory adapter backends: keep what was last written (tests, the demo, embedded use)."""

from __future__ import annotations

from typing import Any

from federation_ai.adapters.contracts import AdapterError, AdapterKind


class MemoryBackend:
    """Keeps the latest update per (adapter, account), as a downstream policy store would.

    Nothing else: an embedded service runs for weeks, and a log of every update would
    grow with it (the audit trail in the store has every decision).
    """

    description = "memory"

    def __init__(self, fail_times: int = 0) -> None:
        # In-process writes cannot fail (unless an outage drill is set up), so the
        # service writes them right after commit instead of through the outbox.
        self.cannot_fail = fail_times == 0
        self.latest: dict[tuple[str, str], dict[str, Any]] = {}
        self._fail_times = fail_times  # simulated outages, for drills

    async def write(self, kind: AdapterKind, update: dict[str, Any]) -> None:
        if self._fail_times > 0:
            self._fail_times -= 1
            raise AdapterError(f"{kind.name}: simulated outage")
        self.latest[(kind.name, update["account_id"])] = update

    async def close(self) -> None:
        """Nothing to release."""


class MemorySnapshots:
    """Snapshots handed over at construction (none by default)."""

    description = "memory"

    def __init__(self, envelopes: list[dict[str, Any]] | None = None) -> None:
        self.envelopes = list(envelopes or [])

    async def latest(self) -> list[dict[str, Any]]:
        return list(self.envelopes)

    async def close(self) -> None:
        """Nothing to release."""
