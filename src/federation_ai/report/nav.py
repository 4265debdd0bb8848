"""The flow-neutral NAV of an equity curve and its drawdown (SPEC §3), point by point.

The NAV starts at 1.0 and moves by ``(equity - net_flow) / previous`` at each point,
written ``1 + (equity - net_flow - previous) / previous`` so that two curves with equal
equity have equal NAVs to the last bit. An equity of 0 (ruin) gives NAV 0 from then on.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def nav_step(nav: float, previous: float, equity: float, flow: float) -> float:
    """The NAV after a point of ``equity`` with ``flow``, the previous point being ``previous``."""
    if previous <= 0.0 or equity <= 0.0:
        return 0.0
    return nav * (1.0 + (equity - flow - previous) / previous)


def nav_series(equity: Sequence[float], flow: Sequence[float]) -> array[float]:
    out = array("d")
    nav = 1.0
    prev = 0.0
    for i, e in enumerate(equity):
        if i:
            nav = nav_step(nav, prev, e, flow[i])
        out.append(nav)
        prev = e
    return out


def max_drawdown(nav: Sequence[float]) -> float:
    worst = peak = 0.0
    for x in nav:
        peak = max(peak, x)
        if peak > 0.0:
            worst = max(worst, 1.0 - x / peak)
    return worst


def drawdowns(nav: Sequence[float]) -> array[float]:
    out = array("d")
    peak = 0.0
    for x in nav:
        peak = max(peak, x)
        out.append(1.0 - x / peak if peak > 0.0 else 0.0)
    return out
