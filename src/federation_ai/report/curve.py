"""Raw and governed equity of one account, one snapshot at a time (SPEC §13).

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

from dataclasses import dataclass, field

from federation_ai.report.figures import NavFigures
from federation_ai.report.impact import Impact
from federation_ai.report.nav import nav_step
from federation_ai.report.report_settings import NAV


@dataclass(slots=True)
class GovernedCurve:
    """Both curves of one account, snapshot by snapshot: only the latest point is kept,
    with the figures of both NAVs (``report.figures``)."""

    method: str
    intervals: Impact = field(default_factory=Impact)  # nav: what governance changed
    ruined_at: int | None = None
    snapshots: int = 0
    first: tuple[float, float] = (0.0, 0.0)  # (raw, governed) equity of the first snapshot
    raw_equity: float = 0.0  # of the latest snapshot
    gov_equity: float = 0.0
    raw_nav: float = 1.0
    gov_nav: float = 1.0
    raw: NavFigures = field(default_factory=NavFigures)
    gov: NavFigures = field(default_factory=NavFigures)
    _divergence: float = 0.0  # nav: governed - raw
    _trade_cut: float = 0.0  # trades: Σ (1 - m) * pnl of the governed trades so far

    def on_trade(self, m: float, pnl: float) -> None:
        """A governed trade closed (trades method); ``m`` is from the policy at its open."""
        self._trade_cut += (1.0 - m) * pnl

    def on_snapshot(self, ts: int, equity: float, flow: float, m_prev: float) -> tuple[float, ...]:
        """One snapshot; ``m_prev`` was in force after the previous one.

        Returns (governed equity, raw drawdown, governed drawdown) of the snapshot."""
        if self.method != NAV:
            gov = equity - self._trade_cut
        elif not self.snapshots:
            gov = equity
        else:
            prev = self.raw_equity
            pnl = equity - flow - prev
            self.intervals.add(m_prev, pnl)
            self._divergence = self._divergence * (1.0 + m_prev * pnl / prev) + (m_prev - 1.0) * pnl
            gov = equity + self._divergence
        if self.ruined_at is not None or gov <= 0.0:
            if self.ruined_at is None:
                self.ruined_at = ts
            gov = 0.0
        if self.snapshots:
            self.raw_nav = nav_step(self.raw_nav, self.raw_equity, equity, flow)
            self.gov_nav = nav_step(self.gov_nav, self.gov_equity, gov, flow)
        else:
            self.first = (equity, gov)
        self.snapshots += 1
        self.raw_equity, self.gov_equity = equity, gov
        return gov, self.raw.add(ts, self.raw_nav), self.gov.add(ts, self.gov_nav)
