"""Slow-header clients against ``federation serve``: is ``/health`` still answered?

Starts ``federation serve`` (embedded defaults, SQLite in a temporary directory) on
127.0.0.1, opens ``--connections`` connections from another loopback address
(127.0.0.2, the attacker) that send a request head one byte per second and never
finish it, and meanwhile asks ``GET /health`` from 127.0.0.1 (the monitor) every
50 ms for ``--seconds``. Prints the monitor's p50/p99/max latency, its failures, how
many slow connections the server accepted and how many it still held at the end.
Everything stays on loopback and stops by itself.

    python bench/bench_slow_clients.py [--connections 3000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ATTACKER = "127.0.0.2"
HEAD = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _slow(port: int, stop: asyncio.Event, stats: dict[str, int]) -> None:
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, local_addr=(ATTACKER, 0)
        )
    except OSError:
        stats["refused"] += 1
        return
    answer = b""
    try:
        for byte in HEAD:
            if stop.is_set():
                break
            writer.write(bytes([byte]))
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    answer = await reader.read(12)  # the server answered or closed
                    break
    except OSError:
        answer = b"(reset)"
    finally:
        writer.close()
    if answer.startswith(b"HTTP/1.1 "):
        stats[answer[9:12].decode()] = stats.get(answer[9:12].decode(), 0) + 1
    elif answer or not stop.is_set():
        stats["closed"] += 1
    else:
        stats["held_at_end"] += 1


async def _monitor(port: int, seconds: float) -> list[float | None]:
    out: list[float | None] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(5):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                await writer.drain()
                answer = await reader.read()
                writer.close()
            out.append(time.perf_counter() - t0 if answer.startswith(b"HTTP/1.1 200") else None)
        except (OSError, TimeoutError):
            out.append(None)
        await asyncio.sleep(0.05)
    return out


async def _run(port: int, connections: int, seconds: float) -> None:
    stop = asyncio.Event()
    stats = {"refused": 0, "closed": 0, "held_at_end": 0}
    slow = [asyncio.create_task(_slow(port, stop, stats)) for _ in range(connections)]
    samples = await _monitor(port, seconds)
    stop.set()
    await asyncio.gather(*slow)
    ok = sorted(s for s in samples if s is not None)
    failed = len(samples) - len(ok)

    def pct(p: float) -> float:
        return ok[min(len(ok) - 1, int(p * len(ok)))] * 1000 if ok else float("nan")

    answers = {k: v for k, v in stats.items() if k.isdigit()}
    print(f"slow connections: {connections}, refused at connect: {stats['refused']}, "
          f"answered {answers}, closed silently: {stats['closed']}, "
          f"still held after {seconds:.0f} s: {stats['held_at_end']}")
    print(f"/health: {len(samples)} requests, {failed} failed, p50 {pct(0.5):.1f} ms, "
          f"p99 {pct(0.99):.1f} ms, max {(ok[-1] * 1000 if ok else float('nan')):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "FEDERATION_SERVICE__DATA_DIR": tmp,
               "FEDERATION_SERVICE__LOG_LEVEL": "ERROR"}
        cmd = [sys.executable, "-m", "federation_ai.cli.main", "serve", "--port", str(port)]
        log = Path(tmp) / "serve.log"
        with log.open("wb") as out:
            server = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603 - our own CLI
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
                time.sleep(0.1)
            asyncio.run(_run(port, args.connections, args.seconds))
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    main()
