"""Threshold comparisons on both sides rounded to 9 decimals; undefined is never true.

Thresholds come from ``CoreConfig``, whose floats are already rounded to 9
places when loaded, so only the metric side is rounded here (the hot path).

Rounding is the slow part, and it only matters near the threshold: ``round(a, 9)``
is never more than 1e-9 away from ``a`` (when a double's spacing is wider than that,
it is ``a`` itself), so where ``a`` and ``b`` are further apart than ``NEAR`` the
unrounded comparison gives the same answer and rounding is skipped. NaN falls through
to the rounded comparison, which is false like the original.
"""

from __future__ import annotations

from typing import Final

PLACES = 9
NEAR: Final = 1e-6  # far wider than the 1e-9 rounding can move a value


def _rounded(a: float, b: float) -> float:
    """``round(a, 9)``, or ``a`` itself where rounding cannot change how it compares to ``b``."""
    d = a - b
    return a if d > NEAR or d < -NEAR else round(a, PLACES)


def gt(a: float | None, b: float) -> bool:
    return a is not None and _rounded(a, b) > b


def ge(a: float | None, b: float) -> bool:
    return a is not None and _rounded(a, b) >= b


def le(a: float | None, b: float) -> bool:
    return a is not None and _rounded(a, b) <= b


def lt(a: float | None, b: float) -> bool:
    return a is not None and _rounded(a, b) < b


def pct(x: float | None) -> str:
    """A ratio as a percentage for reasons: ``0.0123`` -> ``1.23%``; undefined -> ``n/a``."""
    return "n/a" if x is None else f"{x * 100:.2f}%"


def num(x: float | None, places: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{places}f}"
