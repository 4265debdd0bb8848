"""Step latency of a replay (SPEC §13's KPI), kept in a fixed log-scale histogram.

Each step's wall time in nanoseconds falls in a bucket of 8 significant bits: exact
below 256 ns, else within 1/128 of its value. The histogram has a few thousand buckets
at most, whatever the number of steps; p50 and p95 (nearest rank) are the middle of
their bucket, the maximum is exact. Measured, so it differs between runs, unlike every
other figure of the report.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Final

BITS: Final = 8
HALF: Final = 1 << (BITS - 1)


def _bucket(ns: int) -> int:
    e = ns.bit_length() - BITS
    return ns if e <= 0 else (e << (BITS - 1)) + (ns >> e)


def _middle(bucket: int) -> float:
    e = max(0, bucket // HALF - 1)
    low = (bucket - (e << (BITS - 1))) << e
    return low + ((1 << e) - 1) / 2


class Latency:
    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self.steps = 0
        self.max_ns = 0

    def add(self, ns: int) -> None:
        self.counts[_bucket(ns)] += 1
        self.steps += 1
        self.max_ns = max(self.max_ns, ns)

    def merge(self, other: Latency) -> None:
        self.counts.update(other.counts)
        self.steps += other.steps
        self.max_ns = max(self.max_ns, other.max_ns)

    def _pct(self, q: float) -> float | None:
        if not self.steps:
            return None
        rank = max(1, math.ceil(self.steps * q))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return min(_middle(bucket), self.max_ns) / 1000
        return self.max_ns / 1000  # pragma: no cover - the counts add up to ``steps``

    def to_json(self) -> dict[str, Any]:
        """p50 / p95 / max of the decision core's step time, in microseconds."""
        return {
            "steps": self.steps,
            "step_latency_p50_us": self._pct(0.50),
            "step_latency_p95_us": self._pct(0.95),
            "step_latency_max_us": self.max_ns / 1000 if self.steps else None,
            "note": "measured wall time of step(); differs between runs, unlike every other figure",
        }
