"""The enforcement adapter's start-up reconcile and its status (interop profile).

On start, one outbox row carries the current policy of the enforced account to the
enforcement adapter: whatever happened to the backend's keys while the service or
Redis was down (a freeze decided while Redis was unreachable, keys cleared by hand),
they are brought back in line, retried like any adapter call until Redis answers.
Status compares each halt key with what the policy asks for.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from federation_ai.adapters.backend_halt_keys import RedisEnforcement, compare
from federation_ai.adapters.contracts import ENFORCEMENT, outbox_kind, policy_update
from federation_ai.core import policy_view
from federation_ai.store import Batch, OutboxRow

if TYPE_CHECKING:
    from federation_ai.adapters import AdapterSet
    from federation_ai.service.pipeline import Pipeline
    from federation_ai.settings import Settings
    from federation_ai.store import Store

RECONCILE = "reconcile"


def enforcer(adapters: AdapterSet) -> RedisEnforcement | None:
    adapter = adapters.writers.get(ENFORCEMENT.name)
    backend = None if adapter is None else adapter.backend
    return backend if isinstance(backend, RedisEnforcement) else None


async def reconcile(
    settings: Settings, store: Store, pipeline: Pipeline, adapters: AdapterSet
) -> bool:
    """Queue the enforced account's current policy for the enforcement adapter; True if queued."""
    account = settings.interop.default_account
    acct = pipeline.state.accounts.get(account)
    if enforcer(adapters) is None or acct is None:
        return False  # no account yet: nothing decided, the backend's keys are its own
    view = policy_view(acct, settings.core)
    key = f"{RECONCILE}-{uuid.uuid4().hex}"
    cause = {
        "account_id": account,
        "decision_id": key,
        "decision_type": RECONCILE,
        "timestamp": view["last_event_at"],
    }
    row = OutboxRow(outbox_kind(ENFORCEMENT.name), key, policy_update(ENFORCEMENT, cause, view))
    await store.commit_batch(Batch(outbox=[row]))
    return True


async def observe(
    settings: Settings, pipeline: Pipeline, adapters: AdapterSet
) -> dict[str, Any] | None:
    """Each halt key against the policy now; ``None`` without the enforcement adapter."""
    backend = enforcer(adapters)
    if backend is None:
        return None
    seen = await backend.observe(datetime.now(UTC).isoformat())
    acct = pipeline.state.accounts.get(settings.interop.default_account)
    frozen = None if acct is None else bool(acct.policy.frozen)
    return compare(settings.interop, frozen, seen)
