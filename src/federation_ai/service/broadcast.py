"""Fan-out of committed decisions to live subscribers (the API's server-sent events)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable


class Broadcaster:
    """One bounded queue per subscriber; a slow subscriber loses its oldest items."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._size = queue_size
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self.dropped = 0

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def publish(self, items: Iterable[dict[str, Any]]) -> None:
        if not self._queues:
            return
        for item in items:
            for q in self._queues:
                if q.full():
                    q.get_nowait()
                    self.dropped += 1
                q.put_nowait(item)

    def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Registered at once (nothing committed after this call is missed); closing the
        iterator (``aclose()``, or leaving ``async for`` by an exception) unregisters it."""
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._size)
        self._queues.add(q)
        return self._drain(q)

    async def _drain(self, q: asyncio.Queue[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                yield await q.get()
        finally:
            self._queues.discard(q)
