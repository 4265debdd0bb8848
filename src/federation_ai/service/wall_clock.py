"""The service's clock: the one place live ingest reads the wall clock.

It is injected (``build_service(..., clock=...)``), so tests and the demo's
compressed time control it. The core never reads it: what it decides from it is
either a refusal (nothing is stored) or written into the event it stamps.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], int]  # UTC microseconds since the epoch


def wall_clock() -> int:
    return time.time_ns() // 1000
