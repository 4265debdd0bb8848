"""Load the configuration: one TOML file plus ``FEDERATION_<SECTION>__<KEY>`` overrides.

The result is frozen. Invalid configuration raises ``ConfigError`` naming the key.
Secrets (URLs with passwords) are redacted in ``repr``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from federation_ai.core.config import ConfigError, CoreConfig, build_section

if TYPE_CHECKING:
    from collections.abc import Mapping

ENV_PREFIX = "FEDERATION_"
_SERVICE_SECTIONS = ("service", "adapters")


def redact_url(url: str) -> str:
    """Hide the password of a URL like ``postgresql://user:secret@host/db``."""
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


_POSITIVE_SECONDS = (
    "retry_max_s",
    "redis_timeout_s",
    "redis_connect_timeout_s",
    "db_connect_timeout_s",
    "db_command_timeout_s",
    "sqlite_busy_timeout_s",
    "auth_lookup_timeout_s",
    "health_probe_s",
    "health_stall_s",
    "health_log_every_s",
)


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    bus_url: str = "memory://"
    db_url: str = ""  # empty: SQLite file in data_dir
    data_dir: str = "data"
    host: str = "127.0.0.1"
    port: int = 8000
    consumer_name: str = "federation-ai-1"
    batch_size: int = 500
    block_ms: int = 100
    claim_idle_ms: int = 30_000
    output_maxlen: int = 100_000
    metrics_public: bool = True
    max_body_bytes: int = 65_536
    log_level: str = "INFO"
    # failing dependencies (docs/service.md, "Honest health")
    retry_max_s: float = 0.5  # longest wait before a failed batch or publish is tried again
    redis_timeout_s: float = 5.0  # socket timeout of every bus command (above block_ms)
    redis_connect_timeout_s: float = 2.0
    db_connect_timeout_s: float = 5.0
    db_command_timeout_s: float = 10.0  # PostgreSQL statements of the service
    sqlite_busy_timeout_s: float = 5.0  # how long a SQLite write waits for the lock
    auth_lookup_timeout_s: float = 0.5  # then cached key digests answer
    health_probe_s: float = 0.25  # how often the store and the bus are probed
    health_stall_s: float = 2.0  # a call unanswered this long makes /health degraded
    health_log_every_s: float = 30.0  # reminder while a dependency keeps failing

    def __post_init__(self) -> None:
        for name in _POSITIVE_SECONDS:
            if not getattr(self, name) > 0:
                raise ConfigError(f"service.{name}", "must be above 0")
        if self.redis_timeout_s * 1000 <= self.block_ms:
            raise ConfigError(
                "service.redis_timeout_s", "must be longer than service.block_ms (a blocking read)"
            )

    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite+aiosqlite:///{Path(self.data_dir) / 'federation.db'}"

    def __repr__(self) -> str:
        return (
            f"ServiceConfig(bus_url={redact_url(self.bus_url)!r}, "
            f"db_url={redact_url(self.database_url())!r}, host={self.host!r}, port={self.port})"
        )


@dataclass(frozen=True, slots=True)
class AdaptersConfig:
    # each adapter: "memory", "redis" or "http"
    policy_store: str = "memory"
    ai_engine: str = "memory"
    ess: str = "memory"
    portfolio: str = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    policy_store_url: str = ""
    ai_engine_url: str = ""
    ess_url: str = ""
    portfolio_url: str = ""
    http_timeout_s: float = 2.0
    http_retries: int = 3
    redis_timeout_s: float = 2.0  # socket and connect timeout of the adapters' Redis client

    def __repr__(self) -> str:
        return (
            f"AdaptersConfig(policy_store={self.policy_store!r}, ai_engine={self.ai_engine!r}, "
            f"ess={self.ess!r}, portfolio={self.portfolio!r})"
        )


@dataclass(frozen=True, slots=True)
class Settings:
    core: CoreConfig = field(default_factory=CoreConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    adapters: AdaptersConfig = field(default_factory=AdaptersConfig)


def _parse_env_value(raw: str) -> Any:
    """Environment values are TOML literals where they parse (numbers, booleans, lists)."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def env_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].partition("__")
        out.setdefault(section.lower(), {})[key.lower()] = _parse_env_value(raw)
    return out


def _merge(base: dict[str, Any], extra: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for section, values in extra.items():
        target = merged.setdefault(section, {})
        if not isinstance(target, dict):
            raise ConfigError(section, "must be a table")
        target.update(values)
    return merged


def load_settings(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Read ``path`` (optional TOML), then environment overrides, then explicit overrides."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(str(path), "config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    data = _merge(data, env_overrides(os.environ if environ is None else environ))
    data = _merge(data, overrides or {})
    service = {k: data.pop(k) for k in _SERVICE_SECTIONS if k in data}
    core = CoreConfig.from_mapping(data)
    return Settings(
        core=core,
        service=build_section(ServiceConfig, service.get("service", {}), "service"),
        adapters=build_section(AdaptersConfig, service.get("adapters", {}), "adapters"),
    )
