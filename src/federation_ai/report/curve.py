"""Raw and governed equity of one account, one point per snapshot (SPEC §13).

``nav``: each snapshot's flow-neutral raw return ``r`` becomes ``m * r`` on the
governed equity, ``m`` being the multiplier in force right after the previous
snapshot was processed, and the snapshot's ``net_flow`` is added as recorded. The
governed equity is kept as ``raw + D`` with ``D_k = D_{k-1} * (1 + m r) + (m - 1) * PnL``
(the same recursion, exact in reals), so ``m = 1`` throughout gives the raw equity
to the last bit.

``trades``: governed equity is raw equity minus the running ``Σ (1 - m) * pnl_usd``
of the governed trades closed so far.

A governed equity at or below 0 is ruin: it stays 0, later deposits included.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import NamedTuple

from federation_ai.report.impact import Impact
from federation_ai.report.nav import drawdowns, nav_series
from federation_ai.report.report_settings import NAV


def _float_array() -> array[float]:
    return array("d")


def _int_array() -> array[int]:
    return array("q")


class Series(NamedTuple):
    raw_nav: array[float]
    raw_dd: array[float]
    gov_nav: array[float]
    gov_dd: array[float]


@dataclass(slots=True)
class Curve:
    """Per-snapshot arrays: compact, so a long history costs 8 bytes per value."""

    ts: array[int] = field(default_factory=_int_array)
    flow: array[float] = field(default_factory=_float_array)
    raw: array[float] = field(default_factory=_float_array)
    governed: array[float] = field(default_factory=_float_array)
    m: array[float] = field(default_factory=_float_array)  # in force after the snapshot
    _series: Series | None = None

    def __len__(self) -> int:
        return len(self.ts)

    def series(self) -> Series:
        """NAV and drawdown of both curves, computed once the curve is complete."""
        if self._series is None or len(self._series.raw_nav) != len(self.ts):
            raw = nav_series(self.raw, self.flow)
            gov = nav_series(self.governed, self.flow)
            self._series = Series(raw, drawdowns(raw), gov, drawdowns(gov))
        return self._series


@dataclass(slots=True)
class GovernedCurve:
    method: str
    curve: Curve = field(default_factory=Curve)
    intervals: Impact = field(default_factory=Impact)  # nav: what governance changed
    ruined_at: int | None = None
    _divergence: float = 0.0  # nav: governed - raw
    _trade_cut: float = 0.0  # trades: Σ (1 - m) * pnl of the governed trades so far

    def on_trade(self, m: float, pnl: float) -> None:
        """A governed trade closed (trades method); ``m`` is from the policy at its open."""
        self._trade_cut += (1.0 - m) * pnl

    def on_snapshot(self, ts: int, equity: float, flow: float, m_prev: float, m_now: float) -> None:
        """One snapshot; ``m_prev`` was in force after the previous one, ``m_now`` after it."""
        c = self.curve
        if self.method != NAV:
            gov = equity - self._trade_cut
        elif not c.ts:
            gov = equity
        else:
            prev = c.raw[-1]
            pnl = equity - flow - prev
            self.intervals.add(m_prev, pnl)
            self._divergence = self._divergence * (1.0 + m_prev * pnl / prev) + (m_prev - 1.0) * pnl
            gov = equity + self._divergence
        if self.ruined_at is not None or gov <= 0.0:
            if self.ruined_at is None:
                self.ruined_at = ts
            gov = 0.0
        c.ts.append(ts)
        c.flow.append(flow)
        c.raw.append(equity)
        c.governed.append(gov)
        c.m.append(m_now)
