"""What governance changed (SPEC §13): ``Σ (m - 1) * PnL``, split by the sign of the raw PnL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation_ai.report.sums import add_into


@dataclass(slots=True)
class Impact:
    """Over snapshot intervals (``nav``) or governed trades (``trades``).

    ``loss_avoided`` is ``Σ (m - 1) * PnL`` over raw losses: positive when losses were
    cut, negative when ``m > 1`` added to them. ``gain_forgone`` is ``Σ (1 - m) * PnL``
    over raw gains: positive when gains were given up, negative when ``m > 1`` added.
    ``net = loss_avoided - gain_forgone``. A PnL of exactly 0 counts in neither sum.
    """

    loss_avoided: float = 0.0
    gain_forgone: float = 0.0
    taken: int = 0  # m > 0
    skipped: int = 0  # m == 0

    def add(self, m: float, pnl: float) -> None:
        if m == 0.0:
            self.skipped += 1
        else:
            self.taken += 1
        if pnl < 0:
            self.loss_avoided += (m - 1.0) * pnl
        elif pnl > 0:
            self.gain_forgone += (1.0 - m) * pnl

    def merge(self, other: Impact) -> None:
        add_into(self, other)

    def to_json(self, units: str) -> dict[str, Any]:
        return {
            "units": units,
            "loss_avoided": self.loss_avoided,
            "gain_forgone": self.gain_forgone,
            "net": self.loss_avoided - self.gain_forgone,
            "taken": self.taken,
            "skipped": self.skipped,
        }
