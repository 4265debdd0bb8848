"""Replay: run recorded history through the same core, writing decisions, policy, timeline
and the governed replay report (SPEC §13).

Outputs are written to temporary files and renamed at the end, so a replay that
stops on a bad line leaves nothing partial behind.
"""

from __future__ import annotations

import csv
import json
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from federation_ai.core import (
    AccountState,
    CoreConfig,
    Event,
    FederationState,
    InvalidEvent,
    parse_event,
    step,
)
from federation_ai.core.early_warnings import WarningsConfig, WarningState, evaluate
from federation_ai.core.micros import format_timestamp
from federation_ai.core.step import PROCESSED
from federation_ai.core.view import policy_view
from federation_ai.core.vocabulary import SNAPSHOT
from federation_ai.replay.report_files import REPORT_OUTPUTS, write_report
from federation_ai.replay.sources import Item, SourceError
from federation_ai.report import Recorder, ReportConfig

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from typing import TextIO

    from federation_ai.core.decisions import Decision
from typing import Any

OUTPUTS = ("decisions.jsonl", "policy.json", "timeline.csv", "warnings.jsonl", *REPORT_OUTPUTS)
TIMELINE_HEADER = ("account_id", "timestamp", "nav", "dd", "mode", "profile", "tier", "frozen")
MAX_NOTES = 1000


class ReplayError(Exception):
    """The replay stopped on a bad line; nothing was written."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass
class ReplayStats:
    lines: int = 0
    processed: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    invalid: int = 0
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, what happened)
    decisions: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    time_in_mode: Counter[str] = field(default_factory=Counter)  # microseconds
    time_in_profile: Counter[str] = field(default_factory=Counter)
    freezes: list[tuple[str, str, list[str]]] = field(default_factory=list)  # account, ts, triggers
    accounts: int = 0
    warnings: int = 0  # early warnings written (not decisions)

    def note(self, line: int, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append((line, text))


def _fmt(x: float | None) -> str:
    return "" if x is None else repr(round(x, 12))


def _decode(env: dict[str, Any] | SourceError) -> Event:
    if isinstance(env, SourceError):
        raise InvalidEvent("$", env.reason)
    return parse_event(env)


def replay(
    items: Iterable[Item],
    config: CoreConfig,
    out_dir: Path,
    *,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    report: ReportConfig | None = None,
    equity_from_trades: bool = False,
    warnings: WarningsConfig | None = None,
) -> ReplayStats:
    """Replay ``items``; ``equity_from_trades`` says the source rebuilt its equity from
    trades, which makes ``report.method = "auto"`` govern by trades (SPEC §13).

    The early warnings (``warnings``, default settings if None) of every processed step
    go to ``warnings.jsonl``, apart from the decisions."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = {name: out_dir / f".{name}.partial" for name in OUTPUTS}
    report = report or ReportConfig()
    recorder = Recorder(config, report, report.resolve_method(equity_from_trades))
    try:
        stats = _run(
            items,
            config,
            tmp,
            skip_invalid,
            progress,
            recorder=recorder,
            warnings=warnings or WarningsConfig(),
        )
    except BaseException:
        for path in tmp.values():
            path.unlink(missing_ok=True)
        raise
    for name, path in tmp.items():
        path.replace(out_dir / name)
    return stats


def _timeline_row(a: AccountState, ts: int) -> tuple[str, ...]:
    m, p = a.metrics, a.policy
    return (
        a.account_id,
        format_timestamp(ts),
        _fmt(m.nav),
        _fmt(m.dd),
        p.mode,
        p.profile,
        p.tier_name,
        str(int(p.frozen)),
    )


def _write_decisions(out: TextIO, decisions: Iterable[Decision], stats: ReplayStats) -> None:
    for d in decisions:
        out.write(d.to_json())
        out.write("\n")
        stats.decisions[(d.role_source, d.decision_type, d.status)] += 1
        if d.decision_type == "freeze" and d.status == "applied":
            stats.freezes.append((d.account_id, d.timestamp, d.payload["triggers"]))


def _run(
    items: Iterable[Item],
    config: CoreConfig,
    tmp: dict[str, Path],
    skip_invalid: bool,
    progress: Callable[[int], None] | None,
    *,
    recorder: Recorder,
    warnings: WarningsConfig,
) -> ReplayStats:
    stats = ReplayStats()
    state = FederationState()
    warned: WarningState = {}
    step_ns = array("q")  # step latency: measured, so kept out of every deterministic output
    clock = time.perf_counter_ns
    with (
        tmp["decisions.jsonl"].open("w", encoding="utf-8", newline="\n") as out,
        tmp["timeline.csv"].open("w", encoding="utf-8", newline="") as tl_fh,
        tmp["warnings.jsonl"].open("w", encoding="utf-8", newline="\n") as warn_out,
    ):
        timeline = csv.writer(tl_fh, lineterminator="\n")
        timeline.writerow(TIMELINE_HEADER)
        for line, env in items:
            stats.lines += 1
            if progress is not None and stats.lines % 10_000 == 0:
                progress(stats.lines)
            try:
                event = _decode(env)
                acct = state.accounts.get(event.account_id)
                before = None
                if acct is not None and acct.last_ts is not None:
                    before = (acct.last_ts, acct.policy.mode, acct.policy.profile)
                started = clock()
                result = step(state, event, config)
                step_ns.append(clock() - started)
            except InvalidEvent as exc:
                if not skip_invalid:
                    raise ReplayError(line, str(exc)) from None
                stats.invalid += 1
                stats.note(line, f"invalid: {exc}")
                continue
            recorder.observe(event, result, state)
            if result.outcome != PROCESSED:
                if result.outcome == "duplicate":
                    stats.duplicates += 1
                else:
                    stats.out_of_order += 1
                stats.note(
                    line,
                    f"{result.outcome.replace('_', '-')}: event {event.event_id!r}"
                    f" of account {event.account_id!r} skipped",
                )
                continue
            stats.processed += 1
            if before is not None:
                dt = event.ts - before[0]
                stats.time_in_mode[before[1]] += dt
                stats.time_in_profile[before[2]] += dt
            _write_decisions(out, result.decisions, stats)
            acct = state.accounts[event.account_id]
            warned, fired = evaluate(warned, acct, config.supervisor, warnings)
            warn_out.writelines(w.to_json() + "\n" for w in fired)
            stats.warnings += len(fired)
            if event.event_type == SNAPSHOT:
                timeline.writerow(_timeline_row(state.accounts[event.account_id], event.ts))
    policies = {k: policy_view(a, config) for k, a in sorted(state.accounts.items())}
    tmp["policy.json"].write_text(json.dumps(policies, indent=2) + "\n", encoding="utf-8")
    stats.accounts = len(state.accounts)
    write_report(recorder, step_ns, tmp)
    return stats
