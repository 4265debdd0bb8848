# ruff: noqa: S603, S607  (runs local tools: redis-benchmark, psql, pgbench, federation)
"""Live-path benchmark: Redis in -> decided -> PostgreSQL -> Redis out. Prints figures only.

1. Throughput: pre-load N events (default 50,000; the demo feed over 20 accounts) on
   the input streams, start `federation serve --headless`, and time the drain until
   the last decision is on the output stream.
2. Latency: on the same database (the 20 accounts keep the history the load gave
   them, several KiB of state each; VACUUM ANALYZE first, so autovacuum does not
   start on the loaded tables mid-measurement), a steady 500 events/s of operator mode
   toggles (each makes exactly one applied decision); ingest-to-published latency =
   XADD time -> seen by XREAD BLOCK. XADDs are encoded before the clock starts.
   The first WARMUP_SECONDS of the stream warm the service up (first statements
   prepared, first account states built) and are not counted. The sender sleeps
   between events rather than spinning, so the load generator does not take a core
   away from the service on a small machine.
3. Raw ceilings: `redis-benchmark` XADD and `pgbench` single-row INSERT, and ratios.

Needs REDIS_URL and DATABASE_URL (defaults as in the tests). Creates and drops its
own database and Redis key namespace.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
from redis import Redis
from sqlalchemy.engine import make_url

from federation_ai.bus import DECISION_STREAM, stream_key
from federation_ai.core import CoreConfig, FederationState, parse_event, step
from federation_ai.core.micros import format_timestamp
from federation_ai.service.demo import DemoFeed
from federation_ai.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
N_EVENTS = int(os.environ.get("BENCH_EVENTS", "50000"))
ACCOUNTS = 20
RATE = int(os.environ.get("BENCH_RATE", "500"))
LATENCY_SECONDS = 10
WARMUP_SECONDS = 2
BATCH = os.environ.get("BENCH_BATCH", "1000")
START_US = 1_717_200_000_000_000
PROBE_SPACING_US = 1_000_000  # one second of event time between two latency probes


def seed_fields(env: dict) -> dict[str, str]:
    payload = {**env["payload"], "event_id": env["event_id"], "account_id": env["account_id"]}
    return {"event_type": env["event_type"], "payload": json.dumps(payload),
            "trace_id": env["event_id"], "correlation_id": env["event_id"],
            "timestamp": env["timestamp"], "source": "bench"}


def demo_events(n: int) -> list[dict]:
    items = []
    per = n // ACCOUNTS
    for a in range(ACCOUNTS):
        feed, count = DemoFeed(START_US, seed=a, account_id=f"acct-{a:02d}"), 0
        while count < per:
            for et, payload, ts in feed.next_tick():
                items.append((ts, a, count, et, payload))
                count += 1
    items.sort()
    return [{"event_type": et, "event_id": f"e{a:02d}-{i:06d}", "account_id": f"acct-{a:02d}",
             "timestamp": format_timestamp(ts), "payload": p} for ts, a, i, et, p in items]


def applied_count(events: list[dict]) -> int:
    state, cfg, n = FederationState(), CoreConfig(), 0
    for env in events:
        n += sum(d.status == "applied" for d in step(state, parse_event(env), cfg).decisions)
    return n


async def _admin(sql: str) -> None:
    dsn = make_url(DATABASE_URL).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def new_database() -> tuple[str, str]:
    name = f"fed_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)

    async def upgrade() -> None:
        store = await Store.open(url)
        await store.upgrade()
        await store.close()

    asyncio.run(upgrade())
    return name, url


def serve(url: str, ns: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "FEDERATION_SERVICE__BATCH_SIZE": BATCH,
           "FEDERATION_SERVICE__LOG_LEVEL": "WARNING"}
    cmd = [sys.executable, "-m", "federation_ai.cli.main", "serve", "--headless", "--bus",
           REDIS_URL, "--db", url, "--namespace", ns]
    with log.open("w") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)


def throughput(r: Redis, url: str, tmp: Path) -> float:
    ns = f"bench-{uuid.uuid4().hex[:8]}:"
    events = demo_events(N_EVENTS)
    expected = applied_count(events)
    base = int(time.time() * 1000)
    for start in range(0, len(events), 5000):
        pipe = r.pipeline(transaction=False)
        for n, env in enumerate(events[start:start + 5000], start=start):
            pipe.xadd(ns + stream_key(env["event_type"]), seed_fields(env), id=f"{base + n}-0")
        pipe.execute()
    print(f"throughput: {len(events):,} events pre-loaded, {expected:,} applied decisions expected")
    proc = serve(url, ns, tmp / "throughput.log")
    try:
        wait_for(lambda: r.exists(ns + DECISION_STREAM) or proc.poll() is not None, 60, "start")
        started = time.perf_counter()
        wait_for(lambda: r.xlen(ns + DECISION_STREAM) >= expected, 600, "drain")
        elapsed = time.perf_counter() - started
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        cleanup(r, ns)
    rate = len(events) / elapsed
    print(f"  drained in {elapsed:.2f} s (from the first decision published): {rate:,.0f} events/s"
          f"  [target >= 5,000]")
    return rate


def latency(r: Redis, url: str, tmp: Path) -> None:
    ns = f"bench-{uuid.uuid4().hex[:8]}:"
    proc = serve(url, ns, tmp / "latency.log")
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    warmup = RATE * WARMUP_SECONDS
    total = warmup + RATE * LATENCY_SECONDS
    done = threading.Event()

    def reader() -> None:
        rr, last = Redis.from_url(REDIS_URL, decode_responses=True), "$"
        while not done.is_set():
            for _, entries in rr.xread({ns + DECISION_STREAM: last}, block=200, count=1000) or []:
                now = time.perf_counter()
                for entry_id, fields in entries:
                    last = entry_id
                    seen.setdefault(fields["correlation_id"], now)
        rr.close()

    # The load generator stays light: every XADD is encoded up front and written as is
    # (its reply is read at the end), so generating the load costs little CPU.
    sender = Redis.from_url(REDIS_URL).connection_pool.get_connection()
    base = int(time.time() * 1000)
    # The probes are stamped in the recent past, one second apart, so the last one is
    # still behind the wall clock: live ingest refuses events far ahead of it
    # (ingest.max_future_skew_s). The drained history ends years before that.
    later_us = base * 1000 - (total + 60) * PROBE_SPACING_US
    ids, packed = [], []
    for n in range(total):
        mode = "SHADOW" if (n // ACCOUNTS) % 2 == 0 else "LIVE"
        env = {"event_type": "operator.command", "event_id": f"op-{n:06d}",
               "account_id": f"acct-{n % ACCOUNTS:02d}",
               "timestamp": format_timestamp(later_us + n * PROBE_SPACING_US),
               "payload": {"command": "set_mode", "mode": mode, "key_name": "bench",
                           "scopes": ["operator"], "reason": "latency probe"}}
        fields = [x for kv in seed_fields(env).items() for x in kv]
        command = sender.pack_command("XADD", ns + stream_key("operator.command"),
                                      f"{base + n}-0", *fields)
        ids.append(env["event_id"])
        packed.append(b"".join(command))
    try:
        time.sleep(3)  # let the service start and create its groups
        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        time.sleep(0.3)
        t0 = time.perf_counter()
        for n in range(total):
            due = t0 + n / RATE
            if (now := time.perf_counter()) < due:
                time.sleep(due - now)
            sent[ids[n]] = time.perf_counter()
            sender.send_packed_command([packed[n]], check_health=False)
        for _ in range(total):
            sender.read_response()  # an entry id each; an error raises here
        wait_for(lambda: len(seen) >= total, 60, "latency decisions")
        done.set()
        thread.join()
    finally:
        sender.disconnect()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        cleanup(r, ns)
    counted = list(sent)[warmup:]
    lat = sorted((seen[k] - sent[k]) * 1000 for k in counted if k in seen)
    p50 = statistics.median(lat)
    p99 = lat[int(len(lat) * 0.99) - 1]
    print(f"latency at {RATE} events/s for {LATENCY_SECONDS} s after {WARMUP_SECONDS} s of warm-up "
          f"({len(lat):,} decisions): "
          f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {lat[-1]:.2f} ms  [target p99 <= 10 ms]")


def settle(url: str) -> None:
    """Vacuum and analyze after the bulk load, before the steady-rate phase.

    Autovacuum would otherwise start on the freshly loaded tables during the latency
    measurement. The 20 accounts keep the history the load gave them.
    """
    async def run() -> None:
        conn = await asyncpg.connect(make_url(url).set(drivername="postgresql")
                                     .render_as_string(hide_password=False))
        try:
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()

    asyncio.run(run())


def cleanup(r: Redis, ns: str) -> None:
    keys = list(r.scan_iter(match=f"{ns}*", count=5000))
    for start in range(0, len(keys), 1000):
        r.delete(*keys[start:start + 1000])


def ceilings(url: str, tmp: Path, rate: float) -> None:
    host = make_url(REDIS_URL)
    out = subprocess.run(
        ["redis-benchmark", "-h", host.host or "127.0.0.1", "-p", str(host.port or 6379), "-q",
         "-n", "100000", "XADD", "bench:s", "*", "f", "v"],
        capture_output=True, text=True, check=False).stdout
    found = re.findall(r"([\d.]+) requests per second", out.replace(",", ""))
    xadd = float(found[-1]) if found else float("nan")
    Redis.from_url(REDIS_URL).delete("bench:s")
    pg = make_url(url)
    script = tmp / "insert.sql"
    script.write_text("INSERT INTO bench_rows (v) VALUES ('x');\n")
    psql = ["psql", "-q", "-h", pg.host or "127.0.0.1", "-U", pg.username or "postgres",
            "-d", pg.database or ""]
    subprocess.run([*psql, "-c", "CREATE TABLE bench_rows (id bigserial, v text)"],
                   check=True, capture_output=True)
    out = subprocess.run(["pgbench", "-n", "-f", str(script), "-T", "10", "-c", "1", "-h",
                          pg.host or "127.0.0.1", "-U", pg.username or "postgres",
                          pg.database or ""], capture_output=True, text=True, check=False).stdout
    m = re.search(r"tps = ([\d.]+)", out)
    tps = float(m.group(1)) if m else float("nan")
    print(f"raw ceilings: redis-benchmark XADD {xadd:,.0f} req/s; pgbench single-row INSERT "
          f"{tps:,.0f} tps (one client, one transaction per row)")
    print(f"ratios: pipeline / XADD = {rate / xadd:.3f}; pipeline / single-row INSERT tps = "
          f"{rate / tps:.1f}x (batching many events per transaction)")


def main() -> None:
    r = Redis.from_url(REDIS_URL, decode_responses=True)
    name, url = new_database()
    tmp = Path(tempfile.mkdtemp(prefix="fed-bench-"))
    print(f"machine: {os.cpu_count()} cores; batch size {BATCH}")
    try:
        rate = throughput(r, url, tmp)
        settle(url)
        latency(r, url, tmp)
        ceilings(url, tmp, rate)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        r.close()


if __name__ == "__main__":
    main()
