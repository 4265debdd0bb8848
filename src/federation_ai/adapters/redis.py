"""Redis adapter backends, compatible with the seed's backend keys.

Policy goes to the hash ``quantum:policy:<account_id>``; the ``default`` account's
also to ``quantum:policy:current`` (where the seed's backend reads it). AI-engine
and ESS settings go to ``quantum:ai_engine:<account_id>`` and ``quantum:ess:<account_id>``.
Every hash holds one field per policy part (JSON), a few flat convenience fields,
``json`` (the whole update) and the causing decision's id and time.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from federation_ai.adapters.contracts import AdapterError, AdapterKind
from federation_ai.bus.contract import BusMessage, stream_key
from federation_ai.bus.envelope import envelope_to_event_dict

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis.asyncio import Redis

CURRENT_ACCOUNT = "default"
KEY_TEMPLATES: dict[str, str] = {
    "policy_store": "quantum:policy:{account_id}",
    "ai_engine": "quantum:ai_engine:{account_id}",
    "ess": "quantum:ess:{account_id}",
}
CURRENT_KEYS: dict[str, str] = {"policy_store": "quantum:policy:current"}
SNAPSHOT_EVENT = "portfolio.snapshot_updated"


def _flat(policy: dict[str, Any]) -> dict[str, str]:
    """Plain string fields a shell script or the seed's backend can read directly."""
    out: dict[str, str] = {}
    if "mode" in policy:
        out["trading_mode"] = str(policy["mode"])
    if isinstance(policy.get("capital_profile"), dict):
        out["capital_profile_name"] = str(policy["capital_profile"]["profile"])
    if isinstance(policy.get("risk_limits"), dict):
        out["risk_tier"] = str(policy["risk_limits"]["tier"])
    if isinstance(policy.get("frozen"), dict):
        out["is_frozen"] = "true" if policy["frozen"]["frozen"] else "false"
    if isinstance(policy.get("ess"), dict):
        out["ess_level"] = str(policy["ess"]["level"])
    return out


def hash_fields(update: dict[str, Any]) -> dict[str, str]:
    policy: dict[str, Any] = update["policy"]
    fields = {name: json.dumps(value, separators=(",", ":")) for name, value in policy.items()}
    fields.update(_flat(policy))
    fields.update(
        account_id=str(update["account_id"]),
        decision_id=str(update["decision_id"]),
        decision_type=str(update["decision_type"]),
        updated_at=str(update["timestamp"]),
        json=json.dumps(update, separators=(",", ":")),
    )
    return fields


class RedisBackend:
    """HSET of the update into the adapter's per-account hash (idempotent)."""

    def __init__(self, client: Redis, namespace: str = "") -> None:
        self._client = client
        self._ns = namespace
        self.description = "redis"

    def keys(self, kind: AdapterKind, account_id: str) -> list[str]:
        keys = [self._ns + KEY_TEMPLATES[kind.name].format(account_id=account_id)]
        if account_id == CURRENT_ACCOUNT and kind.name in CURRENT_KEYS:
            keys.append(self._ns + CURRENT_KEYS[kind.name])
        return keys

    async def write(self, kind: AdapterKind, update: dict[str, Any]) -> None:
        fields = hash_fields(update)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                for key in self.keys(kind, update["account_id"]):
                    pipe.hset(key, mapping=fields)  # type: ignore[arg-type]
                await pipe.execute()
        except (RedisError, OSError) as exc:
            raise AdapterError(f"{kind.name}: redis write failed: {exc}") from exc

    async def close(self) -> None:
        """The client is shared and closed by its owner."""


class RedisSnapshots:
    """The newest snapshot per account among the last entries of the snapshot input stream.

    Event ids come out exactly as the bus would make them, so the same entry arriving
    later through the bus is recognised as a duplicate.
    """

    description = "redis"

    def __init__(
        self,
        client: Redis,
        namespace: str = "",
        scan: int = 200,
        translate: Callable[[BusMessage], BusMessage] | None = None,
    ) -> None:
        self._client = client
        self._key = namespace + stream_key(SNAPSHOT_EVENT)
        self._scan = scan
        self._translate = translate  # an interop profile's, as the bus consumer applies it

    async def latest(self) -> list[dict[str, Any]]:
        try:
            entries = await self._client.xrevrange(self._key, count=self._scan)
        except (RedisError, OSError) as exc:
            raise AdapterError(f"portfolio: redis read failed: {exc}") from exc
        newest: dict[str, dict[str, Any]] = {}
        for entry_id, raw in entries or []:
            fields = {_text(k): _text(v) for k, v in (raw or {}).items()}
            msg = BusMessage(SNAPSHOT_EVENT, _text(entry_id), fields, 1)
            try:
                if self._translate is not None:
                    msg = self._translate(msg)
                event = envelope_to_event_dict(msg)
            except ValueError:
                continue
            newest.setdefault(str(event["account_id"]), event)
        return list(newest.values())

    async def close(self) -> None:
        """The client is shared and closed by its owner."""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
