"""The fixed vocabulary of the decision core: event and decision types, roles,
statuses, outcomes, scopes, modes, tiers, ranks and priorities.

The named sets are ``StrEnum``s: a member is equal to (and hashes as) its string, so
JSON output, decision ids and stored rows are the plain strings. Every other list
of these names (bus streams, API parameters, adapter routes, database checks) is
derived from them.

The constants and tables the step reads on every event (``SNAPSHOT``, ``RANK``,
``ROLES``...) hold the members' plain ``str`` values: comparing or looking up a plain
string against an enum member takes a slower path (a dict keyed by members is about
three times slower to read), and orjson refuses ``str`` subclasses as dict keys.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class EventType(StrEnum):
    """The input event types (SPEC §2), one bus stream each."""

    SNAPSHOT = "portfolio.snapshot_updated"
    HEALTH = "system.health_updated"
    MODEL = "model.performance_updated"
    TRADE = "trade.closed"
    OPERATOR = "operator.command"


class DecisionType(StrEnum):
    """The decision types (SPEC §4)."""

    MODE_CHANGE = "mode_change"
    CAPITAL_PROFILE = "capital_profile"
    RISK_ADJUSTMENT = "risk_adjustment"
    ESS_POLICY = "ess_policy"
    STRATEGY_ALLOCATION = "strategy_allocation"
    SYMBOL_UNIVERSE = "symbol_universe"
    CASHFLOW = "cashflow"
    RESEARCH_TASK = "research_task"
    OVERRIDE = "override"
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    ROLE_STATUS = "role_status"


class Role(StrEnum):
    """Who makes a decision (``role_source``), in rank order: lower wins a conflict."""

    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    CRO = "cro"
    CEO = "ceo"
    CIO = "cio"
    CFO = "cfo"
    RESEARCHER = "researcher"


class Status(StrEnum):
    """What the arbiter made of a decision."""

    APPLIED = "applied"
    SUPERSEDED = "superseded"
    VETOED = "vetoed"


class Outcome(StrEnum):
    """What became of an input event in the log (stored with it)."""

    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out_of_order"


class Scope(StrEnum):
    """API key scopes, least first: each includes the ones before it."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


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
# The roles that decide on their own (the operator acts only by command).
ROLES: Final = tuple(r.value for r in Role if r is not Role.OPERATOR)
RANK: Final = {r.value: i for i, r in enumerate(Role, start=1)}

CRITICAL: Final = 1
HIGH: Final = 2
NORMAL: Final = 3
LOW: Final = 4

SNAPSHOT: Final = EventType.SNAPSHOT.value
HEALTH: Final = EventType.HEALTH.value
MODEL: Final = EventType.MODEL.value
TRADE: Final = EventType.TRADE.value
OPERATOR: Final = EventType.OPERATOR.value
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

SCOPES: Final = tuple(s.value for s in Scope)
SCOPE_LEVEL: Final = {s: i for i, s in enumerate(SCOPES)}
