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

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from federation_ai.core.decisions import APPLIED
from federation_ai.core.vocabulary import MODE_LEVEL, PROFILE_LEVEL, TIERS

if TYPE_CHECKING:
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


class Scoring:
    """One account's scored decisions, each kept only until its horizon has passed.

    Fed in the account's order: :meth:`at` before each event's decisions and snapshot,
    :meth:`add` for each scored decision, :meth:`on_snapshot` with each snapshot's raw
    NAV. A window's start is known once a later event comes, its end once an event
    after ``t + H`` comes (that event's snapshot is past the end); the windows still
    open at the end are settled by :meth:`finish` with the account's last event.
    """

    __slots__ = ("_at", "_first", "_nav", "_pending", "_unstarted", "horizon_us", "tallies")

    def __init__(self, horizon_us: int) -> None:
        self.horizon_us = horizon_us
        self.tallies: dict[str, Tally] = {}
        self._pending: deque[list[Any]] = deque()  # [t + H, role, direction, start NAV]
        self._unstarted = 0  # the last pending ones, all at ``_at``: start NAV not known yet
        self._at = 0
        self._nav: float | None = None  # of the latest snapshot
        self._first: float | None = None  # of the first snapshot

    def at(self, ts: int) -> None:
        if self._unstarted and ts > self._at:
            self._start()
        pending = self._pending
        while pending and pending[0][0] < ts:
            self._verdict(pending.popleft())

    def add(self, ts: int, role: str, way: int) -> None:
        self.tallies.setdefault(role, Tally())
        self._pending.append([ts + self.horizon_us, role, way, None])
        self._unstarted += 1
        self._at = ts

    def on_snapshot(self, nav: float) -> None:
        if self._first is None:
            self._first = nav
        self._nav = nav

    def finish(self, last_event_ts: int | None) -> None:
        self._start()
        pending = self._pending
        while pending:
            entry = pending.popleft()
            if last_event_ts is None or entry[0] > last_event_ts:
                self.tallies[entry[1]].uncounted += 1
            else:
                self._verdict(entry)

    def _start(self) -> None:
        """The last snapshot at or before the unstarted decisions (None: the first one)."""
        for i in range(1, self._unstarted + 1):
            self._pending[-i][3] = self._nav
        self._unstarted = 0

    def _verdict(self, entry: list[Any]) -> None:
        _, role, way, start = entry
        tally = self.tallies[role]
        end = self._nav  # the last snapshot at or before the window's end
        if end is None:
            tally.uncounted += 1
            return
        begin = self._first if start is None else start  # not None: there is a snapshot
        change = round(end - (begin or 0.0), 9)
        if change == 0.0:
            tally.uncounted += 1
            return
        tally.counted += 1
        if change * way > 0:
            tally.right += 1
