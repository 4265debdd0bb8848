"""Settings of the stale-data watchdog: the ``[watchdog]`` section (docs/configuration.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from federation_ai.core.core_config import ConfigError

ON_STALE: Final = ("report", "degrade")


@dataclass(frozen=True, slots=True)
class WatchdogConfig:
    """The ``[watchdog]`` section (docs/configuration.md)."""

    stale_after_s: float = 60.0
    on_stale: str = "report"  # report | degrade
    check_every_s: float = 5.0

    def __post_init__(self) -> None:
        if self.stale_after_s <= 0:
            raise ConfigError("watchdog.stale_after_s", "must be > 0")
        if self.check_every_s <= 0:
            raise ConfigError("watchdog.check_every_s", "must be > 0")
        if self.on_stale not in ON_STALE:
            raise ConfigError("watchdog.on_stale", f"must be one of {', '.join(ON_STALE)}")
