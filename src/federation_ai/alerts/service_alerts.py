"""The service's notifications in one object: channels, router, relay and watch.

Built from ``[alerts]`` by ``build_alerts``; the pipeline adds ``for_step``'s rows to
each batch, the service runs ``run`` in a task of its own and shows ``as_status``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.alerts import alert_ledger, log_redaction
from federation_ai.alerts.alert_relay import AlertRelay
from federation_ai.alerts.alert_watch import AlertWatch
from federation_ai.alerts.channels import build_channels
from federation_ai.alerts.happenings import Happening, HappeningKind
from federation_ai.alerts.messages import group
from federation_ai.alerts.redaction import describe
from federation_ai.alerts.router import AlertRouter
from federation_ai.store.rfc3339 import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from federation_ai.alerts.alerts_settings import AlertsConfig
    from federation_ai.alerts.channels import Channel
    from federation_ai.store import Store

log = structlog.get_logger("federation_ai.alerts")



class Alerts:
    def __init__(self, config: AlertsConfig, channels: list[Channel], store: Store | None) -> None:
        self.config = config
        self.channels = channels
        self.router = AlertRouter(config, channels)
        self.watch = AlertWatch(config)
        self.relay = None if store is None else AlertRelay(store, channels, config)
        self._store = store
        self._queued: set[str] = set()  # episode ids already in the outbox

    def __repr__(self) -> str:
        return f"Alerts(channels={[c.shown for c in self.channels]!r})"

    @property
    def for_step(self) -> Any:
        """The pipeline's hook (``AlertRouter.for_step``), or None with no channel."""
        return self.router.for_step if self.channels else None

    async def run(
        self,
        *,
        clock: Callable[[], int],
        bus_lag: Callable[[], int | None],
        adapters: Mapping[str, Any],
        watchdog: Any,
    ) -> None:
        """Relay and watch until cancelled (nothing to do without a channel)."""
        if not self.channels or self.relay is None:
            return
        urls = [c.url for c in self.channels]
        secrets = log_redaction.secrets_of(urls, self.config.webhook_secret)
        uninstall = log_redaction.install(secrets)
        def seen() -> dict[str, Any]:
            return {
                "adapter_failures": {n: h.consecutive_failures for n, h in adapters.items()},
                "bus_lag": bus_lag(),
                "stale_accounts": list(watchdog.stale),
                "input_stale": bool(watchdog.input_stale),
            }

        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self.relay.run())
                tasks.create_task(self._watch(clock, seen))
        finally:
            await self.relay.stop()
            uninstall()

    async def _watch(self, clock: Callable[[], int], seen: Callable[[], dict[str, Any]]) -> None:
        """Look every ``check_every_s``: ``seen`` gathers what the service shows now."""
        while True:
            try:
                await self.look(clock(), **seen())
            except Exception as exc:  # noqa: BLE001 - the store may be down: the next look retries
                log.debug("alerts_watch_failed", error=describe(exc))
            await asyncio.sleep(self.config.check_every_s)

    async def look(self, now: int, **seen: Any) -> list[Happening]:
        """One look of the watch; its new happenings go into the outbox."""
        happenings = self.watch.observe(now, **seen)
        new = [h for h in happenings if h.happening_id not in self._queued]
        if new and self._store is not None:
            await alert_ledger.enqueue(self._store, self.router.rows(new), utc_now())
            for h in new:
                log.warning("alert_happening", kind=h.kind, happening_id=h.happening_id)
        self._queued = {h.happening_id for h in happenings}
        return new

    async def send_test(self) -> list[tuple[Channel, str | None]]:
        """A test message straight to every channel (not through the outbox): each
        channel with None if it took the message, else the error."""
        at = utc_now()
        happening = Happening(
            f"test:{at.isoformat()}", HappeningKind.TEST, None,
            "test message: this channel receives Federation AI alerts", at.isoformat(),
        )  # fmt: skip
        message = group([{**happening.to_dict(), "severity": "info"}])

        async def one(channel: Channel) -> tuple[Channel, str | None]:
            try:
                async with asyncio.timeout(self.config.send_timeout_s):
                    await channel.sender.send(message)
            except Exception as exc:  # noqa: BLE001 - reported per channel
                return channel, describe(exc)
            return channel, None

        return list(await asyncio.gather(*(one(c) for c in self.channels)))

    def as_status(self) -> dict[str, Any]:
        return {
            "channels": [] if self.relay is None else self.relay.as_status(),
            "rules": {k: {"severity": r.severity, "tags": sorted(r.tags)}
                      for k, r in self.router.rules.items()},
        }  # fmt: skip


def build_alerts(config: AlertsConfig, store: Store | None) -> Alerts:
    """The channels of ``config`` (ConfigError naming the entry if one is unusable)."""
    channels = build_channels(
        config.urls, secret=config.webhook_secret, timeout_s=config.send_timeout_s
    )
    return Alerts(config, channels, store)
