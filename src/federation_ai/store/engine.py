"""Database URLs and async engines: SQLite (aiosqlite, WAL) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from federation_ai.store.models import UnsupportedDatabaseError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"
# Execution option: on SQLite, open the transaction with BEGIN IMMEDIATE so the
# write lock is taken up front and the busy timeout applies (a deferred
# transaction that reads first cannot wait for the lock when it later writes).
WRITE_OPTION = "federation_write"


@dataclass(frozen=True, slots=True)
class StoreTimeouts:
    """Bounds on every database call, so a hung connection becomes an error.

    ``connect_s``: opening a PostgreSQL connection (the whole handshake) and waiting
    for a free one in the pool. ``command_s``: each PostgreSQL statement (None: no
    bound; the CLI's migrations may run long). ``sqlite_busy_s``: how long a SQLite
    write waits for another writer's lock.
    """

    connect_s: float = 10.0
    command_s: float | None = None
    sqlite_busy_s: float = 30.0


DEFAULT_TIMEOUTS = StoreTimeouts()

_POSTGRES_SCHEMES = {"postgres", "postgresql"}
# libpq's `sslmode` values, which asyncpg accepts under the name `ssl`
_SSLMODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})


def normalize_url(url: str | URL) -> URL:
    """Map a user-facing URL (or a bare SQLite file path) to the async driver URL."""
    if isinstance(url, str) and "://" not in url:
        if not url.strip():
            raise UnsupportedDatabaseError("empty database URL")
        return URL.create(SQLITE_DRIVER, database=url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UnsupportedDatabaseError(f"not a database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername=SQLITE_DRIVER)
    if backend in _POSTGRES_SCHEMES:
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
        sslmode = parsed.query.get("sslmode")
        if isinstance(sslmode, str):
            if sslmode not in _SSLMODES:
                raise UnsupportedDatabaseError(f"unknown sslmode {sslmode!r}")
            parsed = parsed.difference_update_query(["sslmode"]).update_query_dict({"ssl": sslmode})
        return parsed
    raise UnsupportedDatabaseError(
        f"unsupported database {parsed.drivername!r}: use sqlite:///FILE or postgresql://..."
    )


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL (None for in-memory or non-SQLite URLs)."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in {"", ":memory:"} or database.startswith("file:"):
        return None
    return Path(database)


SQLITE_FILE_MODE = 0o600  # the file holds API key digests and the audit trail
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def secure_sqlite_file(path: Path) -> None:
    """Create the database file readable and writable by its owner only, or tighten it.

    SQLite creates its WAL and shared-memory files with the database file's mode, so
    a fresh database is private from the first byte; an older one (and its side
    files) is brought down to 0600.
    """
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, SQLITE_FILE_MODE))
    for candidate in (path, *(path.with_name(path.name + s) for s in _SQLITE_SIDE_FILES)):
        if candidate.exists() and candidate.stat().st_mode & 0o777 != SQLITE_FILE_MODE:
            candidate.chmod(SQLITE_FILE_MODE)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _sqlite_writable(path: Path) -> bool:
    """Whether SQLite can write the database: the file and, in WAL mode, its ``-wal``
    and ``-shm`` files beside it (one of them unwritable opens the connection read-only)."""
    files = (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    return all(os.access(p, os.W_OK) for p in files if p.exists())


def _sqlite_before_connect(
    path: Path, _dialect: Any, record: Any, _cargs: Any, _cparams: Any
) -> None:
    # SQLite opens a database it cannot write read-only, and the connection stays so
    # after the files are writable again: noted before it opens (the files may change
    # while it does), replaced at checkout once they are writable (_sqlite_on_checkout).
    record.info["writable"] = _sqlite_writable(path)


def _sqlite_on_connect(busy_ms: int, dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook emit BEGIN itself (the sqlite3 module would
    # otherwise start transactions lazily and commit around DDL).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    finally:
        cursor.close()


def _sqlite_on_checkout(path: Path, _dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    if not record.info.get("writable", True) and _sqlite_writable(path):
        raise DisconnectionError("the SQLite file is writable again: a fresh connection")


def _sqlite_on_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def create_engine(url: str | URL, timeouts: StoreTimeouts = DEFAULT_TIMEOUTS) -> AsyncEngine:
    """An async engine for the URL; nothing is connected until first use."""
    target = normalize_url(url)
    common: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if target.get_backend_name() == "sqlite":
        engine = create_async_engine(target, **common)
        busy_ms = round(timeouts.sqlite_busy_s * 1000)
        path = sqlite_file(target)
        event.listen(engine.sync_engine, "connect", partial(_sqlite_on_connect, busy_ms))
        if path is not None:
            event.listen(engine.sync_engine, "do_connect", partial(_sqlite_before_connect, path))
            event.listen(engine.sync_engine, "checkout", partial(_sqlite_on_checkout, path))
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    connect_args: dict[str, Any] = {"timeout": timeouts.connect_s}
    if timeouts.command_s is not None:
        connect_args["command_timeout"] = timeouts.command_s
    return create_async_engine(
        target,
        pool_pre_ping=True,
        pool_timeout=timeouts.connect_s,
        connect_args=connect_args,
        **common,
    )


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One transaction that commits on success and rolls back on any error.

    On SQLite it takes the write lock at BEGIN, so concurrent writers queue on the
    busy timeout instead of failing half-way.
    """
    async with engine.connect() as conn:
        await conn.execution_options(**{WRITE_OPTION: True})
        try:
            async with conn.begin():
                yield conn
        except OperationalError:
            if engine.dialect.name == "sqlite":
                # A SQLite connection opened while the file was read-only stays read-only
                # after the file is writable again: a failed write gets a fresh one.
                await conn.invalidate()
            raise
