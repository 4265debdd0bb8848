"""Outage drill: PostgreSQL and Redis each cut off at the connection level, under load.

``federation serve`` reaches both services only through a TCP proxy this test runs.
While 200 events a second arrive on the bus, each proxy is killed (connections reset,
new ones refused) and paused (connections held, nothing forwarded) in turn for
``OUTAGE_SECONDS`` (environment, default 3; the full drill uses 15). Throughout:

* ``/health`` says ``degraded`` (with reasons) during each outage and ``ok`` again
  within 1 s of the dependency's return (a bounded poll; the figures are printed);
* ``/api/federation/status`` answers every poll with 200, from cached API keys while
  PostgreSQL is gone (``auth.source == "cached"``);
* afterwards every event is decided exactly once: the stored decisions equal a clean
  replay and the output stream holds every applied decision once, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from federation_ai.api.security import generate_key, hash_key
from federation_ai.bus import DECISION_STREAM, stream_key
from federation_ai.core import CoreConfig
from federation_ai.service.verify import verify
from federation_ai.store import Store

from .conftest import REDIS_URL
from .helpers import clean_replay, comparable, demo_events, seed_fields
from .tcp_proxy import TcpProxy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

OUTAGE_S = float(os.environ.get("OUTAGE_SECONDS", "3"))
RATE = 200  # events per second on the bus
RECOVERY_BOUND_S = 1.0  # /health must say ok this soon after the dependency returns
ACCOUNTS = ("alpha", "beta", "gamma", "delta")
DRILLS = (("postgres", "kill"), ("postgres", "pause"), ("redis", "kill"), ("redis", "pause"))


def make_events(total: int) -> list[dict[str, Any]]:
    """Several accounts of the demo feed, merged by time."""
    return demo_events(ACCOUNTS, total // len(ACCOUNTS) + 1, seed=300, digits=6, total=total)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reading:
    at: float
    health: str | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class Observer:
    """Polls /health and /status; records every answer and every failure to answer."""

    base: str
    key: str
    health: list[Reading] = field(default_factory=list)
    status_failures: list[str] = field(default_factory=list)
    status_answers: int = 0
    status_slowest_s: float = 0.0
    auth_sources: list[tuple[float, str]] = field(default_factory=list)

    async def poll_health(self, client: httpx.AsyncClient) -> Reading:
        reading = Reading(time.monotonic())
        try:
            body = (await client.get(f"{self.base}/health", timeout=2.0)).json()
            reading.health, reading.reasons = body["status"], body.get("reasons", [])
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            reading.reasons = [f"no answer: {type(exc).__name__}"]
        self.health.append(reading)
        return reading

    async def run_health(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient() as client:
            while not stop.is_set():
                await self.poll_health(client)
                await asyncio.sleep(0.05)

    async def run_status(self, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        async with httpx.AsyncClient(headers=headers) as client:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    response = await client.get(f"{self.base}/api/federation/status", timeout=3.0)
                    if response.status_code != 200:
                        self.status_failures.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    else:
                        self.status_answers += 1
                        self.auth_sources.append((started, response.json()["auth"]["source"]))
                except httpx.HTTPError as exc:
                    self.status_failures.append(f"no answer: {type(exc).__name__}")
                self.status_slowest_s = max(self.status_slowest_s, time.monotonic() - started)
                await asyncio.sleep(0.1)

    def window(self, start: float, end: float) -> list[Reading]:
        return [r for r in self.health if start <= r.at < end]


async def _produce(client: Redis, namespace: str, events: list[dict[str, Any]],
                   stop: asyncio.Event) -> int:
    """XADD at RATE per second (explicit increasing ids) until stopped; returns the count."""
    base = int(time.time() * 1000)
    sent, started = 0, time.monotonic()
    while not stop.is_set() and sent < len(events):
        due = min(len(events), int((time.monotonic() - started) * RATE))
        if due > sent:
            async with client.pipeline(transaction=False) as pipe:
                for n in range(sent, due):
                    env = events[n]
                    pipe.xadd(namespace + stream_key(env["event_type"]), seed_fields(env),
                              id=f"{base + n}-0")
                await pipe.execute()
            sent = due
        await asyncio.sleep(0.01)
    return sent


def _pg_database(pg_url: str) -> tuple[str, int]:
    url = make_url(pg_url)
    return url.host or "127.0.0.1", url.port or 5432


async def _add_key(pg_url: str) -> str:
    key = generate_key()
    async with await Store.open(pg_url) as store:
        await store.upgrade()
        await store.add_api_key("drill", "viewer", hash_key(key))
    return key


def _serve(namespace: str, db: str, bus: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FEDERATION_SERVICE__DATA_DIR": str(log.parent)}
    cmd = [sys.executable, "-m", "federation_ai.cli.main", "serve", "--bus", bus, "--db", db,
           "--namespace", namespace, "--port", str(port)]
    with log.open("w") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)


async def _until(predicate: Any, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(interval)


async def _stored(pg_url: str) -> tuple[int, dict[str, int]]:
    async with await Store.open(pg_url) as store:
        count = 0
        async for _ in store.iter_events():
            count += 1
        return count, await store.outbox_stats()


@dataclass
class DrillResult:
    name: str
    degraded_after_s: float | None
    ok_after_s: float | None
    reasons: list[str]
    last_reasons: list[str]  # the last reasons given after the return, before ok


async def _drill(name: str, proxy: TcpProxy, mode: str, observer: Observer,
                 client: httpx.AsyncClient) -> DrillResult:
    start = time.monotonic()
    if mode == "kill":
        await proxy.kill()
    else:
        proxy.pause()
    await asyncio.sleep(OUTAGE_S)
    end = time.monotonic()
    await proxy.restore()
    print(f"restored {name} at {datetime.now(UTC).isoformat()}")
    # the bounded poll: the first ok after the dependency is back
    ok_after: float | None = None
    last: list[str] = []
    while time.monotonic() - end < 10 * RECOVERY_BOUND_S:
        reading = await observer.poll_health(client)
        if reading.health == "ok":
            ok_after = reading.at - end
            break
        last = reading.reasons
        await asyncio.sleep(0.02)
    during = observer.window(start, end)
    degraded = [r for r in during if r.health == "degraded"]
    first = degraded[0].at - start if degraded else None
    reasons = sorted({re.sub(r" for [0-9.]+ s$", "", reason) for r in degraded for reason in r.reasons})
    # once degraded, it stays degraded until the dependency returns
    if degraded:
        after_first = [r for r in during if r.at >= degraded[0].at]
        flips = [r for r in after_first if r.health != "degraded"]
        assert not flips, f"{name}: health said {flips[0].health} during the outage"
    return DrillResult(name, first, ok_after, reasons, last)


@dataclass
class Rig:
    """The service under test, the proxies in front of its dependencies, the pollers."""

    proc: subprocess.Popen[bytes]
    log: Path
    observer: Observer
    proxies: dict[str, TcpProxy]

    def alive(self) -> None:
        assert self.proc.poll() is None, self.log.read_text()[-3000:]


@contextlib.asynccontextmanager
async def _rig(tmp_path: Path, pg_url: str, namespace: str) -> AsyncIterator[Rig]:
    key = await _add_key(pg_url)
    pg_proxy = TcpProxy(*_pg_database(pg_url))
    redis_url = make_url(REDIS_URL.replace("redis://", "postgresql://"))  # host/port parsing
    redis_proxy = TcpProxy(redis_url.host or "127.0.0.1", redis_url.port or 6379)
    db = make_url(pg_url).set(host="127.0.0.1", port=await pg_proxy.start()).render_as_string(
        hide_password=False)
    bus = f"redis://127.0.0.1:{await redis_proxy.start()}/{redis_url.database or 0}"
    port = _free_port()
    log = tmp_path / "serve.log"
    proc = _serve(namespace, db, bus, port, log)
    try:
        yield Rig(proc, log, Observer(f"http://127.0.0.1:{port}", key),
                  {"postgres": pg_proxy, "redis": redis_proxy})
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        if proc.poll() is None:
            proc.kill()
        await pg_proxy.close()
        await redis_proxy.close()


async def _run_drills(rig: Rig, namespace: str, events: list[dict[str, Any]]) -> tuple[int, list[DrillResult]]:
    """Load, the drills one after another, then the load stops; returns (events sent, results)."""
    observer = rig.observer
    stop_polls, stop_producer = asyncio.Event(), asyncio.Event()
    results: list[DrillResult] = []
    async with httpx.AsyncClient() as client, Redis.from_url(
            REDIS_URL, decode_responses=True) as producer_client:
        async def started() -> bool:
            rig.alive()
            return (await observer.poll_health(client)).health == "ok"

        await _until(started, 30, "serve did not start")
        producer = asyncio.create_task(_produce(producer_client, namespace, events, stop_producer))
        polls = [asyncio.create_task(observer.run_health(stop_polls)),
                 asyncio.create_task(observer.run_status(stop_polls))]
        try:
            await asyncio.sleep(2)  # load running, keys cached
            for dependency, mode in DRILLS:
                results.append(await _drill(f"{dependency} {mode}", rig.proxies[dependency],
                                            mode, observer, client))
                await asyncio.sleep(2)
        finally:
            stop_producer.set()
            stop_polls.set()
            sent = await producer
            await asyncio.gather(*polls)
    return sent, results


def _s(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.3f} s"


def _report(results: list[DrillResult], observer: Observer, sent: int) -> None:
    for r in results:
        print(f"drill {r.name} ({OUTAGE_S:g} s): degraded after {_s(r.degraded_after_s)}, "
              f"ok {_s(r.ok_after_s)} after the return (until then: {r.last_reasons}); "
              f"reasons {r.reasons}")
    print(f"status: {observer.status_answers} answers, slowest {observer.status_slowest_s:.3f} s, "
          f"{len(observer.status_failures)} failures; {sent} events")


async def _assert_exactly_once(pg_url: str, redis: Redis, namespace: str,
                               events: list[dict[str, Any]]) -> None:
    expected = clean_replay(events)
    applied = [d["decision_id"] for d in expected if d["status"] == "applied"]
    async with await Store.open(pg_url) as store:
        decisions = [d async for d in store.iter_decisions()]
        report = await verify(store, CoreConfig())
    ids = [d["decision_id"] for d in decisions]
    assert len(ids) == len(set(ids)), "a decision was stored twice"
    assert comparable(decisions) == comparable(expected)
    assert report.ok, [d.describe() for d in report.differences[:10]]
    out = await redis.xrange(namespace + DECISION_STREAM)
    published = [json.loads(f["payload"])["decision_id"] for _, f in out]
    assert len(published) == len(set(published)), "a decision was published twice"
    assert published == applied


async def test_outages_keep_health_honest_and_lose_nothing(tmp_path, pg_databases, namespace, redis):
    pg_url = pg_databases.create()
    total_s = 4 + len(DRILLS) * (OUTAGE_S + 3)
    events = make_events(int(RATE * total_s) + RATE)
    async with _rig(tmp_path, pg_url, namespace) as rig:
        sent, results = await _run_drills(rig, namespace, events)

        async def all_stored() -> bool:
            rig.alive()
            count, outbox = await _stored(pg_url)
            return count == sent and not outbox

        await _until(all_stored, 60, "not every event was processed", interval=0.3)
    observer = rig.observer
    _report(results, observer, sent)
    assert not observer.status_failures, observer.status_failures[:5]
    for r in results:
        assert r.degraded_after_s is not None, f"{r.name}: /health never said degraded"
        assert r.reasons, f"{r.name}: degraded without a reason"
        assert r.ok_after_s is not None, f"{r.name}: /health did not say ok again"
        assert r.ok_after_s <= RECOVERY_BOUND_S, f"{r.name}: ok only {r.ok_after_s:.2f} s after"
    assert "cached" in {source for _, source in observer.auth_sources}
    await _assert_exactly_once(pg_url, redis, namespace, events[:sent])
