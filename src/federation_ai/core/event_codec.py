"""Event codec (SPEC §2): validate an envelope and its payload into an ``Event``.

Bad input raises ``InvalidEvent`` naming the field path and the reason; nothing
else happens. Aliases are resolved (the canonical name wins when both are
present), producer-side metrics and unknown fields are kept in ``raw`` and ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from federation_ai.core import vocabulary as v
from federation_ai.core.ids import id_problem, name_problem
from federation_ai.core.micros import TimestampError, parse_timestamp
from federation_ai.core.shape import INT_MAX, shape_problem

MAX_PIN_MINUTES = 525_600  # a year: the longest operator pin


class InvalidEvent(ValueError):  # noqa: N818 - the domain name reads better with no suffix
    """Malformed input: ``path`` is the offending field, ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Event:
    event_type: str
    event_id: str
    account_id: str
    ts: int  # UTC microseconds
    payload: dict[str, Any]  # canonical field names, validated values
    raw: Mapping[str, Any]  # the envelope as received

    def envelope(self) -> dict[str, Any]:
        return dict(self.raw)


# --- field checkers -----------------------------------------------------------------

Check = Callable[[Any, str], Any]


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidEvent(path, f"must be a number, got {type(value).__name__}")
    f = float(value)
    if not math.isfinite(f):
        raise InvalidEvent(path, "must be finite (NaN and Infinity are not allowed)")
    return f


def _positive(value: Any, path: str) -> float:
    f = _number(value, path)
    if f <= 0:
        raise InvalidEvent(path, f"must be > 0, got {f}")
    return f


def _non_negative(value: Any, path: str) -> float:
    f = _number(value, path)
    if f < 0:
        raise InvalidEvent(path, f"must be >= 0, got {f}")
    return f


def _fraction(value: Any, path: str) -> float:
    f = _number(value, path)
    if not 0.0 <= f <= 1.0:
        raise InvalidEvent(path, f"must be within [0, 1], got {f}")
    return f


def _count(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer() and value >= 0:
            if value > INT_MAX:
                raise InvalidEvent(path, f"must be at most {INT_MAX}, got {value}")
            return int(value)
        raise InvalidEvent(path, f"must be an integer, got {type(value).__name__}")
    if value < 0:
        raise InvalidEvent(path, f"must be >= 0, got {value}")
    return value


def _minutes(value: Any, path: str) -> float:
    f = _positive(value, path)
    if f > MAX_PIN_MINUTES:
        raise InvalidEvent(path, f"must be <= {MAX_PIN_MINUTES} (a year), got {f}")
    return f


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(path, "must be a non-empty string")
    return value


def _id(value: Any, path: str) -> str:
    problem = id_problem(value)
    if problem is not None:
        raise InvalidEvent(path, problem)
    return str(value)


def _name(value: Any, path: str) -> str:
    problem = name_problem(value)
    if problem is not None:
        raise InvalidEvent(path, problem)
    return str(value)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidEvent(path, "must be a string")
    return value


def _boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidEvent(path, "must be true or false")
    return value


def _timestamp(value: Any, path: str) -> int:
    if not isinstance(value, str):
        raise InvalidEvent(path, "must be an RFC 3339 string")
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise InvalidEvent(path, str(exc)) from None


def _enum(*choices: str) -> Check:
    def check(value: Any, path: str) -> str:
        if value not in choices:
            raise InvalidEvent(path, f"must be one of {', '.join(choices)}, got {value!r}")
        return str(value)

    return check


def _str_list(value: Any, path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise InvalidEvent(path, "must be a list of strings")
    return list(value)


def _score_map(value: Any, path: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise InvalidEvent(path, "must be an object of numbers")
    return {str(k): _number(x, f"{path}.{k}") for k, x in value.items()}


# (canonical name, aliases, checker, required)
Field = tuple[str, tuple[str, ...], Check, bool]

SCHEMAS: dict[str, tuple[Field, ...]] = {
    v.SNAPSHOT: (
        ("total_equity", (), _positive, True),
        ("cash_balance", (), _non_negative, False),
        ("total_exposure_usd", ("total_exposure",), _non_negative, False),
        ("num_positions", (), _count, False),
        ("unrealized_pnl", (), _number, False),
        ("realized_pnl_today", (), _number, False),
        ("reserve_balance", (), _non_negative, False),
        ("net_flow", (), _number, False),
    ),
    v.HEALTH: (
        # not required alone: an ESS state change carries only ess_state (see parse_event)
        ("overall_status", ("system_status",), _enum(*v.HEALTH_STATUSES), False),
        ("ess_state", (), _enum(*v.ESS_LEVELS), False),
        ("subsystem_scores", (), _score_map, False),
        ("active_alerts", (), _str_list, False),
    ),
    v.MODEL: (
        ("model_name", (), _name, True),
        ("sharpe_ratio_7d", ("sharpe_ratio",), _number, True),
        ("win_rate_7d", ("win_rate",), _fraction, True),
        ("total_trades", (), _count, False),
        ("days_since_training", (), _non_negative, False),
        ("last_trained_at", (), _timestamp, False),
    ),
    v.TRADE: (
        ("symbol", (), _name, True),
        ("pnl_usd", ("pnl",), _number, True),
        ("model_name", (), _name, False),
        ("exit_reason", (), _text, False),
        ("opened_at", (), _timestamp, False),
    ),
    v.OPERATOR: (
        (
            "command",
            (),
            _enum(*v.OPERATOR_COMMANDS),
            True,
        ),
        ("key_name", (), _name, True),
        ("scopes", (), _str_list, True),
        ("reason", (), _text, False),
        ("mode", (), _enum(*v.OPERATOR_MODES), False),
        ("duration_minutes", (), _minutes, False),
        ("force", (), _boolean, False),
        ("role", (), _string, False),
        ("clock_at", (), _timestamp, False),
        *((name, (), _positive, False) for name in v.RISK_LIMIT_KEYS),
    ),
}


def _payload(event_type: str, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise InvalidEvent("payload", "must be an object")
    out: dict[str, Any] = {}
    for name, aliases, check, required in SCHEMAS[event_type]:
        key = name
        value = payload.get(name)
        if value is None and aliases and name not in payload:
            key = next((a for a in aliases if a in payload), name)
            value = payload.get(key)
        if value is None:
            if required:
                raise InvalidEvent(f"payload.{name}", "is required")
            continue
        out[name] = check(value, f"payload.{key}")
    return out


_COMMAND_NEEDS: dict[str, tuple[str, ...]] = {
    "set_mode": ("mode",),
    "enable_role": ("role",),
    "disable_role": ("role",),
}


def _check_operator(p: dict[str, Any]) -> None:
    command = p["command"]
    for need in _COMMAND_NEEDS.get(command, ()):
        if need not in p:
            raise InvalidEvent(f"payload.{need}", f"is required for {command}")
    levels = [v.SCOPE_LEVEL[s] for s in p["scopes"] if s in v.SCOPE_LEVEL]
    level = max(levels, default=-1)
    needed = "operator"
    if command in v.ADMIN_COMMANDS or (command == "set_mode" and p.get("force")):
        needed = "admin"
    if level < v.SCOPE_LEVEL[needed]:
        what = "force" if command == "set_mode" else command
        raise InvalidEvent("payload.scopes", f"{what} needs the {needed} scope")
    if command == "set_risk" and not any(k in p for k in v.RISK_LIMIT_KEYS):
        raise InvalidEvent(
            "payload", f"set_risk needs at least one of {', '.join(v.RISK_LIMIT_KEYS)}"
        )
    if command in ("enable_role", "disable_role"):
        role = p["role"]
        if role == "supervisor":
            raise InvalidEvent("payload.role", "the supervisor cannot be disabled or enabled")
        if role not in v.ROLES:
            raise InvalidEvent(
                "payload.role", f"must be one of {', '.join(v.ROLES[1:])}, got {role!r}"
            )
    for name in ("max_position_size_pct", "max_drawdown_pct"):
        if p.get(name, 0.0) > 1.0:
            raise InvalidEvent(f"payload.{name}", "must be a fraction <= 1")


def parse_event(obj: Any) -> Event:
    """Validate a decoded JSON envelope (SPEC §2) and return the ``Event``."""
    if not isinstance(obj, dict):
        raise InvalidEvent("$", "event must be a JSON object")
    problem = shape_problem(obj)
    if problem is not None:
        raise InvalidEvent(*problem)
    event_type = obj.get("event_type")
    if not isinstance(event_type, str) or event_type not in SCHEMAS:
        raise InvalidEvent("event_type", f"must be one of {', '.join(SCHEMAS)}, got {event_type!r}")
    event_id = _id(obj.get("event_id"), "event_id")
    account_id = obj.get("account_id")
    account_id = "default" if account_id is None else _id(account_id, "account_id")
    if "timestamp" not in obj:
        raise InvalidEvent("timestamp", "is required")
    ts = _timestamp(obj["timestamp"], "timestamp")
    payload = _payload(event_type, obj.get("payload"))
    if event_type == v.OPERATOR:
        _check_operator(payload)
    if event_type == v.HEALTH and "overall_status" not in payload and "ess_state" not in payload:
        raise InvalidEvent("payload.overall_status", "is required (or ess_state alone)")
    if event_type == v.TRADE and payload.get("opened_at", ts) > ts:
        raise InvalidEvent("payload.opened_at", "must not be after the event's timestamp")

    return Event(event_type, event_id, account_id, ts, payload, obj)
