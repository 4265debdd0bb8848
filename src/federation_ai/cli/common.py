"""What several commands share: loading the configuration or exiting with its error."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from federation_ai.core import ConfigError
from federation_ai.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    from federation_ai.settings import Settings


def settings_or_exit(config: Path | None) -> Settings:
    """The settings from ``config`` and the environment; exit 2 naming the bad key."""
    try:
        return load_settings(config)
    except ConfigError as exc:
        print(f"error: configuration: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


def database_url(db: str | None, config: Path | None) -> str:
    """``--db`` if given, else the configured database."""
    return db or settings_or_exit(config).service.database_url()
