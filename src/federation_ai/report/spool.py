"""The governed rows of a replay, kept on disk by account while the replay runs.

Each account's rows go, in the order they are made, into a small buffer that is
written out as a segment of one spool file when it fills (or when all buffers
together pass ``BUDGET``). Each segment starts with the offset of the account's next
segment (patched in when that one is written) and its length, so what stays in memory
is the buffers and, per account, the offsets of its first and last segment. Reading
gives each account's rows back in order, a chunk at a time, so that ``governed.csv``
can be merged by timestamp after the replay whatever order the log came in.
"""

from __future__ import annotations

import heapq
import struct
import tempfile
from typing import IO, TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

RECORD: Final = struct.Struct("<q6d")  # ts, raw, gov, raw_dd, gov_dd, m, net_flow
HEADER: Final = struct.Struct("<qq")  # offset of the account's next segment (-1: none), length
NEXT: Final = struct.Struct("<q")
SEGMENT: Final = 256 * RECORD.size  # one account's buffer
BUDGET: Final = 1 << 20  # all buffers together
CHUNK: Final = 64 * RECORD.size  # read per account at a time

# ts, account, raw, gov, raw_dd, gov_dd, m, net_flow
Spooled = tuple[int, str, float, float, float, float, float, float]


# What a spool pickles as, named: the compiled build's classes have no ``__dict__``.
_STATE: Final = ("path", "_dir", "_fh", "_end", "_buffers", "_buffered", "_first", "_last")


class Spool:
    """A named file (``path``, so it can be handed to another process) or an anonymous one
    in ``dir`` (the system's temporary directory if None)."""

    def __init__(self, path: Path | None = None, dir: Path | None = None) -> None:  # noqa: A002
        self.path = path
        self._dir = dir
        self._fh: IO[bytes] | None = None
        self._end = 0
        self._buffers: dict[str, bytearray] = {}
        self._buffered = 0
        self._first: dict[str, int] = {}  # account -> offset of its first segment (-1: none)
        self._last: dict[str, int] = {}

    def _file(self) -> IO[bytes]:
        if self._fh is None:
            if self.path is None:
                self._fh = tempfile.TemporaryFile(dir=self._dir)  # noqa: SIM115 - kept open
            else:
                self._fh = self.path.open("r+b" if self._end else "w+b")
        return self._fh

    def add(self, account: str, row: tuple[int, float, float, float, float, float, float]) -> None:
        buf = self._buffers.get(account)
        if buf is None:
            buf = self._buffers[account] = bytearray()
            self._first[account] = self._last[account] = -1
        buf += RECORD.pack(*row)
        self._buffered += RECORD.size
        if len(buf) >= SEGMENT:
            self._write(account, buf)
        elif self._buffered >= BUDGET:
            self.flush()

    def _write(self, account: str, buf: bytearray) -> None:
        fh, at = self._file(), self._end
        last = self._last[account]
        if last < 0:
            self._first[account] = at
        else:
            fh.seek(last)
            fh.write(NEXT.pack(at))
        fh.seek(at)
        fh.write(HEADER.pack(-1, len(buf)))
        fh.write(buf)
        self._last[account] = at
        self._end = at + HEADER.size + len(buf)
        self._buffered -= len(buf)
        buf.clear()

    def flush(self) -> None:
        for account, buf in self._buffers.items():
            if buf:
                self._write(account, buf)
        if self._fh is not None:
            self._fh.flush()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled to the process that merges: written out and closed, by path."""
        if self.path is None:
            raise TypeError("an anonymous spool stays in its process")
        self.flush()
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        return {k: getattr(self, k) for k in _STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)

    def accounts(self) -> list[str]:
        return list(self._first)

    def rows(self, account: str) -> Iterator[Spooled]:
        """The account's rows in the order they were added (after :meth:`flush`)."""
        segment = self._first[account]
        while segment >= 0:
            fh = self._file()
            fh.seek(segment)
            segment, length = HEADER.unpack(fh.read(HEADER.size))
            pos = fh.tell()
            end = pos + length
            while pos < end:
                fh.seek(pos)
                data = fh.read(min(CHUNK, end - pos))
                pos += len(data)
                for ts, *rest in RECORD.iter_unpack(data):
                    yield (ts, account, *rest)


def merged(spools: Iterable[Spool]) -> Iterator[Spooled]:
    """Every account's rows, by timestamp, accounts by id on ties (``governed.csv``'s order)."""
    streams = []
    for spool in spools:
        spool.flush()
        streams += [(account, spool) for account in spool.accounts()]
    streams.sort(key=lambda s: s[0])
    return heapq.merge(*(s.rows(a) for a, s in streams), key=lambda r: (r[0], r[1]))
