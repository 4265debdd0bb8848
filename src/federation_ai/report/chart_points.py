"""The points the HTML charts keep of one account's curves, chosen as the replay streams.

``governed.csv`` has every snapshot; a chart gets at most ``3 * MAX_BUCKETS + 1``
points. The snapshots are cut into runs of ``size`` consecutive ones (``size`` doubles,
and neighbouring runs merge, whenever there would be more than ``MAX_BUCKETS`` runs);
of each run the chart keeps the first point and those with the deepest raw and
governed drawdown, so no drawdown trough disappears from the picture, and the last
point of all. Memory is fixed per account, whatever the length of the history.
"""

from __future__ import annotations

from array import array
from typing import Final

MAX_BUCKETS: Final = 400
FIELDS: Final = 7  # seq, ts, raw, gov, raw_dd, gov_dd, m
SLOTS: Final = 3 * FIELDS  # first, deepest raw drawdown, deepest governed drawdown
RAW_DD: Final = 4
GOV_DD: Final = 5

Point = tuple[float, ...]  # FIELDS values


def _deeper(a: Point, b: Point, col: int) -> Point:
    return b if b[col] > a[col] else a  # the earlier one on ties


class ChartPoints:
    __slots__ = ("_buckets", "_count", "_first", "_gov", "_last", "_raw", "seen", "size")

    def __init__(self) -> None:
        self.size = 1  # snapshots per run
        self.seen = 0
        self._buckets = array("d")  # SLOTS values per closed run
        self._count = 0  # points in the open run
        none: Point = (0.0,) * FIELDS
        self._first = self._raw = self._gov = self._last = none

    def add(self, ts: int, values: tuple[float, float, float, float, float]) -> None:
        """A snapshot's (raw, gov, raw_dd, gov_dd, m)."""
        p = (float(self.seen), float(ts), *values)
        self.seen += 1
        self._last = p
        if not self._count:
            self._first = self._raw = self._gov = p
        else:
            self._raw = _deeper(self._raw, p, RAW_DD)
            self._gov = _deeper(self._gov, p, GOV_DD)
        self._count += 1
        if self._count == self.size:
            self._buckets.extend((*self._first, *self._raw, *self._gov))
            self._count = 0
            if len(self._buckets) == SLOTS * MAX_BUCKETS:
                self._halve()

    def _halve(self) -> None:
        b = self._buckets
        out = array("d")
        for i in range(0, len(b), 2 * SLOTS):
            first, raw, gov = (tuple(b[i + k * FIELDS : i + (k + 1) * FIELDS]) for k in range(3))
            j = i + SLOTS
            raw = _deeper(raw, tuple(b[j + FIELDS : j + 2 * FIELDS]), RAW_DD)
            gov = _deeper(gov, tuple(b[j + 2 * FIELDS : j + SLOTS]), GOV_DD)
            out.extend((*first, *raw, *gov))
        self._buckets = out
        self.size *= 2

    def points(self) -> list[Point]:
        """The kept points, in order."""
        if not self.seen:
            return []
        b = self._buckets
        kept = {int(b[i]): i for i in range(0, len(b), FIELDS)}
        out = {k: tuple(b[i : i + FIELDS]) for k, i in kept.items()}
        if self._count:
            for p in (self._first, self._raw, self._gov):
                out[int(p[0])] = p
        out[int(self._last[0])] = self._last
        return [out[k] for k in sorted(out)]
