"""Crash test: ``federation serve`` (Redis bus + PostgreSQL) killed with SIGKILL and restarted.

Every event must be decided exactly once: no missing and no duplicate decision in
PostgreSQL or on the output stream, and the stored decisions equal a clean replay.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest
from redis import Redis as SyncRedis

from federation_ai.bus import DECISION_STREAM, stream_key
from federation_ai.core import CoreConfig
from federation_ai.service.verify import verify
from federation_ai.store import Store

from .conftest import REDIS_URL
from .helpers import clean_replay, comparable, demo_events, seed_fields

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

ACCOUNTS = ("alpha", "beta", "gamma", "delta")
TOTAL = 3000
KILLS = 4


def make_events() -> list[dict]:
    return demo_events(ACCOUNTS, TOTAL // len(ACCOUNTS), seed=100)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Producer(threading.Thread):
    """XADDs the events at a steady pace with explicit, globally increasing entry ids."""

    def __init__(self, client: SyncRedis, namespace: str, events: list[dict]) -> None:
        super().__init__(daemon=True)
        self.client, self.ns, self.events = client, namespace, events

    def run(self) -> None:
        base = int(time.time() * 1000)
        for start in range(0, len(self.events), 30):
            pipe = self.client.pipeline(transaction=False)
            for n, env in enumerate(self.events[start : start + 30], start=start):
                pipe.xadd(self.ns + stream_key(env["event_type"]), seed_fields(env), id=f"{base + n}-0")
            pipe.execute()
            time.sleep(0.1)


def _serve(
    namespace: str, pg_url: str, tmp_path: Path, run: int, batch: int = 100
) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"serve-{run}.log"
    env = {**os.environ, "FEDERATION_SERVICE__BATCH_SIZE": str(batch),
           "FEDERATION_SERVICE__DATA_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "federation_ai.cli.main", "serve", "--bus", REDIS_URL, "--db", pg_url,
           "--namespace", namespace, "--port", str(_free_port())]
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    return proc, log


def _wait_started(proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while "service_started" not in log.read_text():
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "serve did not start"
        time.sleep(0.05)


def _stored_events(pg_url: str) -> int:
    async def count() -> int:
        store = await Store.open(pg_url)
        try:
            stats = await store.outbox_stats()
            n = 0
            async for _ in store.iter_events():
                n += 1
            return n if not stats else -1
        finally:
            await store.close()

    return asyncio.run(count())


def migrated_database(pg_databases) -> str:
    """A new PostgreSQL database, migrated as an operator does (`federation db upgrade`)."""
    pg_url = pg_databases.create()
    subprocess.run([sys.executable, "-m", "federation_ai.cli.main", "db", "upgrade", "--db", pg_url],
                   check=True, capture_output=True)
    return pg_url


def test_sigkill_and_restart_decides_every_event_exactly_once(tmp_path, pg_databases, namespace):
    pg_url = migrated_database(pg_databases)
    events = make_events()
    client = SyncRedis.from_url(REDIS_URL, decode_responses=True)
    rng = random.Random(20240601)
    producer = Producer(client, namespace, events)
    producer.start()
    kills = 0
    for run in range(KILLS):
        proc, log = _serve(namespace, pg_url, tmp_path, run)
        _wait_started(proc, log)
        time.sleep(rng.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    producer.join()
    proc, log = _serve(namespace, pg_url, tmp_path, KILLS)
    try:
        _wait_started(proc, log)
        deadline = time.monotonic() + 60
        while _stored_events(pg_url) != len(events):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "not every event was processed"
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert kills == KILLS

    expected = clean_replay(events)
    applied = [d["decision_id"] for d in expected if d["status"] == "applied"]

    async def stored_state():
        store = await Store.open(pg_url)
        try:
            decisions = [d async for d in store.iter_decisions()]
            report = await verify(store, CoreConfig())
            return decisions, report
        finally:
            await store.close()

    decisions, report = asyncio.run(stored_state())
    ids = [d["decision_id"] for d in decisions]
    assert len(ids) == len(set(ids))
    assert comparable(decisions) == comparable(expected)
    assert report.ok, [d.describe() for d in report.differences[:10]]

    published = [json.loads(f["payload"])["decision_id"] for _, f in client.xrange(namespace + DECISION_STREAM)]
    assert len(published) == len(set(published)), "a decision was published twice"
    assert published == applied
    client.close()
