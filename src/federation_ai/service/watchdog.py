"""The stale-data watchdog (wall clock, shell only).

An account is *stale* when no new portfolio snapshot of it has reached the service
for ``watchdog.stale_after_s`` of the service's clock; the input as a whole is stale
when no event at all was processed for that long. The watchdog notices a new
snapshot by the account's latest snapshot payload changing (the pipeline's state,
read only), so the decision path carries no hook for it.

With ``on_stale = "degrade"`` it writes a ``system.health_updated`` event (DEGRADED,
``active_alerts ["stale_data"]``, source ``federation-watchdog``) for a stale account
through the normal ingest path, so the event log holds it and a replay decides the
same; when snapshots return, a HEALTHY event from the watchdog restores the mode.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import structlog

from federation_ai.core import InvalidEvent
from federation_ai.core.micros import format_timestamp
from federation_ai.core.vocabulary import HEALTH

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from federation_ai.service.pipeline import Pipeline
    from federation_ai.service.prometheus_metrics import ServiceMetrics
    from federation_ai.service.wall_clock import Clock
    from federation_ai.watchdog_config import WatchdogConfig

SOURCE: Final = "federation-watchdog"
US: Final = 1_000_000
log = structlog.get_logger("federation_ai.watchdog")


@dataclass(eq=False)
class Watchdog:
    config: WatchdogConfig
    pipeline: Pipeline  # read only: the accounts' snapshots and the events processed
    metrics: ServiceMetrics
    clock: Clock
    ingest: Callable[[dict[str, Any]], Awaitable[Any]]  # the normal ingest path
    stale: list[str] = field(default_factory=list, init=False)
    input_stale: bool = field(default=False, init=False)
    # account -> (snapshot, first seen at); the input's (events processed, first seen at)
    _seen: dict[str, tuple[object, int]] = field(default_factory=dict, init=False)
    _input: tuple[int, int] | None = field(default=None, init=False)
    _degraded: set[str] = field(default_factory=set, init=False)  # marked DEGRADED here
    _written: int = field(default=0, init=False)

    async def run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception as exc:  # noqa: BLE001 - the watchdog keeps looking; said in the log
                log.warning("watchdog_check_failed", error=repr(exc))
            await asyncio.sleep(self.config.check_every_s)

    async def check(self) -> list[str]:
        """Look once; returns the stale accounts (and writes health events if degrading)."""
        now = self.clock()
        limit = round(self.config.stale_after_s * US)
        stale: list[str] = []
        for aid, acct in sorted(self.pipeline.state.accounts.items()):
            # the newest snapshot's entry of the rolling-DD window: a new object per snapshot
            window = acct.metrics.mdd_window
            snapshot = window[-1] if window else None
            seen = self._seen.get(aid)
            if seen is None or seen[0] is not snapshot:
                self._seen[aid] = (snapshot, now)
            elif now - seen[1] > limit:
                stale.append(aid)
        processed = self.pipeline.events_processed
        if self._input is None or self._input[0] != processed:
            self._input = (processed, now)
        self.input_stale = now - self._input[1] > limit
        newly = sorted(set(stale) - set(self.stale))
        if newly:
            log.warning("stale_data", accounts=newly, stale_after_s=self.config.stale_after_s)
        self.stale = stale
        self.metrics.stale_accounts.set(len(stale))
        self.metrics.input_stale.set(int(self.input_stale))
        if self.config.on_stale == "degrade":
            await self._degrade(set(stale), now)
        return stale

    async def _degrade(self, stale: set[str], now: int) -> None:
        for aid in sorted(stale - self._degraded):
            if await self._write(aid, now, "DEGRADED", ["stale_data"]):
                self._degraded.add(aid)
        for aid in sorted(self._degraded - stale):
            if await self._write(aid, now, "HEALTHY", []):
                self._degraded.discard(aid)

    async def _write(self, account_id: str, now: int, status: str, alerts: list[str]) -> bool:
        acct = self.pipeline.state.accounts.get(account_id)
        last = acct.last_ts if acct is not None and acct.last_ts is not None else now
        self._written += 1
        envelope = {
            "event_type": HEALTH,
            "event_id": f"watchdog-{account_id}-{format_timestamp(now)}-{self._written}",
            "account_id": account_id,
            "timestamp": format_timestamp(max(now, last)),  # never behind the account
            "source": SOURCE,
            "payload": {"overall_status": status, "active_alerts": alerts},
        }
        try:
            await self.ingest(envelope)
        except InvalidEvent as exc:
            log.warning("watchdog_event_refused", account_id=account_id, reason=str(exc))
            return False
        log.info("watchdog_health", account_id=account_id, overall_status=status)
        return True

    def as_status(self) -> dict[str, Any]:
        return {
            "stale_after_s": self.config.stale_after_s,
            "on_stale": self.config.on_stale,
            "stale_accounts": list(self.stale),
            "input_stale": self.input_stale,
        }
