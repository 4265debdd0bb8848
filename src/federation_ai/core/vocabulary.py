"""The fixed vocabulary of the decision core: modes, tiers, roles, ranks, priorities."""

from __future__ import annotations

from typing import Final

# Trading modes, safest first. The index is the mode's "level": a higher level is
# more permissive, so moving to a lower level is a demotion.
MODES: Final = ("EMERGENCY", "PAUSED", "SHADOW", "LIVE")
MODE_LEVEL: Final = {m: i for i, m in enumerate(MODES)}
OPERATOR_MODES: Final = ("LIVE", "SHADOW", "PAUSED")

PROFILES: Final = ("MICRO", "LOW", "NORMAL", "AGGRESSIVE")
PROFILE_LEVEL: Final = {p: i for i, p in enumerate(PROFILES)}

TIERS: Final = ("NORMAL", "CAUTION", "WARNING", "EMERGENCY")
ESS_LEVELS: Final = ("NOMINAL", "CAUTION", "WARNING", "CRITICAL")
HEALTH_STATUSES: Final = ("OPTIMAL", "HEALTHY", "DEGRADED", "CRITICAL")

RISK_LIMIT_KEYS: Final = (
    "max_leverage",
    "max_position_size_pct",
    "max_exposure_pct",
    "max_drawdown_pct",
    "stop_loss_multiplier",
)

# Roles and their rank for conflicts (lower wins). The operator ranks between
# the Supervisor and the CRO.
ROLES: Final = ("supervisor", "cro", "ceo", "cio", "cfo", "researcher")
RANK: Final = {
    "supervisor": 1,
    "operator": 2,
    "cro": 3,
    "ceo": 4,
    "cio": 5,
    "cfo": 6,
    "researcher": 7,
}

CRITICAL: Final = 1
HIGH: Final = 2
NORMAL: Final = 3
LOW: Final = 4

SNAPSHOT: Final = "portfolio.snapshot_updated"
HEALTH: Final = "system.health_updated"
MODEL: Final = "model.performance_updated"
TRADE: Final = "trade.closed"
OPERATOR: Final = "operator.command"
OPERATOR_COMMANDS: Final = (
    "set_mode",
    "set_risk",
    "enable_role",
    "disable_role",
    "reset_peak",
    "reanchor_clock",
)
ADMIN_COMMANDS: Final = ("reset_peak", "reanchor_clock")
REANCHOR: Final = "reanchor_clock"  # the one event allowed to move an account's clock back

SEVERE_TRIGGERS: Final = frozenset({"drawdown", "low_equity", "ess_critical"})
AFFECTED_SUBSYSTEMS: Final = ("trading", "execution", "signals")

SCOPES: Final = ("viewer", "operator", "admin")
SCOPE_LEVEL: Final = {s: i for i, s in enumerate(SCOPES)}
