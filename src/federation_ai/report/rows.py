"""The governed curve as rows (``governed.csv``) and as chart series, per account."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from federation_ai.report.curve import Curve
    from federation_ai.report.recorder import Recorder

GOVERNED_HEADER = (
    "timestamp",
    "account_id",
    "raw_equity",
    "governed_equity",
    "raw_dd",
    "governed_dd",
    "m",
)

Row = tuple[int, str, float, float, float, float, float]


def _account_rows(account_id: str, c: Curve) -> Iterator[Row]:
    raw_dd, gov_dd = c.series().raw_dd, c.series().gov_dd
    for k in range(len(c)):
        yield (c.ts[k], account_id, c.raw[k], c.governed[k], raw_dd[k], gov_dd[k], c.m[k])


def governed_rows(rec: Recorder) -> Iterator[Row]:
    """One row per snapshot, by timestamp (accounts by id on ties)."""
    streams = [_account_rows(k, rec.accounts[k].curve.curve) for k in sorted(rec.accounts)]
    return heapq.merge(*streams, key=lambda r: (r[0], r[1]))
