"""The ``federation`` command line. Each command group lives in its own module."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

import typer

from federation_ai.cli import (
    alerts_cmd,
    db_cmd,
    keys_cmd,
    replay_cmd,
    serve_cmd,
    sweep_cmd,
    verify_cmd,
)

app = typer.Typer(
    name="federation",
    help="Federation AI: a governance layer for automated trading.",
    no_args_is_help=True,
    add_completion=False,
)


DISTRIBUTION = "federation-ai"


def _print_version(value: bool) -> None:
    if value:
        print(f"{DISTRIBUTION} {version(DISTRIBUTION)}")
        raise typer.Exit


@app.callback()
def main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", help="print the version and exit", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    """Federation AI: a governance layer for automated trading."""


# Each module adds its commands to the app.
for module in (replay_cmd, sweep_cmd, serve_cmd, db_cmd, verify_cmd, keys_cmd, alerts_cmd):
    module.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
