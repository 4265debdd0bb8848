"""Initial schema: decisions, event log, account state, outbox, API keys.

Revision ID: 0001
Revises:
Create Date: 2024-03-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _serial() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "federation_decisions",
        sa.Column("decision_id", sa.String(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("decision_type", sa.String(), nullable=False),
        sa.Column("role_source", sa.String(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("timestamp", _utc(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("config_digest", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_federation_decisions"),
        sa.UniqueConstraint("seq", name="uq_federation_decisions_seq"),
    )
    op.create_index(
        "ix_federation_decisions_timestamp_desc",
        "federation_decisions",
        [sa.text("timestamp DESC")],
    )
    for columns in (
        ["role_source"],
        ["decision_type"],
        ["account_id", "timestamp"],
        ["account_id", "seq"],
        ["account_id", "event_id"],
    ):
        op.create_index(
            "ix_federation_decisions_" + "_".join(columns), "federation_decisions", columns
        )

    op.create_table(
        "federation_events",
        sa.Column("seq", _serial(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("timestamp", _utc(), nullable=False),
        sa.Column("envelope", _json(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_federation_events"),
        sa.UniqueConstraint(
            "account_id", "event_id", name="uq_federation_events_account_id_event_id"
        ),
        sa.CheckConstraint(
            "outcome IN ('processed', 'duplicate', 'out_of_order')",
            name="ck_federation_events_outcome",
        ),
    )

    op.create_table(
        "federation_state",
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.Column("last_event_id", sa.String(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_federation_state"),
    )

    op.create_table(
        "federation_outbox",
        sa.Column("id", _serial(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("decision_id", sa.String(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_federation_outbox"),
        sa.UniqueConstraint("kind", "decision_id", name="uq_federation_outbox_kind_decision_id"),
    )
    op.create_index(
        "ix_federation_outbox_done_next_attempt_at",
        "federation_outbox",
        ["done", "next_attempt_at"],
    )

    op.create_table(
        "federation_api_keys",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("key_hash", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("revoked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_federation_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_federation_api_keys_key_hash"),
        sa.CheckConstraint(
            "scope IN ('viewer', 'operator', 'admin')", name="ck_federation_api_keys_scope"
        ),
    )


def downgrade() -> None:
    op.drop_table("federation_api_keys")
    op.drop_index("ix_federation_outbox_done_next_attempt_at", table_name="federation_outbox")
    op.drop_table("federation_outbox")
    op.drop_table("federation_state")
    op.drop_table("federation_events")
    for name in (
        "timestamp_desc",
        "role_source",
        "decision_type",
        "account_id_timestamp",
        "account_id_seq",
        "account_id_event_id",
    ):
        op.drop_index("ix_federation_decisions_" + name, table_name="federation_decisions")
    op.drop_table("federation_decisions")
