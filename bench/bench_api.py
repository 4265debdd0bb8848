"""REST API throughput: ``GET /api/federation/status`` on one uvicorn worker.

Starts the real service (in-memory bus, SQLite in a temporary directory, a few
accounts with history) behind uvicorn on 127.0.0.1 in a child process, then drives
it for ``--seconds`` with ``wrk`` when installed, else with an asyncio/httpx load
generator in a separate process. Prints requests/s and p50/p99 latency.

    python bench/bench_api.py [--seconds 10] [--connections 32] [--generator auto|wrk|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta

PATH = "/api/federation/status"
ACCOUNTS = ("default", "acct-a", "acct-b", "acct-c")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the server (child process) ---------------------------------------------------


async def _seed(service: object, days: int = 20) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)
    for n, account in enumerate(ACCOUNTS):
        equity = 10_000.0 * (n + 1)
        for i in range(days * 4):
            ts = (start + timedelta(hours=6 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            equity *= 1.002 if (i + n) % 3 else 0.997
            await service.ingest({  # type: ignore[attr-defined]
                "event_type": "portfolio.snapshot_updated", "event_id": f"{account}-{i}",
                "account_id": account, "timestamp": ts, "payload": {"total_equity": equity},
            })


async def _serve(port: int, data_dir: str, key: str) -> None:
    import uvicorn  # noqa: PLC0415

    from federation_ai.api import create_app  # noqa: PLC0415
    from federation_ai.api.security import hash_key  # noqa: PLC0415
    from federation_ai.cli.serve_cmd import settle_heap  # noqa: PLC0415
    from federation_ai.service import build_service  # noqa: PLC0415
    from federation_ai.settings import load_settings  # noqa: PLC0415

    settings = load_settings(environ={}, overrides={"service": {"data_dir": data_dir}})
    service = await build_service(settings)
    await service.start()
    await service.store.add_api_key("bench", "viewer", hash_key(key))
    await _seed(service)
    settle_heap()  # as `federation serve` does once started
    config = uvicorn.Config(
        create_app(service), host="127.0.0.1", port=port, workers=1,
        log_level="warning", access_log=False, lifespan="off",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)
    print("READY", flush=True)
    await task
    await service.stop()


# --- load generators --------------------------------------------------------------


def _run_wrk(url: str, key: str, seconds: int, connections: int) -> dict[str, float]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
           "-H", f"Authorization: Bearer {key}", url]
    done = subprocess.run(  # noqa: S603 - fixed argv, loopback URL
        cmd, capture_output=True, text=True, check=True, timeout=seconds + 30
    )
    out = done.stdout
    def latency(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if m is None:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        return float(m.group(1)) * scale
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "requests_per_s": float(rps.group(1)) if rps else float("nan"),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def _httpx_worker(url: str, key: str, seconds: float, connections: int, out: mp.Queue) -> None:
    import httpx  # noqa: PLC0415

    async def main() -> None:
        latencies: list[float] = []
        bad = 0
        deadline = time.perf_counter() + seconds
        limits = httpx.Limits(max_connections=connections)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as client:
            async def loop() -> None:
                nonlocal bad
                while time.perf_counter() < deadline:
                    t0 = time.perf_counter()
                    r = await client.get(url)
                    latencies.append((time.perf_counter() - t0) * 1000)
                    bad += r.status_code != 200
            await asyncio.gather(*(loop() for _ in range(connections)))
        out.put((latencies, bad))

    asyncio.run(main())


def _run_httpx(url: str, key: str, seconds: int, connections: int) -> dict[str, float]:
    queue: mp.Queue = mp.Queue()
    proc = mp.Process(target=_httpx_worker, args=(url, key, seconds, connections, queue))
    proc.start()
    latencies, bad = queue.get(timeout=seconds + 60)
    proc.join(30)
    latencies.sort()
    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]
    return {"requests_per_s": len(latencies) / seconds, "p50_ms": pct(0.50),
            "p99_ms": pct(0.99), "non_2xx": float(bad)}


# --- driver -----------------------------------------------------------------------


def _wait_ready(child: subprocess.Popen[str]) -> bool:
    """Read the child's output up to READY, then keep draining it (the service logs)."""
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "READY":
            threading.Thread(target=child.stdout.read, daemon=True).start()
            return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--generator", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--serve", nargs=3, metavar=("PORT", "DIR", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        from federation_ai.cli.serve_cmd import event_loop_factory  # noqa: PLC0415

        port, data_dir, key = args.serve
        # the event loop `federation serve` runs on (uvloop when installed)
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(_serve(int(port), data_dir, key))
        return 0

    from federation_ai.api.security import generate_key  # noqa: PLC0415

    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "httpx"
    key, port = generate_key(), _free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, __file__, "--serve", str(port), data_dir, key],
            stdout=subprocess.PIPE, text=True,
        )
        try:
            if not _wait_ready(child):
                print("server did not start", file=sys.stderr)
                return 1
            url = f"http://127.0.0.1:{port}{PATH}"
            run = _run_wrk if generator == "wrk" else _run_httpx
            result = run(url, key, args.seconds, args.connections)
        finally:
            child.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)
            if child.poll() is None:
                child.kill()
    print(f"GET {PATH}: one uvicorn worker, {generator}, {args.connections} connections, "
          f"{args.seconds} s")
    print(f"  requests/s {result['requests_per_s']:,.0f}   p50 {result['p50_ms']:.2f} ms   "
          f"p99 {result['p99_ms']:.2f} ms   non-2xx {result['non_2xx']:.0f}")
    print(json.dumps({"endpoint": PATH, "generator": generator, **result}))
    return 0 if result["non_2xx"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
