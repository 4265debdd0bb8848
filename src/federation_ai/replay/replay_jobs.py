"""``federation replay --jobs N``: a multi-account event log split by account over processes.

Accounts never share state, so each job replays the lines of its own accounts (an
account goes to job ``crc32(id) % N``; lines that name no valid account to job 0, where
they are invalid as they would be in one process) and tags every row it writes with
its source line. The parent merges the rows by line, so ``decisions.jsonl``,
``timeline.csv`` and ``warnings.jsonl`` come out as one process writes them, merges the
policies and the report's per-account tracks (every report figure is built over the
accounts sorted by id), and writes the same files, byte for byte; the one exception is
the measured step latency, as between any two runs. A bad line stops the replay as in
one process: the first one in the file is reported.
"""

from __future__ import annotations

import heapq
import shutil
import tempfile
import zlib
from array import array
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from federation_ai.core.view import policy_view
from federation_ai.core.vocabulary import SNAPSHOT
from federation_ai.replay.replay_run import (
    MAX_NOTES,
    OUTPUTS,
    ReplayError,
    ReplayStats,
    Tally,
    stream,
    write_policies,
)
from federation_ai.replay.report_files import write_report
from federation_ai.replay.sources import read_jsonl
from federation_ai.report import Recorder, ReportConfig
from federation_ai.report.spool import Spool
from federation_ai.report.sums import add_into

if TYPE_CHECKING:
    from collections.abc import Iterator

    from federation_ai.core import CoreConfig, FederationState
    from federation_ai.core.driver import Stepped
    from federation_ai.core.early_warnings import WarningsConfig
    from federation_ai.replay.items import Item
    from federation_ai.replay.latency import Latency

STREAMED = ("decisions.jsonl", "warnings.jsonl", "timeline.csv")


def job_of(env: Any, jobs: int) -> int:
    account = env.get("account_id", "default") if isinstance(env, dict) else None
    if not isinstance(account, str):
        return 0
    return zlib.crc32(account.encode("utf-8", "surrogatepass")) % jobs


class _TaggedTally(Tally):
    """A tally that also notes the source line of every row it writes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[str, array[int]] = {name: array("q") for name in STREAMED}
        self.freeze_lines = array("q")

    def take(self, s: Stepped, state: FederationState) -> None:
        stats = self.stats
        warnings, freezes, processed = stats.warnings, len(stats.freezes), stats.processed
        super().take(s, state)
        if stats.processed == processed:
            return
        line, result, event = s.tag, s.result, s.event
        assert result is not None
        assert event is not None
        self.lines["decisions.jsonl"].extend([line] * len(result.decisions))
        self.lines["warnings.jsonl"].extend([line] * (stats.warnings - warnings))
        self.freeze_lines.extend([line] * (len(stats.freezes) - freezes))
        if event.event_type == SNAPSHOT:
            self.lines["timeline.csv"].append(line)


@dataclass
class _JobResult:
    stats: ReplayStats
    recorder: Recorder  # its governed rows spooled in the job's directory
    latency: Latency
    lines: dict[str, array[int]]
    freeze_lines: array[int]
    policies: dict[str, Any] = field(default_factory=dict)
    error: tuple[int, str] | None = None  # (line, reason) of a bad line


@dataclass(frozen=True)
class _Job:
    path: Path
    jobs: int
    config: CoreConfig
    skip_invalid: bool
    report: ReportConfig
    warnings: WarningsConfig


def _job(job: _Job, index: int, work: Path) -> _JobResult:
    path, jobs, config, report, warnings = job.path, job.jobs, job.config, job.report, job.warnings
    skip_invalid = job.skip_invalid
    items: Iterator[Item] = (item for item in read_jsonl(path) if job_of(item[1], jobs) == index)
    method = report.resolve_method(equity_from_trades=False)
    recorder = Recorder(config, report, method, spool=Spool(work / "governed.spool"))
    tally = _TaggedTally(config, warnings, recorder, skip_invalid=skip_invalid)
    tmp = {name: work / name for name in STREAMED}
    result = _JobResult(tally.stats, recorder, tally.latency, tally.lines, tally.freeze_lines)
    try:
        state = stream(tally, items, config, tmp)
    except ReplayError as exc:
        result.error = (exc.line, exc.reason)
        return result
    result.policies = {k: policy_view(a, config) for k, a in state.accounts.items()}
    tally.stats.accounts = len(state.accounts)
    return result


def _merged_rows(name: str, dirs: list[Path], results: list[_JobResult]) -> Iterator[str]:
    def rows(i: int) -> Iterator[tuple[int, str]]:
        with (dirs[i] / name).open(encoding="utf-8", newline="") as fh:
            if name == "timeline.csv":
                next(fh)  # every job wrote the header
            yield from zip(results[i].lines[name], fh, strict=True)

    for _, row in heapq.merge(*(rows(i) for i in range(len(dirs))), key=lambda r: r[0]):
        yield row


def _merge_stats(results: list[_JobResult]) -> ReplayStats:
    out = ReplayStats()
    for r in results:
        add_into(out, r.stats)  # the counts; the notes and freezes keep their order below
    out.notes = sorted((n for r in results for n in r.stats.notes), key=lambda n: n[0])[:MAX_NOTES]
    freezes = (zip(r.freeze_lines, r.stats.freezes, strict=True) for r in results)
    out.freezes = [f for _, f in heapq.merge(*freezes, key=lambda x: x[0])]
    return out


def replay_jobs(
    path: Path,
    config: CoreConfig,
    out_dir: Path,
    *,
    jobs: int,
    skip_invalid: bool = False,
    report: ReportConfig | None = None,
    warnings: WarningsConfig,
) -> ReplayStats:
    """``replay`` of a JSONL event log over ``jobs`` processes, the same outputs."""
    report = report or ReportConfig()
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".jobs-", dir=out_dir))
    try:
        dirs = [work / str(i) for i in range(jobs)]
        for d in dirs:
            d.mkdir()
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            job = _Job(path, jobs, config, skip_invalid, report, warnings)
            futures = [pool.submit(_job, job, i, dirs[i]) for i in range(jobs)]
            results = [f.result() for f in futures]
        errors = [r.error for r in results if r.error is not None]
        if errors:
            raise ReplayError(*min(errors))
        _write(results, dirs, work, out_dir)
        return _merge_stats(results)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write(results: list[_JobResult], dirs: list[Path], work: Path, out_dir: Path) -> None:
    tmp = {name: work / f".{name}.partial" for name in OUTPUTS}
    for name in STREAMED:
        with tmp[name].open("w", encoding="utf-8", newline="") as fh:
            if name == "timeline.csv":
                with (dirs[0] / name).open(encoding="utf-8", newline="") as first:
                    fh.write(next(first))
            fh.writelines(_merged_rows(name, dirs, results))
    policies = {k: v for r in results for k, v in r.policies.items()}
    write_policies(dict(sorted(policies.items())), tmp)
    recorder, latency = results[0].recorder, results[0].latency
    for r in results[1:]:
        recorder.merge(r.recorder)
        latency.merge(r.latency)
    write_report(recorder, latency, tmp)
    for name, p in tmp.items():
        p.replace(out_dir / name)
