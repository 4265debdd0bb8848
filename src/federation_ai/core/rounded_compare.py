"""Threshold comparisons on both sides rounded to 9 decimals; undefined is never true.

Thresholds come from ``CoreConfig``, whose floats are already rounded to 9
places when loaded, so only the metric side is rounded here (the hot path).
"""

from __future__ import annotations

PLACES = 9


def gt(a: float | None, b: float) -> bool:
    return a is not None and round(a, PLACES) > b


def ge(a: float | None, b: float) -> bool:
    return a is not None and round(a, PLACES) >= b


def le(a: float | None, b: float) -> bool:
    return a is not None and round(a, PLACES) <= b


def lt(a: float | None, b: float) -> bool:
    return a is not None and round(a, PLACES) < b


def pct(x: float | None) -> str:
    """A ratio as a percentage for reasons: ``0.0123`` -> ``1.23%``; undefined -> ``n/a``."""
    return "n/a" if x is None else f"{x * 100:.2f}%"


def num(x: float | None, places: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{places}f}"
