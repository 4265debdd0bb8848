"""``federation db upgrade``: create or migrate the database schema."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import Annotated

import typer

from federation_ai.cli.common import database_url
from federation_ai.settings import redact_url


async def _upgrade(url: str) -> str | None:
    from federation_ai.store import Store  # noqa: PLC0415

    store = await Store.open(url)
    try:
        await store.upgrade()
        return await store.schema_revision()
    finally:
        await store.close()


H_DB = "database URL (default: from the config)"
H_JSON = "print the full report as JSON"


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def upgrade(
        db: Annotated[str | None, typer.Option("--db", help=H_DB)] = None,
        config: Annotated[Path | None, typer.Option("--config", help="TOML config file")] = None,
    ) -> None:
        """Migrate the schema to the newest revision (safe to run again)."""
        url = database_url(db, config)
        try:
            revision = asyncio.run(_upgrade(url))
        except (OSError, ValueError, RuntimeError) as exc:
            print(f"error: {redact_url(url)}: {exc}", file=sys.stderr)
            raise typer.Exit(1) from None
        print(f"{redact_url(url)}: schema at revision {revision}")
