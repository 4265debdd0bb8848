"""Send the pending alert rows: per channel one grouped message, retried with backoff.

Runs in a task of its own and sends each channel in its own task, so a receiver that
hangs or is down holds up neither the decisions (they only commit rows) nor another
channel. A channel's rows go once its oldest row is due: rows committed within
``group_s`` of it share its message; after a failure they all wait for the backoff.
Sent rows are kept as markers (``alert_ledger``); a crash between a send and its
marking sends that message again at the next start (with the same delivery id).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.alerts import alert_ledger
from federation_ai.alerts.messages import group
from federation_ai.alerts.redaction import describe
from federation_ai.store.rfc3339 import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from federation_ai.alerts.alerts_settings import AlertsConfig
    from federation_ai.alerts.channels import Channel
    from federation_ai.store import OutboxItem, Store

log = structlog.get_logger("federation_ai.alerts")
MAX_ROWS = 1000  # happenings in one message at most; the rest go with the next one
PRUNE_EVERY_S = 3600.0



@dataclass(slots=True)
class ChannelHealth:
    channel: str  # the URL without secrets
    tags: list[str]
    pending: int | None = None  # rows waiting, as of the last round
    messages: int = 0
    last_sent_at: str | None = None
    happenings: int = 0
    failures: int = 0
    last_error: str | None = None
    consecutive_failures: int = 0
    last_error_at: str | None = None
    retry_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "tags": self.tags,
            "healthy": self.consecutive_failures == 0,
            "messages_sent": self.messages,
            "happenings_sent": self.happenings,
            "failures": self.failures,
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "last_sent_at": self.last_sent_at,
            "retry_at": self.retry_at,
            "pending": self.pending,
        }


class AlertRelay:
    def __init__(
        self,
        store: Store,
        channels: Sequence[Channel],
        config: AlertsConfig,
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.channels = {c.id: c for c in channels}
        self.config = config
        self.now = now
        self.poll_s = min(0.5, config.group_s / 2)
        self.health = {c.id: ChannelHealth(c.shown, sorted(c.tags)) for c in channels}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._gone_logged: set[str] = set()
        self._round_lock = asyncio.Lock()  # one round at a time (the loop, drain, tests)

    def backoff(self, attempts: int) -> timedelta:
        cfg = self.config
        return timedelta(seconds=min(cfg.max_backoff_s, cfg.backoff_s * 2**attempts))

    async def run(self) -> None:
        last_prune = float("-inf")
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self.round()
                if loop.time() - last_prune >= PRUNE_EVERY_S:
                    keep = timedelta(days=self.config.keep_sent_days)
                    await alert_ledger.prune(self.store, self.now() - keep)
                    last_prune = loop.time()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the store may be down: look again later
                log.debug("alerts_round_failed", error=describe(exc))
            await asyncio.sleep(self.poll_s)

    async def round(self) -> bool:
        """Start a send for every channel whose oldest pending row is due; True if any."""
        async with self._round_lock:
            return await self._round()

    async def _round(self) -> bool:
        stats = await self.store.outbox_stats()
        started = False
        for kind, count in stats.items():
            if not kind.startswith(alert_ledger.PREFIX):
                continue
            cid = kind.removeprefix(alert_ledger.PREFIX)
            if cid not in self.channels:
                await self._drop_gone(kind)
                continue
            self.health[cid].pending = count
            if cid in self._tasks:
                continue
            rows = await self.store.pending_outbox(kind, MAX_ROWS)
            if rows and rows[0].next_attempt_at <= self.now():
                channel = self.channels[cid]
                self._tasks[cid] = asyncio.create_task(self._deliver(channel, rows))
                started = True
        for cid, health in self.health.items():
            if self.channels[cid].kind not in stats:
                health.pending = 0
        return started

    async def _drop_gone(self, kind: str) -> None:
        """Rows of a channel no longer configured: marked sent, said once in the log."""
        rows = await self.store.pending_outbox(kind, MAX_ROWS)
        if kind not in self._gone_logged:
            self._gone_logged.add(kind)
            log.warning("alert_channel_gone", kind=kind, dropped=len(rows))
        await alert_ledger.mark_sent(self.store, [r.id for r in rows], self.now())

    async def _deliver(self, channel: Channel, rows: list[OutboxItem]) -> None:
        health = self.health[channel.id]
        ids = [r.id for r in rows]
        try:
            message = group([r.payload for r in rows])
            try:
                async with asyncio.timeout(self.config.send_timeout_s):
                    await channel.sender.send(message)
            except Exception as exc:  # noqa: BLE001 - any failure is retried with backoff
                await self._failed(channel, rows, describe(exc))
                return
            now = self.now()
            health.messages += 1
            health.happenings += len(rows)
            health.consecutive_failures = 0
            health.last_sent_at, health.retry_at = now.isoformat(), None
            log.info(
                "alert_sent", channel=channel.shown, happenings=len(rows),
                severity=message.severity, delivery_id=message.delivery_id,
            )  # fmt: skip
            await alert_ledger.mark_sent(self.store, ids, now)
        except Exception as exc:  # noqa: BLE001 - the rows stay pending: the next round retries
            log.warning("alert_round_failed", channel=channel.shown, error=describe(exc))
        finally:
            self._tasks.pop(channel.id, None)

    async def _failed(self, channel: Channel, rows: list[OutboxItem], error: str) -> None:
        health = self.health[channel.id]
        now = self.now()
        retry_at = now + self.backoff(max(r.attempts for r in rows))
        health.failures += 1
        health.consecutive_failures += 1
        health.last_error, health.last_error_at = error, now.isoformat()
        health.retry_at = retry_at.isoformat()
        log.warning(
            "alert_failed", channel=channel.shown, happenings=len(rows), error=error,
            retry_at=retry_at.isoformat(),
        )  # fmt: skip
        await alert_ledger.mark_failed(self.store, [r.id for r in rows], error, retry_at)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def wait(self) -> None:
        """Until the sends in flight now are done."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def drain(self) -> None:
        """Send until nothing is due and nothing is in flight (tests, the CLI)."""
        while await self.round() or self.busy:
            await self.wait()

    async def stop(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        with contextlib.suppress(Exception):
            await self.wait()

    def as_status(self) -> list[dict[str, Any]]:
        return [h.as_dict() for h in self.health.values()]
