"""Settings of the replay's inputs: the ``[replay]`` section (no decision depends on them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from federation_ai.core.core_config import ConfigError

MODEL_NAME_SOURCES: Final = ("strategy", "enter_tag")


@dataclass(frozen=True, slots=True)
class ReplayConfig:
    # freqtrade import: a trade's model_name is its strategy, or its enter_tag (falling
    # back to the strategy for a trade without one)
    freqtrade_model_name: str = "strategy"

    def __post_init__(self) -> None:
        if self.freqtrade_model_name not in MODEL_NAME_SOURCES:
            raise ConfigError(
                "replay.freqtrade_model_name", f"must be one of {', '.join(MODEL_NAME_SOURCES)}"
            )
