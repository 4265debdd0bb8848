"""The live service's early warnings: the core's pure function, plus what was committed.

The pipeline evaluates each processed step into a batch's draft (``evaluate``) and
hands the draft over only once the batch's commit landed (``accept``): a batch that
fails leaves the warnings as they were, like the accounts. Warnings are never
stored with the decisions; after a restart, ``seed`` marks the limits an account is
already past as active, so a restart does not warn again about them.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import structlog

from federation_ai.core.early_warnings import LIMITS, WarningsConfig, WarningState, evaluate, seed

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from federation_ai.core import AccountState
    from federation_ai.core.core_config import SupervisorConfig
    from federation_ai.core.early_warnings import EarlyWarning
    from federation_ai.service.prometheus_metrics import ServiceMetrics

RECENT = 50  # warnings kept for status and the dashboard's message area
log = structlog.get_logger("federation_ai.warnings")


class WarningTracker:
    def __init__(
        self, config: WarningsConfig, supervisor: SupervisorConfig, metrics: ServiceMetrics
    ) -> None:
        self.config = config
        self._supervisor = supervisor
        self._metrics = metrics
        self.state: WarningState = {}
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)

    def seed(self, accounts: Mapping[str, AccountState]) -> None:
        found = {aid: seed(a.metrics, self._supervisor, self.config) for aid, a in accounts.items()}
        self.state = {aid: limits for aid, limits in found.items() if limits}
        self._set_gauge()

    def evaluate(
        self, draft: WarningState, account: AccountState
    ) -> tuple[WarningState, list[EarlyWarning]]:
        return evaluate(draft, account, self._supervisor, self.config)

    def accept(self, state: WarningState, fired: Iterable[EarlyWarning]) -> None:
        """A committed batch's warning state and the warnings it fired."""
        self.state = state
        for w in fired:
            record = w.to_dict()
            self.recent.append(record)
            self._metrics.early_warnings.labels(str(w.limit)).inc()
            log.warning("early_warning", **record)
        self._set_gauge()

    def active(self) -> dict[str, list[str]]:
        """Account id -> its active warnings (limit names, in a fixed order)."""
        return {
            aid: [str(limit) for limit in LIMITS if limit in limits]
            for aid, limits in sorted(self.state.items())
        }

    def as_status(self) -> dict[str, Any]:
        return {
            "enabled": self.config.enabled,
            "active": self.active(),
            "recent": list(self.recent),
        }

    def _set_gauge(self) -> None:
        for limit in LIMITS:
            count = sum(limit in limits for limits in self.state.values())
            self._metrics.early_warnings_active.labels(str(limit)).set(count)
