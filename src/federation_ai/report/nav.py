"""The flow-neutral NAV of an equity curve (SPEC §3), point by point.

The NAV starts at 1.0 and moves by ``(equity - net_flow) / previous`` at each point,
written ``1 + (equity - net_flow - previous) / previous`` so that two curves with equal
equity have equal NAVs to the last bit. An equity of 0 (ruin) gives NAV 0 from then on.
Its drawdown and figures are kept by ``report.figures``.
"""

from __future__ import annotations


def nav_step(nav: float, previous: float, equity: float, flow: float) -> float:
    """The NAV after a point of ``equity`` with ``flow``, the previous point being ``previous``."""
    if previous <= 0.0 or equity <= 0.0:
        return 0.0
    return nav * (1.0 + (equity - flow - previous) / previous)
