"""Figures of an equity curve (SPEC §13 over the §3 definitions): return, max DD, Sharpe, worst day.

Over the flow-neutral NAV of ``report.nav``, fed one point at a time: what is kept is
the running peak and worst drawdown and one return per recorded day, never the points.
A recorded day closes when the account has a later-dated event; Sharpe is over every
closed day; the worst day also counts the last, unclosed day.
"""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.micros import US_PER_DAY

NO_DAY: Final = -(2**62)  # before the first point: no timestamp's day

if TYPE_CHECKING:
    from collections.abc import Sequence


def _ret(close: float, day_open: float) -> float:
    return close / day_open - 1.0 if day_open > 0.0 else 0.0


def sharpe(returns: Sequence[float], min_days: int) -> float | None:
    """SPEC §3: mean / sample stdev * sqrt(365); None below ``min_days`` or at stdev 0."""
    n = len(returns)
    if n < min_days:
        return None
    mean = sum(returns) / n
    var = sum((x - mean) ** 2 for x in returns) / (n - 1)
    sd = math.sqrt(var) if var > 0.0 else 0.0
    if round(sd, 12) == 0.0:
        return None
    return mean / sd * math.sqrt(365.0)


FIGURES = (
    "start_equity",
    "final_equity",
    "total_return",
    "max_drawdown",
    "sharpe",
    "worst_day",
    "closed_days",
)


class NavFigures:
    """One NAV series, point by point: its drawdown at each point and its figures."""

    __slots__ = ("_day", "_days", "_last", "_open", "_peak", "_rets", "_worst", "last_ts", "points")

    def __init__(self) -> None:
        self.points = self.last_ts = 0
        self._peak = self._worst = 0.0
        self._day = NO_DAY
        self._open = self._last = 0.0  # the day's open (last NAV before it) and latest NAV
        self._days = array("q")  # every recorded day before the current one
        self._rets = array("d")  # and its return

    def add(self, ts: int, x: float) -> float:
        """The point ``x`` at ``ts``; returns its drawdown (0 below a positive peak).

        The comparisons are those of ``max(peak, x)`` and ``max(worst, dd)``: the earlier
        value stays on ties."""
        d = ts // US_PER_DAY
        if d != self._day:
            if self.points:
                self._days.append(self._day)
                self._rets.append(_ret(self._last, self._open))
                self._open = self._last
            else:
                self._open = x
            self._day = d
        self._last, self.last_ts = x, ts
        self.points += 1
        peak = self._peak
        if x > peak:
            self._peak = peak = x
        if peak > 0.0:
            dd = 1.0 - x / peak
            if dd > self._worst:  # noqa: PLR1730 - a call per point costs more
                self._worst = dd
            return dd
        return 0.0

    @property
    def last(self) -> float:
        return self._last

    def figures(
        self,
        equity: tuple[float, float] | None,
        last_event_ts: int | None,
        min_sharpe_days: int,
    ) -> dict[str, Any]:
        """The figures of the series; ``equity`` is (start, final) equity."""
        if not self.points or equity is None:
            return dict.fromkeys(FIGURES)
        days = [
            *zip(self._days, self._rets, strict=True),
            (self._day, _ret(self._last, self._open)),
        ]
        end_day = (last_event_ts if last_event_ts is not None else self.last_ts) // US_PER_DAY
        closed = [r for d, r in days if d < end_day]
        return {
            "start_equity": equity[0],
            "final_equity": equity[1],
            "total_return": self._last - 1.0,
            "max_drawdown": self._worst,
            "sharpe": sharpe(closed, min_sharpe_days),
            "worst_day": min(r for _, r in days),
            "closed_days": len(closed),
        }
