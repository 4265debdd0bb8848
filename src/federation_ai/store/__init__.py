"""Persistence: decisions (audit trail), event log, account state, outbox and API keys.

SQLAlchemy Core on an async engine; SQLite by default, PostgreSQL by URL. The
schema is managed by the Alembic migrations in `migrations/` (`Store.upgrade`).
"""

from federation_ai.store.engine import StoreTimeouts
from federation_ai.store.models import (
    PUBLISH,
    ApiKeyRecord,
    Batch,
    DecisionPage,
    DecisionQuery,
    EventRow,
    EventsAlreadyStoredError,
    InvalidQueryError,
    KeyExists,
    OutboxItem,
    OutboxRow,
    StoreError,
    UnsupportedDatabaseError,
)
from federation_ai.store.store import Store

__all__ = [
    "PUBLISH",
    "ApiKeyRecord",
    "Batch",
    "DecisionPage",
    "DecisionQuery",
    "EventRow",
    "EventsAlreadyStoredError",
    "InvalidQueryError",
    "KeyExists",
    "OutboxItem",
    "OutboxRow",
    "Store",
    "StoreError",
    "StoreTimeouts",
    "UnsupportedDatabaseError",
]
