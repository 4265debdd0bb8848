"""Replay: run recorded history through the same core, writing decisions, policy, timeline
and the governed replay report (SPEC §13).

Outputs are written to temporary files and renamed at the end, so a replay that
stops on a bad line leaves nothing partial behind.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from federation_ai.core import (
    DUPLICATE,
    AccountState,
    CoreConfig,
    Event,
    FederationState,
    InvalidEvent,
)
from federation_ai.core.driver import Stepped, drive
from federation_ai.core.early_warnings import WarningsConfig, WarningState, evaluate
from federation_ai.core.micros import format_timestamp
from federation_ai.core.step import PROCESSED
from federation_ai.core.view import policy_view
from federation_ai.core.vocabulary import SNAPSHOT
from federation_ai.replay.latency import Latency
from federation_ai.replay.report_files import REPORT_OUTPUTS, GovernedCsv, write_report
from federation_ai.replay.sources import Item, SourceError
from federation_ai.report import Recorder, ReportConfig
from federation_ai.report.spool import Spool

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path
    from typing import TextIO

    from federation_ai.core.decisions import Decision

OUTPUTS = ("decisions.jsonl", "policy.json", "timeline.csv", "warnings.jsonl", *REPORT_OUTPUTS)
TIMELINE_HEADER = ("account_id", "timestamp", "nav", "dd", "mode", "profile", "tier", "frozen")
MAX_NOTES = 1000
_clock = time.perf_counter_ns  # the step latency of the report (SPEC §13)


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


def _items(
    items: Iterable[Item], stats: ReplayStats, progress: Callable[[int], None] | None
) -> Iterator[tuple[int, dict[str, Any] | InvalidEvent]]:
    """The source's lines for the driver, counted; an undecodable line is invalid at ``$``."""
    for line, env in items:
        stats.lines += 1
        if progress is not None and stats.lines % 10_000 == 0:
            progress(stats.lines)
        yield line, (InvalidEvent("$", env.reason) if isinstance(env, SourceError) else env)


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
    rows = GovernedCsv(tmp["governed.csv"])  # streamed as the snapshots come
    method = report.resolve_method(equity_from_trades)
    recorder = Recorder(config, report, method, spool=Spool(dir=out_dir), out=rows)
    try:
        stats = _run(
            items,
            config,
            tmp,
            skip_invalid,
            progress,
            recorder=recorder,
            warnings=warnings or WarningsConfig(),
            rows=rows,
        )
    except BaseException:
        rows.close()
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


class _Outputs:
    """The streamed outputs of one replay: decisions, early warnings and the timeline."""

    def __init__(self, tmp: dict[str, Path], stack: ExitStack) -> None:
        def open_(name: str, newline: str) -> TextIO:
            return stack.enter_context(tmp[name].open("w", encoding="utf-8", newline=newline))

        self.decisions = open_("decisions.jsonl", "\n")
        self.warnings = open_("warnings.jsonl", "\n")
        self.timeline = csv.writer(open_("timeline.csv", ""), lineterminator="\n")
        self.timeline.writerow(TIMELINE_HEADER)


class Tally:
    """What the replay does with each step the driver yields (SPEC §13)."""

    out: _Outputs  # set by ``stream`` once the outputs are open

    def __init__(
        self,
        config: CoreConfig,
        warnings: WarningsConfig,
        recorder: Recorder,
        *,
        skip_invalid: bool,
    ) -> None:
        self.supervisor, self.warnings_config = config.supervisor, warnings
        self.recorder, self.skip_invalid = recorder, skip_invalid
        self.stats = ReplayStats()
        self.warned: WarningState = {}
        self.latency = Latency()  # measured, kept out of deterministic outputs

    def take(self, s: Stepped, state: FederationState) -> None:
        event, result = s.event, s.result
        if result is None or event is None:
            self._invalid(s)
            return
        self.latency.add(s.step_ns)
        self.recorder.observe(event, result, state)
        if result.outcome != PROCESSED:
            self._skipped(s.tag, event, result.outcome)
            return
        stats = self.stats
        stats.processed += 1
        if s.prior is not None:
            dt = event.ts - s.prior.ts
            stats.time_in_mode[s.prior.mode] += dt
            stats.time_in_profile[s.prior.profile] += dt
        if result.decisions:
            _write_decisions(self.out.decisions, result.decisions, stats)
        acct = state.accounts[event.account_id]
        self.warned, fired = evaluate(self.warned, acct, self.supervisor, self.warnings_config)
        if fired:
            self.out.warnings.writelines(w.to_json() + "\n" for w in fired)
            stats.warnings += len(fired)
        if event.event_type == SNAPSHOT:
            self.out.timeline.writerow(_timeline_row(acct, event.ts))

    def _invalid(self, s: Stepped) -> None:
        if not self.skip_invalid:
            raise ReplayError(s.tag, str(s.error)) from None
        self.stats.invalid += 1
        self.stats.note(s.tag, f"invalid: {s.error}")

    def _skipped(self, line: int, event: Event, outcome: str) -> None:
        if outcome == DUPLICATE:
            self.stats.duplicates += 1
        else:
            self.stats.out_of_order += 1
        self.stats.note(
            line,
            f"{outcome.replace('_', '-')}: event {event.event_id!r}"
            f" of account {event.account_id!r} skipped",
        )


def _write_decisions(out: TextIO, decisions: Iterable[Decision], stats: ReplayStats) -> None:
    for d in decisions:
        out.write(d.to_json())
        out.write("\n")
        stats.decisions[(d.role_source, d.decision_type, d.status)] += 1
        if d.decision_type == "freeze" and d.status == "applied":
            stats.freezes.append((d.account_id, d.timestamp, d.payload["triggers"]))


def stream(
    tally: Tally,
    items: Iterable[Item],
    config: CoreConfig,
    tmp: dict[str, Path],
    progress: Callable[[int], None] | None = None,
) -> FederationState:
    """Drive ``items`` through a fresh state into ``tally`` and the streamed outputs."""
    state = FederationState()
    with ExitStack() as stack:
        tally.out = _Outputs(tmp, stack)
        take = tally.take
        for s in drive(state, _items(items, tally.stats, progress), config, clock=_clock):
            take(s, state)
    return state


def write_policies(policies: dict[str, Any], tmp: dict[str, Path]) -> None:
    tmp["policy.json"].write_text(json.dumps(policies, indent=2) + "\n", encoding="utf-8")


def _run(
    items: Iterable[Item],
    config: CoreConfig,
    tmp: dict[str, Path],
    skip_invalid: bool,
    progress: Callable[[int], None] | None,
    *,
    recorder: Recorder,
    warnings: WarningsConfig,
    rows: GovernedCsv,
) -> ReplayStats:
    tally = Tally(config, warnings, recorder, skip_invalid=skip_invalid)
    state = stream(tally, items, config, tmp, progress)
    write_policies({k: policy_view(a, config) for k, a in sorted(state.accounts.items())}, tmp)
    tally.stats.accounts = len(state.accounts)
    write_report(recorder, tally.latency, tmp, rows)
    return tally.stats
