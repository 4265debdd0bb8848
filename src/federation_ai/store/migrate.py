"""Programmatic Alembic: upgrade to head and inspect the schema revision."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from federation_ai.store.schema import VERSION_TABLE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An in-memory Alembic config; env.py uses `connection` when one is given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def upgrade_sync(connection: Connection, revision: str = "head") -> None:
    """Run inside `AsyncConnection.run_sync`, in the caller's transaction."""
    command.upgrade(alembic_config(connection), revision)


def current_revision_sync(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
