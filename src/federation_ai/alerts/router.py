"""From happenings to outbox rows: one per channel the happening's rule reaches."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from federation_ai.alerts.happenings import from_decisions, from_warnings
from federation_ai.alerts.rules import effective_rules
from federation_ai.store import OutboxRow
from federation_ai.store.rfc3339 import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from federation_ai.alerts.alerts_settings import AlertsConfig
    from federation_ai.alerts.channels import Channel
    from federation_ai.alerts.happenings import Happening
    from federation_ai.core import Event
    from federation_ai.core.early_warnings import EarlyWarning


class StepAlerts(Protocol):
    """What the pipeline calls for each processed event (``AlertRouter.for_step``)."""

    def __call__(
        self, event: Event, decisions: Sequence[dict[str, Any]], warnings: Sequence[EarlyWarning]
    ) -> list[OutboxRow]: ...


log = structlog.get_logger("federation_ai.alerts")



class AlertRouter:
    def __init__(
        self,
        config: AlertsConfig,
        channels: Sequence[Channel],
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.rules = effective_rules(config)
        self.channels = tuple(channels)
        self._group = timedelta(seconds=config.group_s)
        self._now = now

    def rows(self, happenings: Iterable[Happening]) -> list[OutboxRow]:
        """Due after ``group_s``: a storm's happenings wait for each other to share a message."""
        due: datetime | None = None
        out: list[OutboxRow] = []
        for h in happenings:
            rule = self.rules.get(h.kind)
            if rule is None:
                continue
            payload: dict[str, Any] = {**h.to_dict(), "severity": rule.severity}
            for channel in self.channels:
                if rule.reaches(channel.tags):
                    due = due or self._now() + self._group
                    out.append(OutboxRow(channel.kind, h.happening_id, payload, due))
        return out

    def for_step(
        self,
        event: Event,
        decisions: Sequence[dict[str, Any]],
        warnings: Sequence[EarlyWarning],
    ) -> list[OutboxRow]:
        """The rows of one processed event, committed with its decisions (the pipeline).

        Never raises: a notification that cannot be derived is logged, and the batch
        commits without it (decisions never wait for alerts).
        """
        if not decisions and not warnings:
            return []
        try:
            found = [*from_decisions(decisions, event.payload), *from_warnings(warnings)]
            return self.rows(found)
        except Exception as exc:
            log.exception("alert_derivation_failed", event_id=event.event_id, error=repr(exc))
            return []
