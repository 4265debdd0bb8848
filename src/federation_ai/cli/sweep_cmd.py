"""``federation sweep``: replay one input under every combination of settings, ranked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from federation_ai.cli.replay_cmd import TradesOption  # noqa: TC001 - Typer reads it at runtime
from federation_ai.core import ConfigError
from federation_ai.replay.replay_run import ReplayError
from federation_ai.whatif.executors import DaskExecutor, Executor, ProcessExecutor
from federation_ai.whatif.sweep import plan, sweep
from federation_ai.whatif.sweep_files import SWEEP_OUTPUTS, write_tables


def register(app: typer.Typer) -> None:
    @app.command("sweep")
    def sweep_cmd(
        input_path: Annotated[
            Path,
            typer.Argument(
                metavar="INPUT", help="what `federation replay` reads", exists=True, dir_okay=False
            ),
        ],
        sets: Annotated[
            list[str],
            typer.Option("--set", help="section.key=v1,v2,... (repeat; every combination runs)"),
        ],
        config: Annotated[Path | None, typer.Option("--config", help="base TOML config")] = None,
        trades: TradesOption = None,
        jobs: Annotated[int, typer.Option("--jobs", min=1, help="local worker processes")] = 1,
        scheduler: Annotated[
            str | None,
            typer.Option("--scheduler", help="run on a Dask cluster: tcp://host:8786"),
        ] = None,
        out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("out"),
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no table")] = False,
    ) -> None:
        """Replay INPUT under every combination of the --set values; write sweep.csv and
        sweep.html, ranked by governed Sharpe, then governed return."""
        err = Console(stderr=True)
        try:
            planned = plan(input_path, trades, sets, config)
            executor: Executor = DaskExecutor(scheduler) if scheduler else ProcessExecutor(jobs)
            rows = sweep(planned, executor)
        except ConfigError as exc:
            err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(2) from None
        except ReplayError as exc:
            err.print(
                f"[red]error:[/red] {input_path}: line {exc.line}: {exc.reason}", soft_wrap=True
            )
            raise typer.Exit(1) from None
        except ValueError as exc:
            err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(2) from None
        keys = [k for k, _ in planned[0].overrides]
        write_tables(out, rows, keys, input_path.name)
        if not quiet:
            console = Console()
            for r in rows[:10]:
                console.print(
                    f"{r['rank']:>3}  {r['config']}  sharpe {r['governed_sharpe']}  "
                    f"return {r['governed_return']}  max DD {r['governed_max_drawdown']}",
                    soft_wrap=True,
                    highlight=False,
                )
            names = ", ".join(f"{out}/{n}" for n in SWEEP_OUTPUTS)
            console.print(f"{len(rows)} configurations; wrote {names}", soft_wrap=True)
