"""What a replay costs before it writes anything: decode, validate, step. Prints figures.

    python bench/bench_replay_parts.py /tmp/replay-200k.jsonl

Reads a JSONL event log into memory, then times (process CPU, one pass each) the JSON
decode of every line, ``parse_event`` of every decoded envelope and ``step`` of every
event through one state. No report, no output files, no early warnings: the floor under
any replay of the same input with the same core. It uses only ``federation_ai.core``'s
public names, so the same file runs against an older install (``other/venv/bin/python
bench/bench_replay_parts.py INPUT``) and against the compiled core (``make mypyc``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import orjson

from federation_ai.core import CoreConfig, FederationState, parse_event, step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="a JSONL event log (bench/replay_input.py)")
    args = parser.parse_args()
    config = CoreConfig()
    lines = args.input.read_bytes().splitlines()
    started = time.process_time()
    envelopes = [orjson.loads(line) for line in lines]
    decoded = time.process_time()
    events = [parse_event(e) for e in envelopes]
    parsed = time.process_time()
    state, decisions = FederationState(), 0
    for event in events:
        result = step(state, event, config)
        state = result.state
        decisions += len(result.decisions)
    stepped = time.process_time()
    total = stepped - started
    print(
        f"{len(events):,} events, {decisions:,} decisions: decode {decoded - started:.2f} s, "
        f"parse_event {parsed - decoded:.2f} s, step {stepped - parsed:.2f} s, "
        f"together {total:.2f} s CPU ({len(events) / total:,.0f} events/s)"
    )


if __name__ == "__main__":
    main()
