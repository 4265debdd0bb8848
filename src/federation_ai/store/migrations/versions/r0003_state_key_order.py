"""PostgreSQL: keep each account's state as ``json`` text, not ``jsonb``.

JSONB stores an object's keys sorted (by length, then bytes), so a state read back
after a restart listed its dicts in another order than the one the core built: the
open research tasks of a restored account came out reordered, and the policy the
service published after a restart differed from the one before it. ``json`` keeps the
text as written. Rows written before this revision were already reordered by JSONB;
each is rewritten in order by the next batch that touches its account. SQLite stores
JSON as text and needs nothing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from federation_ai.store.migrations.state_column import postgresql_only, retype

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


@postgresql_only
def upgrade() -> None:
    retype("json")


@postgresql_only
def downgrade() -> None:
    retype("jsonb")
