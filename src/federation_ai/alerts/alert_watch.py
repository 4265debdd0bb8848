"""Happenings the shell observes: an adapter failing, the bus lagging, stale data.

Each is an *episode* from the first look that saw it to the first that did not; an
episode is one happening, its id stable for the episode (``stale:<account>:<since>``),
so the outbox keeps it to one message per channel however often it is seen. Looked at
every ``alerts.check_every_s``; the times are the service's clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation_ai.alerts.happenings import Happening, HappeningKind
from federation_ai.core.micros import US_PER_SECOND, format_timestamp

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from federation_ai.alerts.alerts_settings import AlertsConfig


class AlertWatch:
    def __init__(self, config: AlertsConfig) -> None:
        self.config = config
        self._since: dict[str, int] = {}  # episode key -> first seen (service clock, µs)

    def _episode(self, key: str, *, holds: bool, now: int, after_s: float) -> str | None:
        """The episode's id once it has held ``after_s``; None otherwise."""
        if not holds:
            self._since.pop(key, None)
            return None
        since = self._since.setdefault(key, now)
        if now - since < round(after_s * US_PER_SECOND):
            return None
        return f"{key}:{format_timestamp(since)}"

    def observe(
        self,
        now: int,
        *,
        adapter_failures: Mapping[str, int],
        bus_lag: int | None,
        stale_accounts: Sequence[str],
        input_stale: bool = False,
    ) -> list[Happening]:
        """One look: the happenings of the episodes that hold long enough (pure)."""
        at = format_timestamp(now)
        cfg = self.config
        out: list[Happening] = []
        seen: set[str] = set()
        for name, failures in sorted(adapter_failures.items()):
            key = f"adapter:{name}"
            seen.add(key)
            hid = self._episode(key, holds=failures > 0, now=now, after_s=cfg.adapter_failing_s)
            if hid is not None:
                summary = f"adapter {name} failing for over {cfg.adapter_failing_s:g} s"
                details = {"adapter": name, "consecutive_failures": failures}
                kind = HappeningKind.ADAPTER_FAILING
                out.append(Happening(hid, kind, None, summary, at, details))
        seen.add("bus:lag")
        hid = self._episode("bus:lag", holds=bool(bus_lag), now=now, after_s=cfg.bus_lag_s)
        if hid is not None:
            summary = f"bus lag above 0 for over {cfg.bus_lag_s:g} s ({bus_lag} messages behind)"
            out.append(Happening(hid, HappeningKind.BUS_LAG, None, summary, at, {"lag": bus_lag}))
        stale = [(f"stale:{aid}", aid) for aid in stale_accounts]
        for key, account in [*stale, *([("stale-input", None)] if input_stale else [])]:
            seen.add(key)
            hid = self._episode(key, holds=True, now=now, after_s=0.0)  # the watchdog waited
            if hid is not None:
                what = "no input on the bus" if account is None else f"{account}: no snapshot"
                out.append(
                    Happening(hid, HappeningKind.STALE_DATA, account, f"stale data: {what}", at)
                )
        for key in set(self._since) - seen:
            del self._since[key]  # over: the next time is a new episode
        return out
