"""Settings of the governed replay report (SPEC §13): the ``[report]`` section.

They change what the report computes, never a decision, so they are not part of
the decision core's configuration or its digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from federation_ai.core.core_config import ConfigError
from federation_ai.core.vocabulary import PROFILES

AUTO: Final = "auto"
NAV: Final = "nav"
TRADES: Final = "trades"
METHODS: Final = (AUTO, NAV, TRADES)


@dataclass(frozen=True, slots=True)
class ReportConfig:
    method: str = AUTO  # auto | nav | trades
    baseline_profile: str | None = None  # None: the CEO's initial profile
    accuracy_horizon_days: float = 5.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError("report.method", f"must be one of {', '.join(METHODS)}")
        if self.baseline_profile is not None and self.baseline_profile not in PROFILES:
            raise ConfigError("report.baseline_profile", f"must be one of {', '.join(PROFILES)}")
        if not self.accuracy_horizon_days > 0:
            raise ConfigError("report.accuracy_horizon_days", "must be > 0")

    def resolve_method(self, equity_from_trades: bool) -> str:
        """``auto`` is ``trades`` where the replay rebuilt equity from trades, else ``nav``."""
        if self.method != AUTO:
            return self.method
        return TRADES if equity_from_trades else NAV
