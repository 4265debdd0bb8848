"""Table definitions (SQLAlchemy Core). The migrations create exactly this schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

from federation_ai.store.models import API_SCOPES, EVENT_OUTCOMES

VERSION_TABLE = "federation_alembic_version"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL stores `timestamptz`. SQLite has no zone support, so the value is
    stored as naive UTC text (fixed width, so it sorts and compares correctly) and
    the zone is put back when reading.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime given to the store: {value.isoformat()}")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - signature imposed by TypeDecorator
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """The CHECK text ``column IN ('a', 'b')`` for a list of the core's vocabulary."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def json_type() -> TypeEngine[Any]:
    """JSON text on SQLite, JSONB on PostgreSQL."""
    return JSON().with_variant(JSONB(), "postgresql")


def ordered_json_type() -> TypeEngine[Any]:
    """JSON text on both: PostgreSQL's ``json`` keeps an object's keys in their order.

    An account's state holds dicts whose order the core reads (the open research tasks
    in the order they were filed): JSONB would hand them back sorted by key length, and
    a restarted service would publish a different policy than the one it stopped with.
    """
    return JSON()


def _seq_type() -> TypeEngine[int]:
    # SQLite only auto-assigns an INTEGER PRIMARY KEY (the rowid alias).
    return BigInteger().with_variant(Integer(), "sqlite")


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

decisions = Table(
    "federation_decisions",
    metadata,
    Column("decision_id", String, primary_key=True),
    # PostgreSQL assigns seq from an identity; on SQLite the store assigns it
    # inside the batch's write transaction.
    Column("seq", BigInteger, Identity(), nullable=False),
    Column("event_id", String, nullable=False),
    Column("account_id", String, nullable=False),
    Column("decision_type", String, nullable=False),
    Column("role_source", String, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", json_type(), nullable=False),
    Column("status", String, nullable=False),
    Column("config_digest", String, nullable=False),
    UniqueConstraint("seq"),
)
Index("ix_federation_decisions_timestamp_desc", decisions.c.timestamp.desc())
Index(None, decisions.c.role_source)
Index(None, decisions.c.decision_type)
Index(None, decisions.c.account_id, decisions.c.timestamp)
Index(None, decisions.c.account_id, decisions.c.seq)
Index(None, decisions.c.account_id, decisions.c.event_id)

events = Table(
    "federation_events",
    metadata,
    Column("seq", _seq_type(), primary_key=True, autoincrement=True),
    Column("account_id", String, nullable=False),
    Column("event_id", String, nullable=False),
    Column("event_type", String, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("envelope", json_type(), nullable=False),
    Column("outcome", String, nullable=False),
    UniqueConstraint("account_id", "event_id"),
    CheckConstraint(one_of("outcome", EVENT_OUTCOMES), name="outcome"),
)

states = Table(
    "federation_state",
    metadata,
    Column("account_id", String, primary_key=True),
    Column("state", ordered_json_type(), nullable=False),
    Column("last_event_id", String, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "federation_outbox",
    metadata,
    Column("id", _seq_type(), primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),
    Column("decision_id", String, nullable=False),
    Column("payload", json_type(), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("done", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("kind", "decision_id"),
)
Index(None, outbox.c.done, outbox.c.next_attempt_at)

api_keys = Table(
    "federation_api_keys",
    metadata,
    Column("name", String, primary_key=True),
    Column("key_hash", String, nullable=False),
    Column("scope", String, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("key_hash"),
    CheckConstraint(one_of("scope", API_SCOPES), name="scope"),
)

ALL_TABLES: tuple[Table, ...] = (decisions, events, states, outbox, api_keys)
