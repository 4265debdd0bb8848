"""Load the configuration: one TOML file plus ``FEDERATION_<SECTION>__<KEY>`` overrides.

The result is frozen. Invalid configuration raises ``ConfigError`` naming the key.
Secrets (URLs with passwords) are redacted in ``repr``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from federation_ai.alerts.alerts_settings import AlertsConfig
from federation_ai.core.core_config import ConfigError, CoreConfig, build_section, section_hints
from federation_ai.core.early_warnings import WarningsConfig
from federation_ai.interop.interop_settings import InteropConfig
from federation_ai.replay.replay_settings import ReplayConfig
from federation_ai.report.report_settings import ReportConfig
from federation_ai.watchdog_config import WatchdogConfig

if TYPE_CHECKING:
    from collections.abc import Mapping

ENV_PREFIX = "FEDERATION_"
_SERVICE_MINIMUMS = {"max_accounts": 1, "max_message_bytes": 1024}
# Every event waits this long at most before it is decided: a lateness is for clock
# skew between producers (milliseconds), not for events minutes late.
MAX_MERGE_LATENESS_MS = 10_000


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
    # How late (entry-id time) an older event may reach the bus and still be merged
    # before a newer one of its account; 0: only a tie in one millisecond (docs/bus.md).
    merge_lateness_ms: int = 0
    output_maxlen: int = 100_000
    metrics_public: bool = True
    max_body_bytes: int = 65_536
    max_accounts: int = 1_000  # a new account beyond it is refused (422 / dead letter)
    max_message_bytes: int = 65_536  # a larger bus message is dead-lettered (a sample)
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
        for key, least in _SERVICE_MINIMUMS.items():
            value = getattr(self, key)
            if value < least:
                raise ConfigError(f"service.{key}", f"must be at least {least}, got {value}")
        if not 0 <= self.merge_lateness_ms <= MAX_MERGE_LATENESS_MS:
            raise ConfigError(
                "service.merge_lateness_ms", f"must be between 0 and {MAX_MERGE_LATENESS_MS}"
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
class ApiConfig:
    """The HTTP server's defences against slow and abusive clients (docs/security.md)."""

    header_timeout_s: float = 10.0  # a request line and headers must arrive within this
    body_timeout_s: float = 30.0  # a request body must arrive within this after its head
    max_head_bytes: int = 16_384  # request line + headers; over it: 431
    keep_alive_s: int = 5  # an idle keep-alive connection is closed after this
    max_connections: int = 1000  # connections + running requests, server-wide; over: 503
    max_connections_per_client: int = 100  # open connections of one client address; over: 429
    auth_failure_limit: int = 20  # refused keys of one client within the window before 429
    auth_failure_window_s: float = 60.0  # the counting window, and how long a client is held
    auth_tracked_clients: int = 10_000  # clients the failure counter remembers (oldest go)
    stream_key_check_s: float = 5.0  # an open SSE stream re-checks its key this often

    def __post_init__(self) -> None:
        for name in ("header_timeout_s", "body_timeout_s", "auth_failure_window_s",
                     "stream_key_check_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"api.{name}", "must be > 0")
        for name in ("max_head_bytes", "keep_alive_s", "auth_failure_limit",
                     "auth_tracked_clients"):
            if getattr(self, name) < 1:
                raise ConfigError(f"api.{name}", "must be >= 1")
        for name in ("max_connections", "max_connections_per_client"):
            if getattr(self, name) < 0:
                raise ConfigError(f"api.{name}", "must be >= 0 (0: no limit)")


@dataclass(frozen=True, slots=True)
class IngestConfig:
    """Rules of live ingest (bus and HTTP) that need the wall clock; replay has none."""

    # an event stamped further ahead of the service's clock is refused (dead letter / 422)
    max_future_skew_s: float = 300.0

    def __post_init__(self) -> None:
        if self.max_future_skew_s <= 0:
            raise ConfigError("ingest.max_future_skew_s", "must be > 0")


@dataclass(frozen=True, slots=True)
class Settings:
    core: CoreConfig = field(default_factory=CoreConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    adapters: AdaptersConfig = field(default_factory=AdaptersConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    interop: InteropConfig = field(default_factory=InteropConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    replay: ReplayConfig = field(default_factory=ReplayConfig)
    warnings: WarningsConfig = field(default_factory=WarningsConfig)
    watchdog: WatchdogConfig = field(default_factory=WatchdogConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)


# the top-level TOML tables that are not the core's
_SERVICE_SECTIONS = tuple(f.name for f in fields(Settings) if f.name != "core")


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
    hints = section_hints(Settings)
    sections = {k: build_section(hints[k], service.get(k, {}), k) for k in _SERVICE_SECTIONS}
    return Settings(core=core, **sections)
