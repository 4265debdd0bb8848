"""Figures of an equity curve (SPEC §13 over the §3 definitions): return, max DD, Sharpe, worst day.

Over the flow-neutral NAV of ``report.nav``. A recorded day closes when the account has a
later-dated event; Sharpe is over every closed day; the worst day also counts the last,
unclosed day.
"""

from __future__ import annotations

import heapq
import math
from array import array
from typing import TYPE_CHECKING, Any, NamedTuple

from federation_ai.core.micros import US_PER_DAY
from federation_ai.report.nav import max_drawdown, nav_step

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from federation_ai.report.curve import Curve


def day_returns(ts: Sequence[int], nav: Sequence[float]) -> list[tuple[int, float]]:
    """(day, return) of every recorded day, in order; day open = last NAV before the day."""
    out: list[tuple[int, float]] = []
    if not ts:
        return out
    day = ts[0] // US_PER_DAY
    day_open = nav[0]
    last = nav[0]
    for t, x in zip(ts, nav, strict=True):
        d = t // US_PER_DAY
        if d != day:
            out.append((day, _ret(last, day_open)))
            day, day_open = d, last
        last = x
    out.append((day, _ret(last, day_open)))
    return out


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


def figures(
    ts: Sequence[int],
    nav: Sequence[float],
    equity: tuple[float, float] | None,
    last_event_ts: int | None,
    min_sharpe_days: int,
) -> dict[str, Any]:
    """The figures of a NAV series; ``equity`` is (start, final) equity."""
    if not ts or equity is None:
        return dict.fromkeys(FIGURES)
    days = day_returns(ts, nav)
    end_day = (last_event_ts if last_event_ts is not None else ts[-1]) // US_PER_DAY
    closed = [r for d, r in days if d < end_day]
    return {
        "start_equity": equity[0],
        "final_equity": equity[1],
        "total_return": nav[-1] - 1.0,
        "max_drawdown": max_drawdown(nav),
        "sharpe": sharpe(closed, min_sharpe_days),
        "worst_day": min(r for _, r in days),
        "closed_days": len(closed),
    }


class Combined(NamedTuple):
    """The accounts together: one point per snapshot of any account."""

    ts: array[int]
    raw_nav: array[float]
    gov_nav: array[float]
    raw_equity: tuple[float, float] | None  # (start, final)
    gov_equity: tuple[float, float] | None


def _points(i: int, c: Curve) -> Iterator[tuple[int, int, int]]:
    for k, t in enumerate(c.ts):
        yield t, i, k


def combine(curves: Sequence[Curve]) -> Combined:
    """At each account's snapshot, the sum of every account's latest equity, flow-neutral.

    An account's first snapshot enters the total as a deposit (new capital, not a gain);
    the start equity is the sum of every account's first. Points are merged by timestamp,
    accounts in the given order on ties.
    """
    ts, raw_nav, gov_nav = array("q"), array("d"), array("d")
    raw = [0.0] * len(curves)
    gov = [0.0] * len(curves)
    seen = [False] * len(curves)
    total_raw = total_gov = 0.0
    nav_r = nav_g = 1.0
    for t, i, k in heapq.merge(*(_points(i, c) for i, c in enumerate(curves))):
        c = curves[i]
        e, g = c.raw[k], c.governed[k]
        flow, gov_flow = (c.flow[k], c.flow[k]) if seen[i] else (e, g)
        before_r, before_g = total_raw, total_gov
        total_raw += e - raw[i]
        total_gov += g - gov[i]
        raw[i], gov[i], seen[i] = e, g, True
        if ts:
            nav_r = nav_step(nav_r, before_r, total_raw, flow)
            nav_g = nav_step(nav_g, before_g, total_gov, gov_flow)
        ts.append(t)
        raw_nav.append(nav_r)
        gov_nav.append(nav_g)
    if not ts:
        return Combined(ts, raw_nav, gov_nav, None, None)
    started = [c for c in curves if c.ts]
    return Combined(
        ts,
        raw_nav,
        gov_nav,
        (sum(c.raw[0] for c in started), total_raw),
        (sum(c.governed[0] for c in started), total_gov),
    )
