"""Rules as data: each happening kind's severity and the channel tags it goes to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from federation_ai.alerts.alerts_settings import OFF
from federation_ai.alerts.happenings import HappeningKind, Severity

if TYPE_CHECKING:
    from collections.abc import Collection

    from federation_ai.alerts.alerts_settings import AlertsConfig

ALL: Final = "all"  # the tag every channel has

DEFAULT_SEVERITY: Final[dict[str, str]] = {
    HappeningKind.FREEZE: Severity.CRITICAL,
    HappeningKind.UNFREEZE: Severity.WARNING,
    HappeningKind.VETO: Severity.WARNING,
    HappeningKind.EMERGENCY_DOWNGRADE: Severity.CRITICAL,
    HappeningKind.OPERATOR_MODE_CHANGE: Severity.WARNING,
    HappeningKind.ESS_CRITICAL: Severity.CRITICAL,
    HappeningKind.ADAPTER_FAILING: Severity.CRITICAL,
    HappeningKind.BUS_LAG: Severity.WARNING,
    HappeningKind.STALE_DATA: Severity.WARNING,
    HappeningKind.EARLY_WARNING: Severity.INFO,
    HappeningKind.TEST: Severity.INFO,
}


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    severity: str
    tags: frozenset[str]  # channels with any of these tags get it; "all": every channel

    def reaches(self, channel_tags: Collection[str]) -> bool:
        return ALL in self.tags or not self.tags.isdisjoint(channel_tags)


def effective_rules(config: AlertsConfig) -> dict[str, Rule]:
    """Kind -> rule: the defaults with the configured severities and routes over them;
    a kind set to "off" has no rule."""
    out: dict[str, Rule] = {}
    for kind, default in DEFAULT_SEVERITY.items():
        severity = config.severity.get(kind, default)
        if severity == OFF:
            continue
        name = str(kind)  # plain strings: orjson refuses str subclasses as keys
        out[name] = Rule(name, str(severity), frozenset(config.routes.get(name, (ALL,))))
    return out
