"""The accounts together (SPEC §13): one point per snapshot of any account, fed in row order.

At each account's snapshot, the total is the sum of every account's latest equity,
flow-neutral. An account's first snapshot enters the total as a deposit (new capital,
not a gain); the start equity is the sum of every account's first. Points come in
``governed.csv``'s order: by timestamp, accounts by id on ties. What is kept is the
latest equity of each account and the figures of the two NAVs, not the points.
"""

from __future__ import annotations

from typing import Any

from federation_ai.report.figures import NavFigures
from federation_ai.report.nav import nav_step


class TotalCurve:
    def __init__(self) -> None:
        self._latest: dict[str, tuple[float, float]] = {}  # account -> (raw, governed) equity
        self._first: dict[str, tuple[float, float]] = {}
        self.total_raw = self.total_gov = 0.0
        self._nav_r = self._nav_g = 1.0
        self.raw = NavFigures()
        self.gov = NavFigures()

    @property
    def points(self) -> int:
        return self.raw.points

    def add(self, account: str, ts: int, e: float, g: float, flow: float) -> None:
        latest = self._latest.get(account)
        if latest is None:
            self._first[account] = (e, g)
            prev_e = prev_g = 0.0
            flow, gov_flow = e, g
        else:
            prev_e, prev_g = latest
            gov_flow = flow
        before_r, before_g = self.total_raw, self.total_gov
        self.total_raw += e - prev_e
        self.total_gov += g - prev_g
        self._latest[account] = (e, g)
        if self.raw.points:
            self._nav_r = nav_step(self._nav_r, before_r, self.total_raw, flow)
            self._nav_g = nav_step(self._nav_g, before_g, self.total_gov, gov_flow)
        self.raw.add(ts, self._nav_r)
        self.gov.add(ts, self._nav_g)

    def figures(self, last_event_ts: int | None, min_days: int) -> tuple[dict[str, Any], ...]:
        """(raw, governed) figures."""
        raw_ends = gov_ends = None
        if self.raw.points:
            started = [self._first[k] for k in sorted(self._first)]
            raw_ends = (sum(f[0] for f in started), self.total_raw)
            gov_ends = (sum(f[1] for f in started), self.total_gov)
        return (
            self.raw.figures(raw_ends, last_event_ts, min_days),
            self.gov.figures(gov_ends, last_event_ts, min_days),
        )
