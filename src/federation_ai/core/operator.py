"""Operator commands (SPEC §8) as proposals by the role ``operator``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from federation_ai.core.decisions import Proposal
from federation_ai.core.micros import format_timestamp
from federation_ai.core.roles.supervisor import unfreeze_proposal
from federation_ai.core.vocabulary import CRITICAL, RISK_LIMIT_KEYS

if TYPE_CHECKING:
    from collections.abc import Callable

    from federation_ai.core.context import Ctx


def _label(c: Ctx) -> str:
    p = c.event.payload
    return f"operator {p['key_name']}"


def _why(c: Ctx) -> str:
    return c.event.payload.get("reason") or "operator action"


def _set_mode(c: Ctx) -> list[Proposal]:
    p = c.event.payload
    out: list[Proposal] = []
    previous = c.policy.mode
    if p.get("force") and c.policy.frozen:
        nav = c.metrics.nav
        reason = (
            f"forced unfreeze by {p['key_name']}: {_why(c)}; peak and day open reset to NAV "
            f"{'n/a' if nav is None else f'{nav:.4f}'}"
        )
        out.append(unfreeze_proposal("operator", p["key_name"], c, reason))
        out[-1].effect["rebaseline"] = True
    duration = p.get("duration_minutes")
    payload = {"mode": p["mode"], "previous_mode": previous, "duration_minutes": duration}
    reason = f"{_label(c)}: mode {p['mode']}: {_why(c)}"
    out.append(
        Proposal(
            "operator",
            "mode_change",
            CRITICAL,
            reason,
            payload,
            value=p["mode"],
            effect={"pin": duration},
        )
    )
    return out


def _set_risk(c: Ctx) -> list[Proposal]:
    p = c.event.payload
    given: dict[str, float] = {k: p[k] for k in RISK_LIMIT_KEYS if k in p}
    limits: dict[str, float] = {**c.policy.limits, **given}

    payload: dict[str, Any] = {"tier": c.policy.tier_name, **limits}
    reason = f"{_label(c)}: limits {given}: {_why(c)}"
    return [
        Proposal(
            "operator",
            "risk_adjustment",
            CRITICAL,
            reason,
            payload,
            value=c.policy.tier_name,
            effect={"pin": p.get("duration_minutes")},
        )
    ]


def _role(enabled: bool) -> Callable[[Ctx], list[Proposal]]:
    def propose(c: Ctx) -> list[Proposal]:
        role = c.event.payload["role"]
        verb = "enable" if enabled else "disable"
        reason = f"{_label(c)}: {verb} {role}: {_why(c)}"
        payload = {"role": role, "enabled": enabled}
        return [Proposal("operator", "role_status", CRITICAL, reason, payload)]

    return propose


def _reset_peak(c: Ctx) -> list[Proposal]:
    m = c.metrics
    previous, new = m.peak, m.nav
    shown = "n/a" if previous is None or new is None else f"{previous:.4f} -> {new:.4f}"
    reason = f"{_label(c)}: peak reset {shown}: {_why(c)}"
    payload = {"action": "peak_reset", "previous_peak": previous, "new_peak": new}
    return [
        Proposal("operator", "override", CRITICAL, reason, payload, effect={"peak_reset": True})
    ]


def _reanchor_clock(c: Ctx) -> list[Proposal]:
    """Reset a clock pushed ahead by a mis-stamped event: to ``clock_at`` or this command's time.

    ``previous_clock`` is the account's clock before this event; ``step`` has already
    moved it to the command's own time.
    """
    previous = c.clock_before
    anchor = c.event.payload.get("clock_at", c.ts)
    shown = "n/a" if previous is None else format_timestamp(previous)
    reason = f"{_label(c)}: clock re-anchored {shown} -> {format_timestamp(anchor)}: {_why(c)}"
    payload = {
        "action": "clock_reanchor",
        "previous_clock": None if previous is None else format_timestamp(previous),
        "clock": format_timestamp(anchor),
    }
    return [Proposal("operator", "override", CRITICAL, reason, payload, effect={"anchor": anchor})]


COMMANDS: dict[str, Callable[[Ctx], list[Proposal]]] = {
    "set_mode": _set_mode,
    "set_risk": _set_risk,
    "enable_role": _role(enabled=True),
    "disable_role": _role(enabled=False),
    "reset_peak": _reset_peak,
    "reanchor_clock": _reanchor_clock,
}


def propose(c: Ctx) -> list[Proposal]:
    return COMMANDS[c.event.payload["command"]](c)
