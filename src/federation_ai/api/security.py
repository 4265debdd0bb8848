"""API keys: generation, hashing, lookup and scope checks.

Only SHA-256 hex digests of keys are stored. A presented key is hashed, looked up
by its digest, and the digests are compared with ``hmac.compare_digest``. Keys and
digests are never logged; ``Principal`` carries only the key's name and scope.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable

SCOPES: Final = ("viewer", "operator", "admin")
SCOPE_LEVEL: Final = {s: i for i, s in enumerate(SCOPES)}
KEY_PREFIX: Final = "fed_"


def generate_key() -> str:
    """A new random API key: ``fed_`` + 43 URL-safe characters (256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The lowercase SHA-256 hex digest stored for ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def scope_allows(granted: str, needed: str) -> bool:
    return SCOPE_LEVEL.get(granted, -1) >= SCOPE_LEVEL[needed]


def granted_scopes(scope: str) -> list[str]:
    """The scope and every scope below it: ``operator`` -> ``["viewer", "operator"]``."""
    level = SCOPE_LEVEL.get(scope, -1)
    return [s for s in SCOPES if SCOPE_LEVEL[s] <= level]


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: the key's name and scope (never the key)."""

    name: str
    scope: str

    def allows(self, needed: str) -> bool:
        return scope_allows(self.scope, needed)


@dataclass(frozen=True, slots=True)
class BootstrapKey:
    """A key given at start-up (e.g. for a demo) instead of stored in the database."""

    name: str
    scope: str
    key_hash: str = field(repr=False)

    @classmethod
    def from_key(cls, name: str, scope: str, key: str) -> BootstrapKey:
        if scope not in SCOPE_LEVEL:
            raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")
        if not name or not key:
            raise ValueError("a bootstrap key needs a name and a non-empty key")
        return cls(name, scope, hash_key(key))


class KeyRecord(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def scope(self) -> str: ...

    @property
    def key_hash(self) -> str: ...


class KeyLookup(Protocol):
    """Where stored keys are found: the service's read port."""

    async def find_api_key(self, key_hash: str) -> KeyRecord | None: ...


class Authenticator:
    """Resolves a presented key to a ``Principal`` via stored keys (and bootstrap keys).

    Successful look-ups are cached for ``cache_seconds`` (keyed by digest), so a
    revoked key stops working within that time. Unknown keys are never cached. One
    store look-up per digest at a time: when the entry of a busy key expires, the
    requests that arrive meanwhile wait for that look-up instead of each querying
    the store (under load, dozens queued behind the database thread).
    """

    def __init__(
        self,
        store: KeyLookup,
        bootstrap: Iterable[BootstrapKey] = (),
        cache_seconds: float = 2.0,
    ) -> None:
        self._store = store
        self._bootstrap = tuple(bootstrap)
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._lookups: dict[str, asyncio.Future[Principal | None]] = {}  # in flight

    def __repr__(self) -> str:
        return f"Authenticator(bootstrap_keys={len(self._bootstrap)})"

    async def authenticate(self, key: str) -> Principal | None:
        digest = hash_key(key)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        principal = self._bootstrap_match(digest)
        if principal is None:
            principal = await self._look_up(digest)
        if principal is None:
            self._cache.pop(digest, None)
            return None
        if self._cache_seconds > 0:
            if len(self._cache) > 1024:
                self._cache.clear()
            self._cache[digest] = (now + self._cache_seconds, principal)
        return principal

    async def _look_up(self, digest: str) -> Principal | None:
        lookup = self._lookups.get(digest)
        if lookup is None:
            # a task of its own: a request that goes away does not cancel the others' answer
            lookup = asyncio.ensure_future(self._find(digest))
            self._lookups[digest] = lookup
            lookup.add_done_callback(lambda _: self._lookups.pop(digest, None))
        return await asyncio.shield(lookup)

    async def _find(self, digest: str) -> Principal | None:
        record = await self._store.find_api_key(digest)
        if record is not None and hmac.compare_digest(record.key_hash, digest):
            return Principal(record.name, record.scope)
        return None

    def _bootstrap_match(self, digest: str) -> Principal | None:
        found: Principal | None = None
        for key in self._bootstrap:  # compare against every key: no early exit
            if hmac.compare_digest(key.key_hash, digest):
                found = Principal(key.name, key.scope)
        return found
