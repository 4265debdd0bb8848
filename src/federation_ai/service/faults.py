"""What went wrong with a dependency, in one line and in one word.

``describe_error`` turns an exception from the store or the bus into one line (the
driver's own error, without SQLAlchemy's statement, parameters and links: those can
run to pages and carry data). ``fault_kind`` names the kind of fault in one word
for ``/health``, which is open and so never shows the error itself. ``is_outage``
tells a dependency that cannot answer (the API says 503) from a defect (a 500).
"""

from __future__ import annotations

import asyncio
import sqlite3
from enum import StrEnum
from typing import TYPE_CHECKING

import asyncpg
from redis import exceptions as redis_errors
from sqlalchemy import exc as sa_errors

if TYPE_CHECKING:
    from collections.abc import Iterator

MAX_ERROR_CHARS = 300


class FaultKind(StrEnum):
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    READ_ONLY = "read-only"
    FULL = "full"
    LOCKED = "locked"
    IO = "io-error"
    ERROR = "error"


# Driver error texts (lower case) and the kind they name; the first match wins.
_MESSAGES: tuple[tuple[str, FaultKind], ...] = (
    ("readonly", FaultKind.READ_ONLY),  # SQLite: attempt to write a readonly database
    ("read-only", FaultKind.READ_ONLY),  # PostgreSQL: read-only transaction / hot standby
    ("read only", FaultKind.READ_ONLY),
    ("disk is full", FaultKind.FULL),  # SQLite: database or disk is full
    ("no space left", FaultKind.FULL),  # PostgreSQL, OSError ENOSPC
    ("oom command not allowed", FaultKind.FULL),  # Redis at maxmemory
    ("misconf", FaultKind.READ_ONLY),  # Redis refusing writes after a failed save
    ("database is locked", FaultKind.LOCKED),
    ("disk i/o error", FaultKind.IO),  # SQLite on a file that became unwritable
    ("timed out", FaultKind.TIMEOUT),
    ("timeout", FaultKind.TIMEOUT),
    ("connection refused", FaultKind.UNREACHABLE),
    ("connect call failed", FaultKind.UNREACHABLE),
    ("connection reset", FaultKind.UNREACHABLE),
    ("connection was closed", FaultKind.UNREACHABLE),
    ("connection is closed", FaultKind.UNREACHABLE),
    ("closed the connection", FaultKind.UNREACHABLE),
    ("unable to open database", FaultKind.UNREACHABLE),
)
_TIMEOUTS = (TimeoutError, asyncio.TimeoutError, redis_errors.TimeoutError)
_UNREACHABLE = (
    ConnectionError,
    redis_errors.ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)
# Errors of a dependency that is down, stalled or refuses to write (not a defect).
OUTAGE_TYPES: tuple[type[Exception], ...] = (
    *_TIMEOUTS,
    *_UNREACHABLE,
    OSError,
    sa_errors.OperationalError,
    sa_errors.InterfaceError,
    sa_errors.TimeoutError,
    sqlite3.OperationalError,
    redis_errors.ReadOnlyError,
    redis_errors.BusyLoadingError,
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, the driver error SQLAlchemy wraps, and their causes."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        todo.extend(
            [orig if isinstance(orig, BaseException) else None, current.__cause__]
        )


def _root(exc: BaseException) -> BaseException:
    """The driver's error where SQLAlchemy wraps one (its text has no SQL attached)."""
    if isinstance(exc, sa_errors.DBAPIError) and isinstance(exc.orig, BaseException):
        return exc.orig
    return exc


def describe_error(exc: BaseException) -> str:
    """One line: ``TypeName: first line of the message`` (at most 300 characters)."""
    root = _root(exc)
    text = str(root).strip().splitlines()
    message = text[0] if text else ""
    if isinstance(root, _TIMEOUTS) and not message:
        message = "no answer in time"
    line = f"{type(root).__name__}: {message}" if message else type(root).__name__
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 1] + "…"


def fault_kind(exc: BaseException) -> FaultKind:
    for current in _chain(exc):
        text = str(current).lower()
        for needle, kind in _MESSAGES:
            if needle in text:
                return kind
        if isinstance(current, _TIMEOUTS):
            return FaultKind.TIMEOUT
        if isinstance(current, _UNREACHABLE):
            return FaultKind.UNREACHABLE
    return FaultKind.ERROR


def is_outage(exc: BaseException) -> bool:
    """A dependency that is down, stalled, full or read-only: worth a 503, not a 500."""
    return any(isinstance(current, OUTAGE_TYPES) for current in _chain(exc))
