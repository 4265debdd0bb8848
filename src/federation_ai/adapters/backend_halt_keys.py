"""Enforcement on the trading backend's own Redis keys (the ``quantum_trader`` profile).

What halts the backend's trading is not a decision message but a few string keys its
governor and execution services check (``interop.halt_keys``). A freeze sets them, the
reason key names the triggers and the decision; an unfreeze deletes them. The policy
goes into the backend's policy hash (``interop.policy_key``, JSON-string fields, as its
live services read it) under our own field prefix; its other fields are not touched.
One server-side script checks each key's type first and refuses, writing nothing, if
a key holds another type: the error names the key. Every write is idempotent (the
outbox may repeat it). Only ``interop.default_account`` is enforced: the backend's
messages all map to that account.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError, ResponseError

from federation_ai.adapters.contracts import AdapterError

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from federation_ai.adapters.contracts import AdapterKind
    from federation_ai.interop.interop_settings import InteropConfig

REASON_PREFIX = "federation-ai"
# KEYS[1] policy hash, KEYS[2] reason key, KEYS[3..] halt keys.
# ARGV[1] "1" freeze / "0" unfreeze, ARGV[2] reason, ARGV[3] "1": replace the reason
# ("0": set it only if there is none), ARGV[4..3+n] halt values, then field/value pairs
# of the hash. Refuses (error reply, nothing written) on a wrong type.
WRITE = """
local function wrong(key, want)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then
    return 'refused: ' .. key .. ' holds a ' .. t .. ', not a ' .. want
  end
  return false
end
local problem = wrong(KEYS[1], 'hash')
for i = 2, #KEYS do problem = problem or wrong(KEYS[i], 'string') end
if problem then return redis.error_reply(problem) end
local n = #KEYS - 2
if ARGV[1] == '1' then
  for i = 1, n do redis.call('SET', KEYS[2 + i], ARGV[3 + i]) end
  if ARGV[3] == '1' or redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('SET', KEYS[2], ARGV[2])
  end
else
  for i = 1, n do redis.call('DEL', KEYS[2 + i]) end
  redis.call('DEL', KEYS[2])
end
local pairs_at = 4 + n
if #ARGV >= pairs_at then
  redis.call('HSET', KEYS[1], unpack(ARGV, pairs_at))
end
return n
"""


def halt_reason(update: dict[str, Any]) -> str:
    """Names the triggers and, when the update comes with it, the freeze decision."""
    frozen = update["policy"]["frozen"]
    triggers = ", ".join(frozen.get("triggers") or []) or "none"
    freeze_id = update.get("freeze_decision_id")
    cause = f"decision {freeze_id}" if freeze_id else f"since {frozen.get('since')}"
    return f"{REASON_PREFIX}: frozen by {cause}, triggers: {triggers}"


def policy_fields(update: dict[str, Any], prefix: str) -> dict[str, str]:
    """Our fields of the backend's policy hash: JSON strings, plain strings as they are."""
    policy = update["policy"]
    frozen = policy["frozen"]
    values: dict[str, Any] = {
        "mode": policy["mode"],
        "frozen": frozen["frozen"],
        "freeze_triggers": frozen.get("triggers") or [],
        "frozen_since": frozen.get("since"),
        "capital_profile": policy["capital_profile"],
        "risk_limits": policy["risk_limits"],
        "decision_id": update["decision_id"],
        "decision_type": update["decision_type"],
        "updated_at": update["timestamp"],
    }
    return {
        prefix + name: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for name, value in values.items()
    }


def expected_keys(cfg: InteropConfig, frozen: bool | None) -> dict[str, str | None]:
    """What each halt key should hold for the policy (``None``: absent)."""
    return {key: (value if frozen else None) for key, value in cfg.halt_keys.items()}


def compare(cfg: InteropConfig, frozen: bool | None, observed: dict[str, Any]) -> dict[str, Any]:
    """Each halt key against the policy, for status and the dashboard."""
    keys = {}
    for key, want in expected_keys(cfg, frozen).items():
        seen = observed.get("keys", {}).get(key)
        keys[key] = {"value": seen, "expected": want, "matches": seen == want}
    return {
        "account_id": cfg.default_account,
        "frozen": frozen,
        "checked_at": observed.get("checked_at"),
        "error": observed.get("error"),
        "keys": keys,
        "reason": observed.get("reason"),
        "policy_key": cfg.policy_key,
        "policy_frozen": observed.get("policy_frozen"),
        "all_match": frozen is not None
        and observed.get("error") is None
        and all(k["matches"] for k in keys.values()),
    }


class RedisEnforcement:
    """The enforcement backend on the adapters' Redis (``namespace`` prefixes every key)."""

    description = "redis"

    def __init__(self, client: Redis, cfg: InteropConfig, namespace: str = "") -> None:
        self._client = client
        self._cfg = cfg
        self._ns = namespace

    def _keys(self) -> list[str]:
        cfg = self._cfg
        return [self._ns + k for k in (cfg.policy_key, cfg.halt_reason_key, *cfg.halt_keys)]

    async def write(self, kind: AdapterKind, update: dict[str, Any]) -> None:
        cfg = self._cfg
        if update["account_id"] != cfg.default_account:
            return  # the backend trades one account
        frozen = bool(update["policy"]["frozen"]["frozen"])
        replace = "1" if update.get("freeze_decision_id") else "0"
        args = ["1" if frozen else "0", halt_reason(update), replace, *cfg.halt_keys.values()]
        for name, value in policy_fields(update, cfg.policy_field_prefix).items():
            args.extend((name, value))
        keys = self._keys()
        try:
            await self._client.eval(WRITE, len(keys), *keys, *args)
        except ResponseError as exc:
            raise AdapterError(f"{kind.name}: {exc}") from exc
        except (RedisError, OSError) as exc:
            raise AdapterError(f"{kind.name}: redis write failed: {exc}") from exc

    async def observe(self, clock: str) -> dict[str, Any]:
        """The halt keys, the reason and our frozen field as they are now (never raises)."""
        cfg = self._cfg
        names = list(cfg.halt_keys)
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key in names:
                    pipe.get(self._ns + key)
                pipe.get(self._ns + cfg.halt_reason_key)
                pipe.type(self._ns + cfg.policy_key)
                values = await pipe.execute(raise_on_error=False)
            policy_frozen = None
            if _text(values[-1]) == "hash":
                raw = await self._client.hget(
                    self._ns + cfg.policy_key, cfg.policy_field_prefix + "frozen"
                )
                policy_frozen = None if raw is None else json.loads(_text(raw))
        except (RedisError, OSError, ValueError) as exc:
            return {"checked_at": clock, "error": f"{type(exc).__name__}: {exc}", "keys": {}}
        return {
            "checked_at": clock,
            "error": None,
            "keys": {
                k: None if isinstance(v, Exception) or v is None else _text(v)
                for k, v in zip(names, values, strict=False)
            },
            "reason": None if values[-2] is None else _text(values[-2]),
            "policy_frozen": policy_frozen,
        }

    async def close(self) -> None:
        """The client is shared and closed by its owner."""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
