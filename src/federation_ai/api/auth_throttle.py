"""Throttle clients that keep presenting bad API keys: in memory, bounded, clock injected.

A client (an address) that has ``limit`` refused keys within ``window_s`` seconds is
held for ``window_s`` seconds: every request of it that needs a key is answered 429
with ``Retry-After``, and its key is not even looked at (so guessing goes no faster
than ``limit`` per window). A hold ends by itself; the failures of a client that is
not held are forgotten ``window_s`` after the first one. At most ``max_clients`` are
remembered; past that the least recently failed one is dropped.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(slots=True)
class _Record:
    window_start: float
    failures: int = 0
    held_until: float | None = None


class FailureThrottle:
    def __init__(
        self,
        limit: int = 20,
        window_s: float = 60.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_s <= 0 or max_clients < 1:
            raise ValueError("limit and max_clients must be >= 1, window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self.max_clients = max_clients
        self._clock = clock
        self._clients: OrderedDict[str, _Record] = OrderedDict()

    def __len__(self) -> int:
        return len(self._clients)

    def retry_after(self, client: str) -> int | None:
        """Whole seconds until ``client`` may try a key again; None when it may now."""
        record = self._clients.get(client)
        if record is None or record.held_until is None:
            return None
        left = record.held_until - self._clock()
        if left <= 0:
            del self._clients[client]
            return None
        return max(1, math.ceil(left))

    def failed(self, client: str) -> bool:
        """Count one refused key of ``client``; True when this failure puts it on hold."""
        now = self._clock()
        record = self._clients.get(client)
        if record is not None and record.held_until is not None:
            if now < record.held_until:
                return False  # already held: nothing more to count
            record = None
        if record is None or now - record.window_start >= self.window_s:
            record = _Record(window_start=now)
            self._clients[client] = record
        self._clients.move_to_end(client)
        record.failures += 1
        while len(self._clients) > self.max_clients:
            self._clients.popitem(last=False)
        if record.failures >= self.limit:
            record.held_until = now + self.window_s
            return True
        return False
