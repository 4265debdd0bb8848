"""An account's clock: the rule for events ahead of it, and the re-anchor that resets it.

The wall clock is never read here; the shell passes its own time in.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from federation_ai.core.event_codec import InvalidEvent
from federation_ai.core.micros import US_PER_SECOND, clamp_ts, day_of, format_timestamp
from federation_ai.core.state import Pin

if TYPE_CHECKING:
    from federation_ai.core.event_codec import Event
    from federation_ai.core.state import AccountState


def too_far_ahead(path: str, ts: int | None, now_us: int, max_skew_s: float) -> InvalidEvent | None:
    """Why the instant ``ts`` (at ``path``) is refused at ``now_us``, or ``None``."""
    if ts is None or ts <= now_us + round(max_skew_s * US_PER_SECOND):
        return None
    ahead = (ts - now_us) / US_PER_SECOND
    return InvalidEvent(
        path,
        f"{format_timestamp(ts)} is {ahead:.0f} s ahead of the service clock "
        f"({format_timestamp(now_us)}); at most {max_skew_s:g} s are accepted "
        "(ingest.max_future_skew_s)",
    )


def ahead_of(event: Event, now_us: int, max_skew_s: float) -> InvalidEvent | None:
    """Why ``event`` cannot be taken live at ``now_us``, or ``None``.

    An event stamped more than ``max_skew_s`` ahead of ``now_us`` would move the
    account's clock past every real event to come (all of them then out of order).
    The target of a ``reanchor_clock`` command is held to the same limit.
    """
    return too_far_ahead("timestamp", event.ts, now_us, max_skew_s) or too_far_ahead(
        "payload.clock_at", event.payload.get("clock_at"), now_us, max_skew_s
    )


def _back(ts: int, anchor: int) -> int:
    return min(ts, anchor)


def _pin_back(pin: Pin | None, anchor: int) -> Pin | None:
    """A pin set after the anchor starts at the anchor and keeps its length."""
    if pin is None or pin.set_at <= anchor:
        return pin
    until = None if pin.until is None else clamp_ts(anchor + pin.until - pin.set_at)
    return Pin(key_name=pin.key_name, set_at=anchor, until=until)


def reanchor(acct: AccountState, anchor: int) -> None:
    """Set the account's clock to ``anchor``; every instant recorded after it moves back to it.

    So nothing the account holds lies in its future: a freeze's minimum time, pins,
    research cooldowns and the rolling max-DD window count from the anchor, and the
    anchor's day becomes the current trading day (the next day rolls normally).
    """
    m, p = acct.metrics, acct.policy
    acct.last_ts = anchor
    if m.day is not None and m.day > day_of(anchor):
        m.day = day_of(anchor)
    m.mdd_window = deque((_back(ts, anchor), dd) for ts, dd in m.mdd_window)
    for stats in m.models.values():
        stats.updated_at = _back(stats.updated_at, anchor)
    p.research_last = {k: _back(ts, anchor) for k, ts in p.research_last.items()}
    if p.frozen_since is not None:
        p.frozen_since = _back(p.frozen_since, anchor)
    p.mode_pin = _pin_back(p.mode_pin, anchor)
    p.risk_pin = _pin_back(p.risk_pin, anchor)
