"""What revisions 0002 and 0003 do to ``federation_state.state`` on PostgreSQL (SQLite
has neither column storage options nor a JSON type of its own: they change nothing there)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Callable

_LZ4 = sa.text(
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)
PAGE_TUPLE_TARGET = 8160  # the largest PostgreSQL accepts for the default 8 KiB page


def postgresql_only(step: Callable[[], None]) -> Callable[[], None]:
    """``step`` runs on PostgreSQL and is skipped on any other database."""

    def run() -> None:
        if op.get_bind().dialect.name == "postgresql":
            step()

    return run


def set_compression(default: bool = False) -> None:
    """lz4 where the server has it (else its default, pglz); ``default``: back to the default."""
    if default or op.get_bind().execute(_LZ4).scalar():
        kind = "DEFAULT" if default else "lz4"
        op.execute(f"ALTER TABLE federation_state ALTER COLUMN state SET COMPRESSION {kind}")


def retype(kind: str) -> None:
    """The state column as ``kind`` (``json`` or ``jsonb``), keeping 0002's compression: a
    column of a new type takes the default compression again."""
    op.execute(f"ALTER TABLE federation_state ALTER COLUMN state TYPE {kind} USING state::{kind}")
    set_compression()
