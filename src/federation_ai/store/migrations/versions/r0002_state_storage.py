"""PostgreSQL: keep each account's state in its row, compressed with lz4.

Every batch rewrites the state of the accounts it touched; an account with some
history is several KiB of JSON. By default PostgreSQL compresses it with pglz and,
still above 2 KiB, moves it out of line into the TOAST table: two tables and their
indexes written per account per batch. lz4 compresses faster, and a tuple target of
a whole page keeps the compressed state inline. Measured on a batch of two accounts
with the demo feed's history: commit p50 1.80 -> 1.58 ms. A server built without lz4
keeps pglz. SQLite has nothing of the kind.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

from federation_ai.store.migrations.state_column import (
    PAGE_TUPLE_TARGET,
    postgresql_only,
    set_compression,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


@postgresql_only
def upgrade() -> None:
    op.execute(f"ALTER TABLE federation_state SET (toast_tuple_target = {PAGE_TUPLE_TARGET})")
    set_compression()


@postgresql_only
def downgrade() -> None:
    op.execute("ALTER TABLE federation_state RESET (toast_tuple_target)")
    set_compression(default=True)
