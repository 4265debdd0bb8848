"""The decision core's configuration: frozen, validated, with a SHA-256 digest.

Every number of SPEC is a default (``config_sections``). Sections mirror the TOML file:
one per role plus ``metrics`` and ``core``. ``CoreConfig.from_mapping`` validates a
plain mapping (from TOML and the environment, ``config_reading``) and names the
offending key; ``config_checks`` holds the rules between values.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from federation_ai.core.config_checks import check_semantics
from federation_ai.core.config_reading import ConfigError, build_section, section_hints
from federation_ai.core.config_sections import (
    CeoConfig,
    CfoConfig,
    CioConfig,
    CroConfig,
    MetricsConfig,
    ResearcherConfig,
    SupervisorConfig,
)

__all__ = [
    "CeoConfig",
    "CfoConfig",
    "CioConfig",
    "ConfigError",
    "CoreConfig",
    "CroConfig",
    "MetricsConfig",
    "ResearcherConfig",
    "SupervisorConfig",
    "build_section",
    "section_hints",
]


@dataclass(frozen=True)
class CoreConfig:
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    supervisor: SupervisorConfig = field(default_factory=SupervisorConfig)
    cro: CroConfig = field(default_factory=CroConfig)
    ceo: CeoConfig = field(default_factory=CeoConfig)
    cio: CioConfig = field(default_factory=CioConfig)
    cfo: CfoConfig = field(default_factory=CfoConfig)
    researcher: ResearcherConfig = field(default_factory=ResearcherConfig)
    # ``sha256:<hex>`` of the canonical JSON of the effective configuration: every
    # decision carries it, so it is computed once, with the configuration (a field, not
    # a cached property: the compiled core has no per-instance cache).
    digest: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_semantics(self)
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        object.__setattr__(self, "digest", "sha256:" + hashlib.sha256(text.encode()).hexdigest())

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.init}

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> CoreConfig:
        """Build from a nested mapping; unknown or ill-typed keys raise ConfigError."""
        sections: dict[str, Any] = {}
        known = {f.name: f for f in dataclasses.fields(cls) if f.init}
        for name, value in data.items():
            if name not in known:
                raise ConfigError(name, f"unknown section (known: {', '.join(known)})")
            if not isinstance(value, dict):
                raise ConfigError(name, "must be a table")
            section_type = section_hints(cls)[name]
            sections[name] = build_section(section_type, value, name)
        return cls(**sections)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
