"""Decision accuracy (SPEC §13): did the NAV move the way a decision bet on?

A *protective* decision is an applied ``freeze``, a ``mode_change`` to less exposure
(LIVE > SHADOW > PAUSED > EMERGENCY), a ``capital_profile`` downgrade or a
``risk_adjustment`` to a higher tier; an *expansive* one is an ``unfreeze``, a mode
change to more exposure, an upgrade or a lower tier. With horizon ``H``, a decision at
``t`` is right when the raw flow-neutral NAV change over ``(t, t + H]`` — from the last
snapshot at or before ``t`` (the first snapshot if there is none) to the last at or
before ``t + H`` — is < 0 for a protective and > 0 for an expansive decision. A window
whose change rounds to 0 at 9 decimals, or whose end is after the account's last
event, is not counted. Only applied decisions are scored: the others changed nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.decisions import APPLIED
from federation_ai.core.vocabulary import MODE_LEVEL, PROFILE_LEVEL, TIERS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from federation_ai.core.decisions import Decision

PROTECTIVE: Final = -1
EXPANSIVE: Final = 1


def _sign(before: int, after: int) -> int | None:
    if after == before:
        return None
    return EXPANSIVE if after > before else PROTECTIVE


def direction(d: Decision, tier_before: int) -> int | None:
    """PROTECTIVE, EXPANSIVE or None (not scored) for one decision."""
    if d.status != APPLIED:
        return None
    p = d.payload
    match d.decision_type:
        case "freeze":
            return PROTECTIVE
        case "unfreeze":
            return EXPANSIVE
        case "mode_change":
            return _sign(MODE_LEVEL[p["previous_mode"]], MODE_LEVEL[p["mode"]])
        case "capital_profile":
            return _sign(PROFILE_LEVEL[p["previous_profile"]], PROFILE_LEVEL[p["profile"]])
        case "risk_adjustment":
            # a higher tier means less exposure
            return _sign(TIERS.index(p["tier"]), tier_before)
    return None


@dataclass(frozen=True, slots=True)
class Scored:
    ts: int
    role: str
    direction: int


@dataclass(slots=True)
class Tally:
    right: int = 0
    counted: int = 0
    uncounted: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "right": self.right,
            "counted": self.counted,
            "uncounted": self.uncounted,
            "accuracy": self.right / self.counted if self.counted else None,
        }


def score(
    decisions: Iterable[Scored],
    ts: Sequence[int],
    nav: Sequence[float],
    *,
    last_event_ts: int | None,
    horizon_us: int,
    tallies: dict[str, Tally],
) -> None:
    """Add each decision's verdict to ``tallies`` (by role)."""
    for d in decisions:
        tally = tallies.setdefault(d.role, Tally())
        end_t = d.ts + horizon_us
        end = bisect_right(ts, end_t) - 1
        if last_event_ts is None or end_t > last_event_ts or end < 0:
            tally.uncounted += 1
            continue
        start = max(bisect_right(ts, d.ts) - 1, 0)
        change = round(nav[end] - nav[start], 9)
        if change == 0.0:
            tally.uncounted += 1
            continue
        tally.counted += 1
        if change * d.direction > 0:
            tally.right += 1
