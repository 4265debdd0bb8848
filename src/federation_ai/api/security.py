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
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from federation_ai.service.faults import describe_error

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
class KeyStoreUnavailable(Exception):  # noqa: N818 - reads as a state
    """The store cannot say whether a key is valid, and the key was never seen valid."""


STORE, CACHED = "store", "cached"  # where the last key check got its answer
KNOWN_KEYS = 1024  # digests remembered as last known good


class Authenticator:
    """Resolves a presented key to a ``Principal`` via stored keys (and bootstrap keys).

    Successful look-ups are cached for ``cache_seconds`` (keyed by digest), so a
    revoked key stops working within that time. Unknown keys are never cached. One
    store look-up per digest at a time: when the entry of a busy key expires, the
    requests that arrive meanwhile wait for that look-up instead of each querying
    the store (under load, dozens queued behind the database thread).

    When the store fails or does not answer within ``lookup_timeout_s``, a key whose
    digest was last seen valid (among the last ``KNOWN_KEYS``) is let in from memory
    and ``source`` says ``cached`` until the store answers again; any other key gets
    ``KeyStoreUnavailable`` (a 503), never a 500 or a wait without bound. A key
    revoked meanwhile works from memory until the store answers again.
    """

    def __init__(
        self,
        store: KeyLookup,
        bootstrap: Iterable[BootstrapKey] = (),
        cache_seconds: float = 2.0,
        lookup_timeout_s: float = 0.5,
    ) -> None:
        self._store = store
        self._bootstrap = tuple(bootstrap)
        self._cache_seconds = cache_seconds
        self._lookup_timeout_s = lookup_timeout_s
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._lookups: dict[str, asyncio.Future[Principal | None]] = {}  # in flight
        self._known: OrderedDict[str, Principal] = OrderedDict()  # last known good
        self.source = STORE
        self.source_since: datetime | None = None
        self.lookup_error: str | None = None  # the last failed look-up (None: answered)
        self.lookup_error_at: datetime | None = None

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
            try:
                async with asyncio.timeout(self._lookup_timeout_s):
                    principal = await self._look_up(digest)
            except Exception as exc:  # noqa: BLE001 - a store that fails or hangs
                principal = self._from_memory(digest, exc)
            else:
                self._answered(digest, principal)
        if principal is None:
            self._cache.pop(digest, None)
            return None
        if self._cache_seconds > 0:
            if len(self._cache) > 1024:
                self._cache.clear()
            self._cache[digest] = (now + self._cache_seconds, principal)
        return principal

    def _answered(self, digest: str, principal: Principal | None) -> None:
        if self.source != STORE or self.source_since is None:
            self.source, self.source_since = STORE, datetime.now(UTC)
        self.lookup_error = self.lookup_error_at = None
        if principal is None:
            self._known.pop(digest, None)
            return
        self._known[digest] = principal
        self._known.move_to_end(digest)
        while len(self._known) > KNOWN_KEYS:
            self._known.popitem(last=False)

    def _from_memory(self, digest: str, exc: Exception) -> Principal:
        error = "no answer in time" if isinstance(exc, TimeoutError) else describe_error(exc)
        self.lookup_error, self.lookup_error_at = error, datetime.now(UTC)
        principal = self._known.get(digest)
        if principal is None:
            raise KeyStoreUnavailable("API keys cannot be checked now: the store does not answer")
        if self.source != CACHED:
            self.source, self.source_since = CACHED, self.lookup_error_at
        return principal

    def state(self) -> dict[str, Any]:
        """For status: where key checks are answered from, since when, the last error."""
        error = None
        if self.lookup_error is not None and self.lookup_error_at is not None:
            error = {"error": self.lookup_error, "at": self.lookup_error_at.isoformat()}
        since = None if self.source_since is None else self.source_since.isoformat()
        return {"source": self.source, "since": since, "last_error": error}

    async def _look_up(self, digest: str) -> Principal | None:
        lookup = self._lookups.get(digest)
        if lookup is None:
            # a task of its own: a request that goes away (or stops waiting) does not
            # cancel the others' answer
            lookup = asyncio.ensure_future(self._find(digest))
            self._lookups[digest] = lookup
            lookup.add_done_callback(lambda done: self._done(digest, done))
        return await asyncio.shield(lookup)

    def _done(self, digest: str, lookup: asyncio.Future[Principal | None]) -> None:
        self._lookups.pop(digest, None)
        if not lookup.cancelled():
            lookup.exception()  # retrieved: a look-up nobody waits for any more may fail

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
