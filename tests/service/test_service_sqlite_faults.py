"""A SQLite file that becomes read-only or full: one clear line naming it, /health
degraded, nothing lost, and back to ok once it can be written again. A read-only file
at start-up stops the service with one line."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event
from structlog.testing import capture_logs

from federation_ai.bus import InMemoryBroker, InMemoryBus, stream_key
from federation_ai.service import StoreUnwritable, build_service

from .conftest import load_events, settings_for
from .helpers import clean_replay, comparable, eventually, seed_fields

if TYPE_CHECKING:
    from pathlib import Path


def _bus() -> InMemoryBus:
    """Entries one millisecond apart: the order across streams is the order sent."""
    ms = itertools.count(1_700_000_000_000)
    return InMemoryBus("svc", broker=InMemoryBroker(wall_clock=lambda: next(ms) / 1000))


def set_read_only(paths: list[Path], read_only: bool) -> None:
    """Unwritable even for root (the immutable flag), else by its mode."""
    existing = [p for p in paths if p.exists()]
    if os.geteuid() == 0 and shutil.which("chattr"):
        subprocess.run(["chattr", "+i" if read_only else "-i", *map(str, existing)], check=True)
    else:
        for p in existing:
            p.chmod(0o444 if read_only else 0o644)


async def _consumed(bus: InMemoryBus) -> bool:
    return await bus.lag() == 0 and await bus.pending_count() == 0


async def _until_consumed(bus: InMemoryBus, what: str) -> None:
    await eventually(lambda: _consumed(bus), what)


async def _publish(bus: InMemoryBus, events: list[dict[str, Any]]) -> None:
    for envelope in events:
        await bus.publish_event(envelope["event_type"], seed_fields(envelope))


async def _stored(svc) -> list[dict[str, Any]]:
    return [d async for d in svc.store.iter_decisions()]


async def _started_on_a_file(tmp_path: Path) -> tuple[Any, InMemoryBus, list[Path]]:
    """A started service on a SQLite file in ``tmp_path``; the files that hold its data."""
    bus = _bus()
    svc = await build_service(settings_for(tmp_path), bus=bus)
    db = tmp_path / "federation.db"
    await svc.start()
    return svc, bus, [db, db.with_name(db.name + "-wal")]


def _failing_lines(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in logs if e["event"] == "dependency_failing" and e["dependency"] == "store"]


async def test_a_file_that_turns_read_only_degrades_health_with_one_line(tmp_path):
    events = load_events()
    half = len(events) // 2
    svc, bus, files = await _started_on_a_file(tmp_path)
    try:
        with capture_logs() as logs:
            await _publish(bus, events[:half])
            await _until_consumed(bus, "first half")
            assert svc.health_summary()["status"] == "ok"
            set_read_only(files, True)
            await svc.store.engine.dispose()  # as after a remount: connections open anew
            await _publish(bus, events[half:])
            await eventually(lambda: svc.health_summary()["status"] == "degraded", "degraded")
            reasons = svc.health_summary()["reasons"]
            assert any(r.startswith("store: commit failing (") for r in reasons), reasons
            store_error = svc.status()["store"]["last_error"]
            assert store_error["at"]
            assert "readonly" in store_error["error"] or "I/O" in store_error["error"]
            assert not await _consumed(bus)  # nothing taken off the bus meanwhile
            await asyncio.sleep(1.0)  # retries go on: still one line
            lines = _failing_lines(logs)
            assert len(lines) == 1, [(e["event"], e["operation"], e.get("error")) for e in logs if "dependency" in e]
            assert lines[0]["location"] == str(files[0])
            assert lines[0]["operation"] == "commit"
            set_read_only(files, False)
            await eventually(lambda: svc.health_summary()["status"] == "ok", "ok again")
            await _until_consumed(bus, "all decided")
        assert svc.status()["store"]["last_error"] is None
        await svc.relay.drain()
        assert comparable(await _stored(svc)) == comparable(clean_replay(events))
    finally:
        set_read_only(files, False)
        await svc.stop()


async def test_a_full_database_degrades_health_and_loses_nothing(tmp_path):
    events = load_events()
    half = len(events) // 2
    bus = _bus()
    svc = await build_service(settings_for(tmp_path), bus=bus)
    limit = {"pages": 0}  # 0: no limit; else PRAGMA max_page_count: SQLite's "full"

    def cap(dbapi_connection: Any, _record: Any) -> None:
        if limit["pages"]:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA max_page_count = {limit['pages']}")
            cursor.close()

    event.listen(svc.store.engine.sync_engine, "connect", cap)
    await svc.start()
    try:
        with capture_logs() as logs:
            await _publish(bus, events[:half])
            await _until_consumed(bus, "first half")
            async with svc.store.engine.connect() as conn:
                limit["pages"] = int((await conn.exec_driver_sql("PRAGMA page_count")).scalar())
            await svc.store.engine.dispose()
            await _publish(bus, events[half:])
            await eventually(lambda: svc.health_summary()["status"] == "degraded", "degraded")
            assert "store: commit failing (full)" in " ".join(svc.health_summary()["reasons"])
            assert "full" in svc.status()["store"]["last_error"]["error"]
            assert len(_failing_lines(logs)) == 1
            limit["pages"] = 1_000_000
            await _until_consumed(bus, "all decided")
            await eventually(lambda: svc.health_summary()["status"] == "ok", "ok again")
        await svc.relay.drain()
        assert comparable(await _stored(svc)) == comparable(clean_replay(events))
    finally:
        await svc.stop()


async def _make_database(tmp_path: Path) -> Path:
    svc = await build_service(settings_for(tmp_path))
    await svc.start()
    await svc.stop()
    db = tmp_path / "federation.db"
    assert db.exists()
    return db


async def test_start_up_on_a_read_only_file_stops_with_the_path(tmp_path):
    db = await _make_database(tmp_path)
    set_read_only([db], True)
    try:
        with pytest.raises(StoreUnwritable, match=f"SQLite database {db} cannot be written"):
            await build_service(settings_for(tmp_path))
    finally:
        set_read_only([db], False)


@pytest.mark.slow
async def test_serve_on_a_read_only_file_prints_one_line_and_exits_non_zero(tmp_path):
    db = await _make_database(tmp_path)
    set_read_only([db], True)
    try:
        env = {**os.environ, "FEDERATION_SERVICE__DATA_DIR": str(tmp_path)}
        done = subprocess.run(
            [sys.executable, "-m", "federation_ai.cli.main", "serve", "--headless"],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )
    finally:
        set_read_only([db], False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if not line.startswith("{")]
    expected = (f"error: the SQLite database {db} cannot be written: "
                "OperationalError: attempt to write a readonly database")
    assert errors == [expected]


async def test_the_bus_stream_keeps_what_the_store_could_not_take(tmp_path):
    """While the file is read-only the events wait on the bus, unacknowledged."""
    svc, bus, files = await _started_on_a_file(tmp_path)
    try:
        set_read_only(files, True)
        await svc.store.engine.dispose()
        events = load_events()[:3]
        await _publish(bus, events)
        await eventually(lambda: svc.health_summary()["status"] == "degraded", "degraded")
        assert await bus.pending_count() == len(events)
        assert len(bus.broker.entries(stream_key(events[0]["event_type"]))) >= 1
    finally:
        set_read_only(files, False)
        await svc.stop()
