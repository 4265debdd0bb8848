"""One account's line in ``status()``, and the summary over every account."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from federation_ai.core.micros import US_PER_SECOND
from federation_ai.core.view import roles_enabled

if TYPE_CHECKING:
    from collections.abc import Iterable

    from federation_ai.core import AccountState


def account_status(acct: AccountState, now_us: int) -> dict[str, Any]:
    p = acct.policy
    return {
        "mode": p.mode,
        "profile": p.profile,
        "tier": p.tier_name,
        "frozen": p.frozen,
        "freeze_triggers": list(p.freeze_triggers),
        "roles_enabled": roles_enabled(p),
        "last_event_id": acct.last_event_id,
        # > 0: the account's clock is ahead of the service's (see the clock re-anchor)
        "clock_skew_s": None
        if acct.last_ts is None
        else round((acct.last_ts - now_us) / US_PER_SECOND, 3),
    }


def account_summary(accounts: Iterable[AccountState], max_accounts: int | None) -> dict[str, Any]:
    """Counts over every account, so ``status()`` stays small however many there are."""
    modes: Counter[str] = Counter()
    tiers: Counter[str] = Counter()
    frozen = total = 0
    for acct in accounts:
        p = acct.policy
        modes[p.mode] += 1
        tiers[p.tier_name] += 1
        frozen += bool(p.frozen)
        total += 1
    return {
        "total": total,
        "max_accounts": max_accounts,
        "frozen": frozen,
        "by_mode": dict(sorted(modes.items())),
        "by_tier": dict(sorted(tiers.items())),
    }
