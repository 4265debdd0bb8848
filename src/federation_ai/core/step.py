"""The decision core's one entry point: ``step(state, event, config)``.

For one event: dedupe and order-check, update metrics (closing the day if it
rolled), let every enabled role propose, arbitrate, and apply. Pure over its
inputs: no I/O, no wall clock. ``state`` is updated in place and returned.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from federation_ai.core import operator
from federation_ai.core.apply import apply
from federation_ai.core.arbiter import pin_active, resolve
from federation_ai.core.context import Ctx
from federation_ai.core.decisions import APPLIED, Decision, Proposal
from federation_ai.core.event_codec import Event, InvalidEvent
from federation_ai.core.roles import ceo, cfo, cio, cro, researcher, supervisor
from federation_ai.core.vocabulary import (
    HEALTH,
    MODEL,
    OPERATOR,
    REANCHOR,
    SNAPSHOT,
    TRADE,
    Outcome,
    Role,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from federation_ai.core.account_metrics import Metrics
    from federation_ai.core.core_config import CoreConfig
    from federation_ai.core.state import AccountState, FederationState

PROCESSED: Final = Outcome.PROCESSED.value
DUPLICATE: Final = Outcome.DUPLICATE.value
OUT_OF_ORDER: Final = Outcome.OUT_OF_ORDER.value


class StepResult(NamedTuple):
    state: FederationState
    decisions: list[Decision]
    outcome: str  # processed | duplicate | out_of_order


# Roles in rank order; the Supervisor cannot be disabled.
ROLES: Final[tuple[tuple[str, Callable[[Ctx], list[Proposal]]], ...]] = (
    (Role.SUPERVISOR.value, supervisor.propose),
    (Role.CRO.value, cro.propose),
    (Role.CEO.value, ceo.propose),
    (Role.CIO.value, cio.propose),
    (Role.CFO.value, cfo.propose),
    (Role.RESEARCHER.value, researcher.propose),
)


def _update_metrics(m: Metrics, event: Event, cfg: CoreConfig) -> None:
    t = event.event_type
    if t == SNAPSHOT:
        m.on_snapshot(event.ts, event.payload)
    elif t == TRADE:
        m.on_trade(event.payload["pnl_usd"], cfg.metrics)
    elif t == HEALTH:
        m.on_health(event.payload)
    elif t == MODEL:
        m.on_model(event.ts, event.payload)
    # The rolling max DD the roles see is measured back from this event's time (SPEC §3).
    m.expire_mdd(event.ts, cfg.metrics)


def _owned_value(c: Ctx, decision_type: str) -> Any:
    p = c.policy
    return {
        "mode_change": p.mode,
        "capital_profile": p.profile,
        "risk_adjustment": p.tier_name,
        "ess_policy": p.ess_level,
        "symbol_universe": p.n_symbols,
        "cashflow": p.cashflow,
        "strategy_allocation": None,
    }.get(decision_type)


# One encoder for every memo entry: ``json.dumps`` with options builds a new one per call.
_encode_memo: Final = json.JSONEncoder(separators=(",", ":")).encode


def _memo_entry(c: Ctx, prop: Proposal) -> str:
    """The proposal's context for edge-triggering: value, owned value, frozen, pin, critical."""
    context = (
        prop.value,
        _owned_value(c, prop.decision_type),
        c.policy.frozen,
        pin_active(c, prop.decision_type),
        c.metrics.critical,
    )
    return _encode_memo(context)


def _memo_key(prop: Proposal) -> str:
    return f"{prop.role}|{prop.decision_type}"


def _propose(c: Ctx) -> list[Proposal]:
    if c.event.event_type == OPERATOR:
        return operator.propose(c)
    enabled = c.policy.roles_enabled
    memo = c.policy.memo
    out: list[Proposal] = []
    for name, role in ROLES:
        if name != "supervisor" and not enabled.get(name, True):
            continue
        for prop in role(c):
            if prop.value is not None and memo:
                before = memo.get(_memo_key(prop))
                if before is not None and before == _memo_entry(c, prop):
                    continue  # superseded or vetoed before, in the same context
            out.append(prop)
    return out


def _remember(c: Ctx, decisions: list[Decision]) -> None:
    memo = c.policy.memo
    for d in decisions:
        prop = d.proposal
        if prop is None or prop.value is None or prop.role == "operator":
            continue
        key = _memo_key(prop)
        if d.status == APPLIED:
            memo.pop(key, None)
        else:
            memo[key] = _memo_entry(c, prop)


def _check_against_state(acct: AccountState, event: Event) -> None:
    """Input that is only invalid given the account's history; raises before any change."""
    m = acct.metrics
    if event.event_type == SNAPSHOT and m.equity is not None:
        p = event.payload
        if p.get("net_flow", 0.0) >= p["total_equity"]:
            # equity - net_flow is the value before the flow and scales the NAV step.
            raise InvalidEvent(
                "payload.net_flow",
                "must be less than total_equity (a deposit "
                "cannot exceed the equity that includes it)",
            )
        if m.nav is not None and not math.isfinite(
            m.nav * (p["total_equity"] - p.get("net_flow", 0.0)) / m.equity
        ):
            raise InvalidEvent(
                "payload.total_equity",
                f"takes the NAV beyond the float range (previous equity {m.equity!r})",
            )


def _moves_clock_back(event: Event) -> bool:
    """Only a re-anchor may be older than the account's clock (see ``clock.reanchor``)."""
    return event.event_type == OPERATOR and event.payload["command"] == REANCHOR


def step(state: FederationState, event: Event, config: CoreConfig) -> StepResult:
    acct: AccountState = state.account(event.account_id, config)
    if event.event_id in acct.seen:
        return StepResult(state, [], DUPLICATE)
    if acct.last_ts is not None and event.ts < acct.last_ts and not _moves_clock_back(event):
        return StepResult(state, [], OUT_OF_ORDER)
    _check_against_state(acct, event)
    clock_before = acct.last_ts
    acct.remember(event.event_id, config.metrics.dedup_window)
    acct.last_ts = event.ts
    acct.last_event_id = event.event_id

    m = acct.metrics
    closed = m.roll_day(event.ts, config.metrics)
    if event.event_type == OPERATOR:
        acct.pending_close = acct.pending_close or closed
        day_closed = False
    else:
        day_closed = closed or acct.pending_close
        acct.pending_close = False
    _update_metrics(m, event, config)

    c = Ctx(acct, event, config, day_closed, clock_before)
    proposals = _propose(c)
    if not proposals:
        return StepResult(state, [], PROCESSED)
    decisions = resolve(c, proposals)
    for d in decisions:
        if d.status == APPLIED:
            apply(c, d)
    _remember(c, decisions)
    return StepResult(state, decisions, PROCESSED)
