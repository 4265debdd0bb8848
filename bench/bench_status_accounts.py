"""Size and latency of ``GET /api/federation/status`` with many accounts.

Builds the service (in-memory bus, SQLite in a temporary directory), gives each of
``--accounts`` accounts one snapshot, then calls the endpoint ``--requests`` times
in process (httpx over ASGI, so the figures are the handler and its rendering, not
the network) and prints the body size and p50/p99 latency.

    python bench/bench_status_accounts.py [--accounts 3000] [--requests 200] [--query ""]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time

import httpx

from federation_ai.api import create_app
from federation_ai.api.security import generate_key, hash_key
from federation_ai.core import parse_event
from federation_ai.service import build_service
from federation_ai.service.logs import configure_logging
from federation_ai.settings import load_settings

BATCH = 500


def _snapshot(n: int) -> dict[str, object]:
    return {
        "event_type": "portfolio.snapshot_updated", "event_id": f"s-{n}",
        "account_id": f"acct-{n:05d}", "timestamp": "2024-03-01T12:00:00Z",
        "payload": {"total_equity": 10_000.0 + n},
    }


async def run(accounts: int, requests: int, query: str) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        overrides = {"service": {"data_dir": data_dir, "max_accounts": accounts + 10}}
        try:
            settings = load_settings(environ={}, overrides=overrides)
        except ValueError:  # a build without the account limit
            settings = load_settings(environ={}, overrides={"service": {"data_dir": data_dir}})
        service = await build_service(settings)
        await service.start()
        try:
            events = [parse_event(_snapshot(n)) for n in range(accounts)]
            for start in range(0, len(events), BATCH):
                async with service.pipeline.lock:
                    await service.pipeline.run(events[start : start + BATCH])
            key = generate_key()
            await service.store.add_api_key("bench", "viewer", hash_key(key))
            transport = httpx.ASGITransport(app=create_app(service))
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                url = f"/api/federation/status{query}"
                size = len((await client.get(url, headers=headers)).content)
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    response = await client.get(url, headers=headers)
                    times.append(time.perf_counter() - started)
                    response.raise_for_status()
        finally:
            await service.stop()
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(
        f"accounts={accounts} query={query or '-'} body={size:,} bytes "
        f"p50={statistics.median(times) * 1000:.2f} ms p99={p99 * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--query", default="", help="e.g. '?limit=500'")
    args = parser.parse_args()
    configure_logging("WARNING")
    asyncio.run(run(args.accounts, args.requests, args.query))


if __name__ == "__main__":
    main()
