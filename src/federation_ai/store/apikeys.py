"""API key records: only sha256 hashes are stored, never the keys themselves."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from federation_ai.store import schema
from federation_ai.store.engine import write_transaction
from federation_ai.store.models import API_SCOPES, ApiKeyRecord, KeyExists
from federation_ai.store.row_codec import record_from_row

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

_SHA256_HEX_LEN = 64
MAX_NAME_LENGTH = 200
# control, format (bidi overrides, zero-width), line/paragraph separators, unassigned
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a key (it shows in listings and the audit trail), or None."""
    if not name.strip():
        return "the key needs a name"
    if len(name) > MAX_NAME_LENGTH:
        return f"a key name has at most {MAX_NAME_LENGTH} characters"
    if name != name.strip():
        return "a key name cannot start or end with white space"
    if any(unicodedata.category(c) in HIDDEN_CATEGORIES for c in name):
        return "a key name cannot hold control, format or separator characters"
    return None


async def add(engine: AsyncEngine, name: str, scope: str, key_hash: str) -> None:
    problem = name_problem(name)
    if problem is not None:
        raise ValueError(problem)
    if scope not in API_SCOPES:
        raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(API_SCOPES)}")
    if len(key_hash) != _SHA256_HEX_LEN or any(c not in "0123456789abcdef" for c in key_hash):
        raise ValueError("key_hash must be a lowercase sha256 hex digest")
    t = schema.api_keys
    values = {
        "name": name,
        "key_hash": key_hash,
        "scope": scope,
        "created_at": datetime.now(UTC),
        "revoked": False,
    }
    try:
        async with write_transaction(engine) as conn:
            await conn.execute(t.insert().values(values))
    except IntegrityError as exc:
        async with engine.connect() as conn:
            name_taken = await conn.scalar(select(exists().where(t.c.name == name)))
        what = f"an API key named {name!r}" if name_taken else "an API key with this hash"
        raise KeyExists(f"{what} already exists") from exc


async def find(engine: AsyncEngine, key_hash: str) -> ApiKeyRecord | None:
    t = schema.api_keys
    stmt = select(t).where(t.c.key_hash == key_hash, t.c.revoked.is_(False))
    async with engine.connect() as conn:
        row = (await conn.execute(stmt)).mappings().first()
    return None if row is None else record_from_row(ApiKeyRecord, row)


async def list_all(engine: AsyncEngine) -> list[ApiKeyRecord]:
    t = schema.api_keys
    async with engine.connect() as conn:
        rows = (await conn.execute(select(t).order_by(t.c.name))).mappings().all()
    return [record_from_row(ApiKeyRecord, row) for row in rows]


async def revoke(engine: AsyncEngine, name: str) -> bool:
    """Revoke by name; True when a key by that name exists (revoking twice is harmless)."""
    t = schema.api_keys
    async with write_transaction(engine) as conn:
        result = await conn.execute(update(t).where(t.c.name == name).values(revoked=True))
    return bool(result.rowcount)
