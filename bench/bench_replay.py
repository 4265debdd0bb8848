"""Time `federation replay` on a benchmark input; print events/s and peak RSS.

    python bench/replay_input.py /tmp/replay-200k.jsonl            # build the input
    python bench/bench_replay.py /tmp/replay-200k.jsonl [--runs 3] [--jobs 2]
        [--federation /path/to/other/venv/bin/federation]
    python bench/bench_replay.py --same OUT_A OUT_B               # byte-compare outputs

Every run is a fresh process (``federation replay INPUT --out DIR -q``); its wall time
and its peak RSS come from the operating system (``os.wait4``). Figures vary with the
machine's load: compare two builds by interleaving their runs and quoting the ratio.

``--same`` compares two output directories file by file, byte for byte, apart from the
step-latency figures (``report.json``'s ``timing`` and the cells ``report.html`` shows
them in), the one output that is measured rather than computed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMING = re.compile(rb'data-path="\[&quot;timing&quot;, [^"]*"[^<]*<')


def run_once(federation: str, path: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one replay of ``path``."""
    out = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    cmd = [federation, "replay", str(path), "--out", str(out), "-q"]
    if jobs > 1:
        cmd += ["--jobs", str(jobs)]
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)  # noqa: S603 - our own CLI
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if status != 0:
            sys.exit(f"{' '.join(cmd)} failed ({status})")
        return wall, usage.ru_maxrss / 1024
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _comparable(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name == "report.json":
        report = json.loads(data)
        report.pop("timing", None)
        return json.dumps(report, sort_keys=True).encode()
    if path.name == "report.html":
        return TIMING.sub(b"", data)
    return data


def same(a: Path, b: Path) -> bool:
    names = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    ok = True
    for name in names:
        if not (a / name).exists() or not (b / name).exists():
            print(f"{name}: only in one of the two")
            ok = False
        elif _comparable(a / name) != _comparable(b / name):
            print(f"{name}: differs")
            ok = False
    print("identical" if ok else "DIFFERENT", f"({len(names)} files)")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="*", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--federation", default=str(Path(sys.executable).with_name("federation")))
    ap.add_argument("--same", nargs=2, type=Path, metavar=("OUT_A", "OUT_B"))
    args = ap.parse_args()
    if args.same:
        sys.exit(0 if same(*args.same) else 1)
    for path in args.inputs:
        with path.open("rb") as fh:
            events = sum(1 for line in fh if line.strip())
        walls, rss = [], []
        for _ in range(args.runs):
            wall, peak = run_once(args.federation, path, args.jobs)
            walls.append(wall)
            rss.append(peak)
        med = statistics.median(walls)
        print(
            f"{path.name}: {events:,} events, jobs {args.jobs}: wall median {med:.2f} s"
            f" (min {min(walls):.2f}, max {max(walls):.2f}), {events / med:,.0f} events/s,"
            f" peak RSS {max(rss):.1f} MiB"
        )


if __name__ == "__main__":
    main()
