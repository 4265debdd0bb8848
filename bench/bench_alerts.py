"""Decision latency with alerts to a receiver that hangs, against no alerts at all.

Two services side by side (in-memory bus, SQLite each in a temporary directory): one
without channels, one whose webhook receiver holds every request. Each round freezes
fresh accounts through ``ingest`` on both, alternating which goes first; the figure is
the per-round ratio of mean ingest latency (alerts / none), interleaved so the
machine's drift hits both alike. Prints p50 and max latency of each and the median
ratio.

    python bench/bench_alerts.py [--rounds 20] [--accounts 25]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from federation_ai.service import build_service
from federation_ai.settings import load_settings

SECRET = "bench-secret"  # noqa: S105 - a throw-away key of a local receiver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hanging_receiver(release: threading.Event) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(600)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    port = _free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


def _settings(data_dir: str, port: int | None) -> object:
    alerts = {} if port is None else {
        "urls": [f"webhook+http://127.0.0.1:{port}/hook"], "webhook_secret": SECRET,
        "group_s": 0.2, "send_timeout_s": 600.0,
    }  # fmt: skip
    return load_settings(
        environ={}, overrides={"service": {"data_dir": data_dir}, "alerts": alerts}
    )


def _snap(account: str, n: int, equity: float) -> dict[str, object]:
    return {
        "event_type": "portfolio.snapshot_updated", "event_id": f"{account}-s{n}",
        "account_id": account, "timestamp": f"2024-01-01T10:{n:02d}:00Z",
        "payload": {"total_equity": equity},
    }  # fmt: skip


async def _round(svc: object, prefix: str, accounts: int, out: list[float]) -> float:
    latencies = []
    for i in range(accounts):
        for n, equity in ((1, 10_000.0), (2, 8_500.0)):
            started = time.perf_counter()
            await svc.ingest(_snap(f"{prefix}-{i}", n, equity))  # type: ignore[attr-defined]
            latencies.append(time.perf_counter() - started)
    out.extend(latencies)
    return statistics.fmean(latencies)


async def main(rounds: int, accounts: int) -> None:
    release = threading.Event()
    server, port = _hanging_receiver(release)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        plain = await build_service(_settings(a, None))
        alerted = await build_service(_settings(b, port))
        await plain.start()
        await alerted.start()
        try:
            lat_plain: list[float] = []
            lat_alerts: list[float] = []
            ratios = []
            for r in range(rounds):
                order = [(plain, lat_plain), (alerted, lat_alerts)]
                if r % 2:
                    order.reverse()
                means = {}
                for svc, out in order:
                    means[id(svc)] = await _round(svc, f"r{r}", accounts, out)
                ratios.append(means[id(alerted)] / means[id(plain)])
            held = alerted.status()["alerts"]["channels"][0]
        finally:
            release.set()
            await plain.stop()
            await alerted.stop()
            server.shutdown()
    for name, lat in (("no alerts", lat_plain), ("alerts, receiver hung", lat_alerts)):
        lat.sort()
        print(f"{name:<24} ingest p50 {lat[len(lat) // 2] * 1e3:6.2f} ms  "
              f"max {lat[-1] * 1e3:6.2f} ms  ({len(lat)} events)")  # fmt: skip
    print(f"ratio alerts/none of mean latency per round: median {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}, {rounds} interleaved rounds)")
    print(f"meanwhile the hung channel sent {held['messages_sent']} messages, "
          f"{held['pending']} happenings pending")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.accounts))
