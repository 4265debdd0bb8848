"""``federation verify``: replay the stored event log and compare with the stored decisions."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import TYPE_CHECKING, Annotated

import typer

from federation_ai.cli.common import settings_or_exit
from federation_ai.settings import redact_url

if TYPE_CHECKING:
    from federation_ai.core import CoreConfig
    from federation_ai.service.verify import VerifyReport

MAX_SHOWN = 50


async def _verify(url: str, config: CoreConfig) -> VerifyReport:
    from federation_ai.service.verify import verify  # noqa: PLC0415
    from federation_ai.store import Store  # noqa: PLC0415

    store = await Store.open(url)
    try:
        return await verify(store, config)
    finally:
        await store.close()


H_DB = "database URL (default: from the config)"
H_JSON = "print the full report as JSON"


def register(app: typer.Typer) -> None:
    @app.command("verify")
    def verify_cmd(
        db: Annotated[str | None, typer.Option("--db", help=H_DB)] = None,
        config: Annotated[Path | None, typer.Option("--config", help="TOML config file")] = None,
        as_json: Annotated[bool, typer.Option("--json", help=H_JSON)] = False,
    ) -> None:
        """Replay the stored events through a fresh core; exit 1 on any difference."""
        settings = settings_or_exit(config)
        url = db or settings.service.database_url()
        try:
            report = asyncio.run(_verify(url, settings.core))
        except (OSError, ValueError, RuntimeError) as exc:
            print(f"error: {redact_url(url)}: {exc}", file=sys.stderr)
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(report.to_dict(), indent=2, default=str))
        else:
            for diff in report.differences[:MAX_SHOWN]:
                print(diff.describe())
            hidden = len(report.differences) - MAX_SHOWN
            if hidden > 0:
                print(f"... and {hidden} more (use --json for all)")
            print(
                f"{report.events} events replayed ({report.out_of_order} stored as out of "
                f"order): {report.replayed_decisions} decisions, "
                f"{report.stored_decisions} stored, {len(report.differences)} differences"
            )
        raise typer.Exit(0 if report.ok else 1)
