"""Soak benchmark: resident memory of the service on its embedded defaults, round by round.

    python bench/bench_soak.py [--rounds 5] [--events 200000] [--accounts 20] [--bus URL]

Builds the service exactly as ``federation serve`` does with no options (in-process
bus, SQLite in a temporary directory, in-memory adapters), in this process, and
publishes the demo feed of ``--accounts`` accounts onto its bus in rounds of
``--events`` events, at most ``WINDOW`` events ahead of the consumer. After each round
it waits until every event is decided and acknowledged and the service is idle,
collects garbage and prints the process's resident memory (VmRSS). On a service
that keeps only bounded state the figure levels off after the first rounds. Prints
figures; asserts nothing.

``--bus redis://…`` puts the bus in Redis (a throw-away key namespace, deleted at the
end) and leaves the rest embedded, so the figure is the service's own memory without
the in-process streams. The in-process decision stream is capped at
``service.output_maxlen`` (100,000) decisions and grows until it reaches that; other
settings come from the environment as usual (``FEDERATION_SERVICE__OUTPUT_MAXLEN=…``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redis import Redis

from federation_ai.cli.serve_cmd import event_loop_factory, settle_heap
from federation_ai.service import build_service
from federation_ai.service.demo import DemoFeed
from federation_ai.service.logs import configure_logging
from federation_ai.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from federation_ai.service import FederationService

START_US = 1_717_200_000_000_000
WINDOW = 5_000  # events published ahead of the consumer at most
IDLE_S = 1.0  # quiet time after a round before memory is read
DRAIN_BOUND_S = 600.0


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


class Feeder:
    """The demo feed of several accounts, one event of each account in turn."""

    def __init__(self, accounts: int) -> None:
        self.feeds = [
            DemoFeed(START_US, seed=a, account_id=f"acct-{a:02d}") for a in range(accounts)
        ]
        self.queues: list[list[Any]] = [[] for _ in self.feeds]
        self.count = 0

    def layer(self) -> list[tuple[str, dict[str, str]]]:
        """The next event of every account (each account's events stay in time order)."""
        out = []
        for feed, queue in zip(self.feeds, self.queues, strict=True):
            if not queue:
                queue.extend(reversed(feed.next_tick()))
            item = queue.pop()
            out.append((item[0], feed.fields(item, "soak", self.count)))
            self.count += 1
        return out


def outcomes(service: FederationService) -> dict[str, int]:
    counts: dict[str, int] = {}
    for metric in service.metrics.events.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                key = sample.labels["outcome"]
                counts[key] = counts.get(key, 0) + int(sample.value)
    for metric in service.metrics.dlq.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                counts["dead_letter"] = counts.get("dead_letter", 0) + int(sample.value)
    return counts


async def backlog(service: FederationService) -> int:
    return await service.bus.lag() + await service.bus.pending_count()


async def wait_for(predicate: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + DRAIN_BOUND_S
    while not await predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench_soak: {what} not reached within {DRAIN_BOUND_S:.0f} s")
        await asyncio.sleep(0.01)


def decided(service: FederationService) -> int:
    """Events the pipeline has stepped (processed, duplicate or out of order)."""
    return sum(n for outcome, n in outcomes(service).items() if outcome != "dead_letter")


async def publish_round(service: FederationService, feeder: Feeder, n: int) -> None:
    bus, target, base = service.bus, feeder.count + n, feeder.count - decided(service)
    while feeder.count < target:
        for event_type, fields in feeder.layer():
            await bus.publish_event(event_type, fields)
        # Entries of different streams in one millisecond tie on the entry id; one
        # millisecond between an account's events keeps its order on the bus.
        await asyncio.sleep(0.001)
        if feeder.count - base - decided(service) > WINDOW:

            async def caught_up() -> bool:
                return feeder.count - base - decided(service) <= WINDOW // 2

            await wait_for(caught_up, "the consumer catching up")


async def soak(rounds: int, events: int, accounts: int, bus_url: str) -> None:
    namespace = "" if bus_url.startswith("memory:") else f"soak-{uuid.uuid4().hex[:8]}:"
    with tempfile.TemporaryDirectory() as tmp:
        service_cfg = {"data_dir": tmp, "log_level": "ERROR", "bus_url": bus_url}
        settings = load_settings(None, overrides={"service": service_cfg})  # + FEDERATION_* env
        configure_logging(settings.service.log_level)
        service = await build_service(settings, namespace=namespace)
        await service.start()
        settle_heap()
        feeder = Feeder(accounts)
        print(f"machine: {machine()}")
        where = "embedded defaults" if not namespace else f"bus {bus_url}, the rest embedded"
        print(
            f"{rounds} rounds of {events:,} events over {accounts} accounts, {where}; "
            f"output_maxlen {settings.service.output_maxlen:,}"
        )
        print(f"after start: RSS {rss_mib():.1f} MiB")
        try:
            for r in range(1, rounds + 1):
                started = time.perf_counter()
                await publish_round(service, feeder, events)

                async def drained() -> bool:
                    return await backlog(service) == 0

                await wait_for(drained, "an empty backlog")
                elapsed = time.perf_counter() - started
                await asyncio.sleep(IDLE_S)
                gc.collect()
                seen = outcomes(service)
                print(
                    f"round {r}: {feeder.count:,} events in total, {events / elapsed:,.0f} "
                    f"events/s; outcomes {dict(sorted(seen.items()))}; "
                    f"RSS at idle {rss_mib():.1f} MiB",
                    flush=True,
                )
        finally:
            await service.stop()
            if namespace:
                redis = Redis.from_url(bus_url)
                for key in redis.scan_iter(match=f"{namespace}*", count=1000):
                    redis.delete(key)
                redis.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--events", type=int, default=200_000, help="events per round")
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--bus", default="memory://", help="memory:// (default) or redis://…")
    args = ap.parse_args()
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:  # as `federation serve`
        runner.run(soak(args.rounds, args.events, args.accounts, args.bus))


if __name__ == "__main__":
    main()
