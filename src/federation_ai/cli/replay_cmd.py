"""``federation replay``: run recorded history through the decision core."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from federation_ai.core import ConfigError
from federation_ai.replay.replay_jobs import replay_jobs
from federation_ai.replay.replay_run import OUTPUTS, ReplayError, ReplayStats, replay
from federation_ai.replay.sources import equity_from_trades, open_source
from federation_ai.replay.summary import render
from federation_ai.settings import load_settings
from federation_ai.whatif.compare_configs import COMPARE_OUTPUTS, compare

if TYPE_CHECKING:
    from collections.abc import Callable

PROGRESS_MIN_BYTES = 5_000_000
# The trades of an equity-curve input: replay and sweep read the same inputs.
TradesOption = Annotated[
    Path | None,
    typer.Option("--trades", help="trades CSV for an equity curve", exists=True, dir_okay=False),
]


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def _compare(
    input_path: Path,
    trades: Path | None,
    config: Path | None,
    other: Path,
    out: Path,
    *,
    quiet: bool,
) -> None:
    err = Console(stderr=True)
    try:
        result = compare(input_path, trades, config, other, out)
    except ReplayError as exc:
        err.print(f"[red]error:[/red] {input_path}: line {exc.line}: {exc.reason}", soft_wrap=True)
        raise typer.Exit(1) from None
    except (ConfigError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    if not quiet:
        c = result["decisions"]["counts"]
        console = Console()
        console.print(
            f"decisions: A {c['a']}, B {c['b']}; {c['added']} only in B, {c['removed']} only"
            f" in A, {c['changed']} changed; {len(result['kpis_changed'])} figures differ",
            soft_wrap=True,
        )
        for path in (
            "total.governed.total_return",
            "total.governed.max_drawdown",
            "total.governed.sharpe",
            "total.kpis.freezes",
        ):
            v = result["kpis"].get(path)
            if v is not None:
                console.print(f"{path}: A {v['a']}, B {v['b']}, B-A {v['delta']}", soft_wrap=True)
        names = ", ".join(f"{out}/{name}" for name in COMPARE_OUTPUTS)
        console.print(f"wrote {names}, {out}/a/, {out}/b/", soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay_cmd(
        input_path: Annotated[
            Path,
            typer.Argument(
                metavar="INPUT",
                help=(
                    ".jsonl event log, equity-curve .csv or freqtrade backtest result "
                    "(.zip or .json)"
                ),
                exists=True,
                dir_okay=False,
            ),
        ],
        out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("out"),
        config: Annotated[Path | None, typer.Option("--config", help="TOML config file")] = None,
        trades: TradesOption = None,
        skip_invalid: Annotated[
            bool, typer.Option("--skip-invalid", help="report and skip bad lines")
        ] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no summary")] = False,
        compare_with: Annotated[
            Path | None,
            typer.Option(
                "--compare",
                help="what-if: replay also under this TOML config and compare (DIR/a, DIR/b)",
                exists=True,
                dir_okay=False,
            ),
        ] = None,
        jobs: Annotated[
            int,
            typer.Option(
                "--jobs",
                min=1,
                help="split a .jsonl log by account over this many processes (same output)",
            ),
        ] = 1,
    ) -> None:
        """Replay recorded history; write decisions, policy, timeline and the governed report.

        Writes decisions.jsonl, policy.json, timeline.csv, report.json, governed.csv and
        report.html (SPEC §11, §13).
        """
        if compare_with is not None:
            _compare(input_path, trades, config, compare_with, out, quiet=quiet)
            return
        started = time.perf_counter()
        stats = _replay(
            input_path, out, config, trades, skip_invalid=skip_invalid, quiet=quiet, jobs=jobs
        )
        elapsed = time.perf_counter() - started
        if not quiet:
            console = Console(stderr=False)
            render(stats, console, elapsed)
            names = ", ".join(f"{out}/{name}" for name in OUTPUTS)
            console.print(f"wrote {names}", soft_wrap=True)


def _fail(code: int, *lines: str) -> NoReturn:
    err = Console(stderr=True)
    for line in lines:
        err.print(line, markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code) from None


def _replay(
    input_path: Path,
    out: Path,
    config: Path | None,
    trades: Path | None,
    *,
    skip_invalid: bool,
    quiet: bool,
    jobs: int,
) -> ReplayStats:
    try:
        settings = load_settings(config)
        items = open_source(
            input_path, trades, freqtrade_model_name=settings.replay.freqtrade_model_name
        )
    except (ConfigError, ValueError) as exc:
        _fail(2, f"[red]error:[/red] {exc}")
    if jobs > 1 and input_path.suffix.lower() not in (".jsonl", ".ndjson"):
        _fail(2, "[red]error:[/red] --jobs splits a .jsonl event log by account")
    from_trades = equity_from_trades(input_path)
    run: Callable[..., ReplayStats] = functools.partial(
        replay,
        items,
        settings.core,
        out,
        skip_invalid=skip_invalid,
        report=settings.report,
        equity_from_trades=from_trades,
        warnings=settings.warnings,
    )
    if jobs > 1:
        run = functools.partial(
            replay_jobs,
            input_path,
            settings.core,
            out,
            jobs=jobs,
            skip_invalid=skip_invalid,
            report=settings.report,
            warnings=settings.warnings,
        )
    show = (
        not quiet
        and jobs == 1
        and not from_trades
        and input_path.stat().st_size >= PROGRESS_MIN_BYTES
    )
    try:
        return _with_progress(run, input_path) if show else run()
    except ReplayError as exc:
        _fail(
            1,
            f"[red]error:[/red] {input_path}: line {exc.line}: {exc.reason}",
            "nothing written (use --skip-invalid to report and skip bad lines)",
        )
    except ValueError as exc:
        _fail(2, f"[red]error:[/red] {exc}")


def _with_progress(run: Callable[..., ReplayStats], input_path: Path) -> ReplayStats:
    total = _count_lines(input_path)
    with Progress(
        TextColumn("replay"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("replay", total=total)
        return run(progress=lambda n: bar.update(task, completed=n))
