"""The governed curve as rows (``governed.csv``), one per snapshot, as the replay makes them.

The file's order is by timestamp, accounts by id on ties. While the rows come in that
order (an event log merged by time: rows of one timestamp are held until the next
timestamp, then sorted by account), each row goes straight to the sink and into the
total; every row is also spooled by account (``report.spool``). If a row comes before
one already passed on, the sink is rewritten at the end from the spool, merged, and
the total is recomputed the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from federation_ai.report.spool import Spool, Spooled, merged
from federation_ai.report.total import TotalCurve

if TYPE_CHECKING:
    from collections.abc import Iterator

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
MAX_TIE: Final = 4096  # rows of one timestamp held for sorting

Row = tuple[int, str, float, float, float, float, float]


class RowSink(Protocol):
    def write(self, row: Row) -> None: ...

    def restart(self) -> None:
        """Forget every row written so far: they come again, in order."""


class GovernedRows:
    def __init__(self, spool: Spool | None = None, out: RowSink | None = None) -> None:
        self.spools = [spool or Spool()]
        self.out = out
        self.total = TotalCurve()
        self.in_order = True  # every row so far went to ``out`` and ``total``
        self._tie: list[Spooled] = []
        self._tie_ts = 0

    def add(self, row: Spooled) -> None:
        ts, account = row[0], row[1]
        self.spools[0].add(account, (ts, *row[2:]))
        if not self.in_order:
            return
        tie = self._tie
        if tie and ts != self._tie_ts:
            if ts < self._tie_ts:
                self._out_of_order()
                return
            self._pass_on()
        tie.append(row)
        self._tie_ts = ts
        if len(tie) > MAX_TIE:
            self._out_of_order()

    def _out_of_order(self) -> None:
        self.in_order = False
        self._tie.clear()

    def _pass_on(self) -> None:
        tie = self._tie
        if len(tie) > 1:
            tie.sort(key=_account)  # stable: an account's rows keep their order
        _consume(tie, self.total, self.out)
        tie.clear()

    def absorb(self, other: GovernedRows) -> None:
        """Another process's accounts (``--jobs``): the rows are merged at the end."""
        self.spools += other.spools
        self._out_of_order()

    def finish(self, out: RowSink | None = None) -> TotalCurve:
        """Every row passed on, to ``out`` too (a sink given only now gets all of them)."""
        if self.in_order and (out is None or out is self.out):
            self._pass_on()
            return self.total
        self.total = TotalCurve()
        if out is not None:
            out.restart()
        _consume(merged(self.spools), self.total, out)
        self.in_order = out is not None
        self.out = out
        return self.total


def _account(row: Spooled) -> str:
    return row[1]


def _consume(
    rows: Iterator[Spooled] | list[Spooled], total: TotalCurve, out: RowSink | None
) -> None:
    add = total.add
    for ts, account, raw, gov, raw_dd, gov_dd, m, flow in rows:
        add(account, ts, raw, gov, flow)
        if out is not None:
            out.write((ts, account, raw, gov, raw_dd, gov_dd, m))


def governed_rows(rec: Recorder) -> Iterator[Row]:
    """One row per snapshot, by timestamp (accounts by id on ties)."""
    for ts, account, raw, gov, raw_dd, gov_dd, m, _ in merged(rec.rows.spools):
        yield ts, account, raw, gov, raw_dd, gov_dd, m
