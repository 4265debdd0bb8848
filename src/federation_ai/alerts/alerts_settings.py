"""Settings of the notifications: the ``[alerts]`` section (docs/configuration.md).

``urls`` hold secrets (tokens, passwords): this section's ``repr`` never shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from federation_ai.alerts.happenings import HappeningKind, Severity
from federation_ai.core.core_config import ConfigError

OFF = "off"  # a kind whose severity is "off" is never sent
_POSITIVE = (
    "group_s", "adapter_failing_s", "bus_lag_s", "check_every_s", "backoff_s",
    "max_backoff_s", "send_timeout_s", "keep_sent_days",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """The ``[alerts]`` section (docs/configuration.md)."""

    # Apprise URLs, or "webhook+https://..." for the signed JSON webhook; each may be
    # prefixed with tags as in Apprise's own files: "oncall,ops=mailtos://..."
    urls: tuple[str, ...] = ()
    webhook_secret: str = field(default="", repr=False)  # HMAC-SHA256 key of the webhook
    severity: dict[str, str] = field(default_factory=dict)  # kind -> severity | "off"
    routes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> channel tags
    group_s: float = 2.0  # a first happening waits this long for others to share its message
    adapter_failing_s: float = 60.0  # an adapter failing this long is a happening
    bus_lag_s: float = 60.0  # the consumer behind the bus this long is a happening
    check_every_s: float = 5.0  # how often adapters, bus lag and stale data are looked at
    backoff_s: float = 1.0  # first retry after a failed send; doubles up to max_backoff_s
    max_backoff_s: float = 300.0
    send_timeout_s: float = 10.0  # one send to one channel
    keep_sent_days: float = 7.0  # how long a sent happening's key is kept (no second send)

    def __post_init__(self) -> None:
        kinds = {k.value for k in HappeningKind}
        levels = {*(s.value for s in Severity), OFF}
        for kind, level in self.severity.items():
            if kind not in kinds:
                raise ConfigError(f"alerts.severity.{kind}", f"unknown kind ({_list(kinds)})")
            if level not in levels:
                raise ConfigError(f"alerts.severity.{kind}", f"must be one of {_list(levels)}")
        for kind in self.routes:
            if kind not in kinds:
                raise ConfigError(f"alerts.routes.{kind}", f"unknown kind (known: {_list(kinds)})")
        for name in _POSITIVE:
            if not getattr(self, name) > 0:
                raise ConfigError(f"alerts.{name}", "must be > 0")
        if self.max_backoff_s < self.backoff_s:
            raise ConfigError("alerts.max_backoff_s", "must be >= alerts.backoff_s")
        for i, url in enumerate(self.urls):
            if "://" not in url:
                raise ConfigError(f"alerts.urls[{i}]", "must be a URL (scheme://...)")

    def __repr__(self) -> str:
        return (
            f"AlertsConfig(urls=<{len(self.urls)} URL(s), not shown>, "
            f"webhook_secret={'<set>' if self.webhook_secret else '<unset>'}, "
            f"severity={self.severity!r}, routes={self.routes!r}, group_s={self.group_s})"
        )


def _list(names: set[str]) -> str:
    return ", ".join(sorted(names))
