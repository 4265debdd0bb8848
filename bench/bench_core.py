"""Benchmark of the decision core and of replay. Prints figures; asserts nothing.

    python bench/bench_core.py [--events 1000000]

1. step(): throughput and per-event latency (p50/p99) over generated events.
2. replay: end-to-end `federation replay` of a JSONL file of the same size.
3. memory: peak RSS of replay at 1/4 and the full length, in fresh processes,
   and the size of the serialized state, to show memory does not grow with history.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

import orjson

from federation_ai.core import CoreConfig, FederationState, parse_event, step
from federation_ai.replay.replay_run import replay
from federation_ai.replay.sources import read_jsonl
from federation_ai.synthetic import SynthConfig, generate

SYNTH = SynthConfig(seed=3, accounts=("default", "fund-b", "fund-c"))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def bench_step(n: int) -> None:
    events = [parse_event(e) for e in generate(SYNTH, n)]
    cfg = CoreConfig()
    state = FederationState()
    lat = [0] * n
    clock = time.perf_counter_ns
    decisions = 0
    start = time.perf_counter()
    for i, ev in enumerate(events):
        t0 = clock()
        decisions += len(step(state, ev, cfg).decisions)
        lat[i] = clock() - t0
    elapsed = time.perf_counter() - start
    lat.sort()
    print(
        f"step(): {n:,} events in {elapsed:.2f} s = {n / elapsed:,.0f} events/s; "
        f"p50 {lat[n // 2] / 1000:.1f} µs, p99 {lat[n * 99 // 100] / 1000:.1f} µs, "
        f"max {lat[-1] / 1000:.0f} µs; {decisions:,} decisions"
    )
    size = len(json.dumps(state.to_json()))
    print(
        f"state after {n:,} events: {size / 1024:.0f} KiB of JSON "
        f"for {len(state.accounts)} accounts"
    )
    del events, lat
    gc.collect()  # the replay below must not pay for this phase's garbage


def write_jsonl(path: Path, n: int) -> None:
    with path.open("wb") as fh:
        for env in generate(SYNTH, n):
            fh.write(orjson.dumps(env))
            fh.write(b"\n")


def bench_replay(path: Path, n: int) -> None:
    out = path.parent / "out"
    start = time.perf_counter()
    stats = replay(read_jsonl(path), CoreConfig(), out)
    elapsed = time.perf_counter() - start
    print(
        f"replay: {n:,} JSONL lines in {elapsed:.2f} s = {n / elapsed:,.0f} events/s "
        f"({stats.processed:,} processed, {sum(stats.decisions.values()):,} decisions)"
    )


def peak_rss_kib() -> int:
    """This process's high-water RSS (VmHWM; ru_maxrss would include the pre-exec parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_replay(path: str, n: int) -> None:
    """Replay the first n lines in this process and print peak RSS (KiB)."""
    replay(islice(read_jsonl(Path(path)), n), CoreConfig(), Path(path).parent / f"out-{n}")
    print(peak_rss_kib())


def bench_memory(path: Path, n: int) -> None:
    sizes = [n // 4, n]
    peaks = []
    for k in sizes:
        res = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, __file__, "--child", str(path), str(k)],
            check=True,
            capture_output=True,
            text=True,
        )
        peaks.append(int(res.stdout.strip().splitlines()[-1]))
    print(
        "peak RSS of replay: "
        + ", ".join(
            f"{k:,} events -> {p / 1024:.1f} MiB" for k, p in zip(sizes, peaks, strict=True)
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args()
    if args.child:
        child_replay(args.child[0], int(args.child[1]))
        return
    print(f"machine: {machine()}")
    bench_step(args.events)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        write_jsonl(path, args.events)
        print(f"input: {path.stat().st_size / 2**20:.0f} MiB JSONL")
        bench_replay(path, args.events)
        bench_memory(path, args.events)


if __name__ == "__main__":
    main()
