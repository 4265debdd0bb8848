"""Crash test: a backlog written as fast as a producer can, drained through ten SIGKILLs.

The producer writes six accounts' events in time order over the four input streams,
back to back (entries of different streams share milliseconds). ``federation serve``
(Redis bus + PostgreSQL) is killed ten times while it drains, each time after it has
committed something. No event may be rejected as out of order or dead-lettered, and
the decisions must equal a clean replay of the log: none missing, none extra, none
published twice. The figures are printed (``-s``).
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
from typing import TYPE_CHECKING

import pytest
from redis import Redis as SyncRedis
from sqlalchemy import func, select

from federation_ai.bus import DECISION_STREAM, INPUT_EVENT_TYPES, dlq_key, stream_key
from federation_ai.core import CoreConfig
from federation_ai.service.verify import verify
from federation_ai.store import Store, schema

from .conftest import REDIS_URL
from .helpers import clean_replay, comparable, demo_events, seed_fields
from .test_service_crash import _serve, _wait_started, migrated_database

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


BACKLOG_ACCOUNTS = tuple(f"acct-{n}" for n in range(6))
BACKLOG = 60_000
BACKLOG_KILLS = 10


def make_backlog() -> list[dict]:
    """The demo feed of six accounts over all four input streams, merged by time."""
    return demo_events(BACKLOG_ACCOUNTS, BACKLOG // len(BACKLOG_ACCOUNTS), seed=300)


def _logged(pg_url: str, outbox: bool = False) -> dict[str, int]:
    """Stored events per outcome (or, ``outbox``, outbox rows not done per kind)."""
    async def count() -> dict[str, int]:
        store = await Store.open(pg_url)
        try:
            if outbox:
                return await store.outbox_stats()
            async with store.engine.connect() as conn:
                t = schema.events
                rows = await conn.execute(select(t.c.outcome, func.count()).group_by(t.c.outcome))
                return {outcome: int(n) for outcome, n in rows.all()}
        finally:
            await store.close()

    return asyncio.run(count())


def _by_account(decisions: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for d in comparable(decisions):
        out.setdefault(d["account_id"], []).append(d)
    return out


def _dead_letters(client: SyncRedis, namespace: str) -> int:
    return sum(client.xlen(namespace + dlq_key(et)) for et in INPUT_EVENT_TYPES)


def _kill_while_draining(namespace: str, pg_url: str, tmp_path: Path) -> list[int]:
    """Start and SIGKILL the service BACKLOG_KILLS times, each time after it has
    committed something; the events logged at each kill."""
    rng = random.Random(20240602)
    at_kill = [0]
    for run in range(BACKLOG_KILLS):
        proc, log = _serve(namespace, pg_url, tmp_path, run, batch=500)
        _wait_started(proc, log)
        deadline = time.monotonic() + 60
        while sum(_logged(pg_url).values()) <= at_kill[-1]:  # killed mid-drain, not idle
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "no batch committed"
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        at_kill.append(sum(_logged(pg_url).values()))
    return at_kill[1:]


def _drain(namespace: str, pg_url: str, tmp_path: Path, client: SyncRedis, total: int) -> None:
    """Run the service until every event is logged or dead-lettered and published."""
    proc, log = _serve(namespace, pg_url, tmp_path, BACKLOG_KILLS, batch=500)
    try:
        _wait_started(proc, log)
        deadline = time.monotonic() + 240
        while sum(_logged(pg_url).values()) + _dead_letters(client, namespace) < total:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"stuck at {_logged(pg_url)}"
            time.sleep(0.5)
        while _logged(pg_url, outbox=True):  # what the last batches committed goes out
            assert time.monotonic() < deadline, "not every decision was published"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_sigkills_while_a_tight_loop_backlog_drains_reject_no_event(tmp_path, pg_databases, namespace):
    pg_url = migrated_database(pg_databases)
    events = make_backlog()
    client = SyncRedis.from_url(REDIS_URL, decode_responses=True)
    for start in range(0, len(events), 1000):  # back to back, entry ids by Redis ("*")
        pipe = client.pipeline(transaction=False)
        for env in events[start : start + 1000]:
            pipe.xadd(namespace + stream_key(env["event_type"]), seed_fields(env))
        pipe.execute()
    at_kill = _kill_while_draining(namespace, pg_url, tmp_path)
    _drain(namespace, pg_url, tmp_path, client, len(events))

    async def stored_state():
        store = await Store.open(pg_url)
        try:
            return [d async for d in store.iter_decisions()], await verify(store, CoreConfig())
        finally:
            await store.close()

    decisions, report = asyncio.run(stored_state())
    expected = clean_replay(events)
    stored_ids = {d["decision_id"] for d in decisions}
    expected_ids = {d["decision_id"] for d in expected}
    figures = {
        "events": len(events), "kills": len(at_kill), "logged_at_each_kill": at_kill,
        "logged": _logged(pg_url), "dead_letters": _dead_letters(client, namespace),
        "missing_decisions": len(expected_ids - stored_ids),
        "extra_decisions": len(stored_ids - expected_ids),
    }
    print(f"\nbacklog crash test: {figures}")
    assert (report.out_of_order, figures["dead_letters"]) == (0, 0), figures
    assert (figures["missing_decisions"], figures["extra_decisions"]) == (0, 0), figures
    assert len(decisions) == len(stored_ids)
    assert _by_account(decisions) == _by_account(expected)
    assert report.ok, [d.describe() for d in report.differences[:10]]
    published = [json.loads(f["payload"]) for _, f in client.xrange(namespace + DECISION_STREAM)]
    assert len(published) == len({d["decision_id"] for d in published}), "published twice"
    applied = [d for d in expected if d["status"] == "applied"]
    assert {a: [d["decision_id"] for d in ds] for a, ds in _by_account(published).items()} == {
        a: [d["decision_id"] for d in ds] for a, ds in _by_account(applied).items()
    }
    client.close()
