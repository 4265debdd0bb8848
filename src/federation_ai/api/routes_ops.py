"""Operator actions (SPEC §8): each becomes an ``operator.command`` event.

The response lists every decision the command produced, including vetoed ones and
the Supervisor's ``override`` that records the veto.
"""

from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Body, HTTPException, status

from federation_ai.api.auth_gate import AuthFirstRoute
from federation_ai.api.commands import run_command
from federation_ai.api.deps import Admin, Operator, ServiceDep, known_account
from federation_ai.api.schemas import (
    ModeRequest,
    OperatorResult,
    PeakResetRequest,
    ReanchorRequest,
    RiskRequest,
    RoleRequest,
)
from federation_ai.core.vocabulary import ROLES

router = APIRouter(prefix="/api/federation", tags=["operator"], route_class=AuthFirstRoute)

# The roles that can be enabled or disabled: the deciding roles of the core's vocabulary.
if TYPE_CHECKING:
    RoleName = str
else:
    RoleName = Literal[ROLES]
_RESPONSES: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown account (no event seen for it yet)"},
    422: {"description": "Invalid body; `detail` lists the field paths"},
}


@router.post("/mode", responses=_RESPONSES)
async def set_mode(service: ServiceDep, who: Operator, body: ModeRequest) -> OperatorResult:
    """Pin the trading mode. ``force: true`` needs the admin scope and lifts a freeze."""
    if body.force and not who.allows("admin"):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="force (unfreeze) needs the admin scope"
        )
    return await run_command(service, body.account_id, "set_mode", who, body.command_fields())


@router.post("/risk", responses=_RESPONSES)
async def set_risk(service: ServiceDep, who: Operator, body: RiskRequest) -> OperatorResult:
    """Override risk limits at the current tier, pinned like the mode."""
    return await run_command(service, body.account_id, "set_risk", who, body.command_fields())


async def _role_command(
    service: ServiceDep, who: Operator, role: RoleName, body: RoleRequest | None, enable: bool
) -> OperatorResult:
    body = body or RoleRequest(reason=None)
    known_account(service, body.account_id)
    if role == "supervisor":
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="the supervisor cannot be disabled or enabled"
        )
    command = "enable_role" if enable else "disable_role"
    return await run_command(
        service, body.account_id, command, who, {"role": role, **body.command_fields()}
    )


_ROLE_RESPONSES = {**_RESPONSES, 409: {"description": "The supervisor cannot be toggled"}}


@router.post("/roles/{role}/enable", responses=_ROLE_RESPONSES)
async def enable_role(
    service: ServiceDep,
    who: Operator,
    role: RoleName,
    body: Annotated[RoleRequest | None, Body()] = None,
) -> OperatorResult:
    return await _role_command(service, who, role, body, enable=True)


@router.post("/roles/{role}/disable", responses=_ROLE_RESPONSES)
async def disable_role(
    service: ServiceDep,
    who: Operator,
    role: RoleName,
    body: Annotated[RoleRequest | None, Body()] = None,
) -> OperatorResult:
    return await _role_command(service, who, role, body, enable=False)


@router.post("/peak/reset", responses=_RESPONSES)
async def reset_peak(service: ServiceDep, who: Admin, body: PeakResetRequest) -> OperatorResult:
    """Reset the drawdown peak to the current NAV (admin)."""
    return await run_command(service, body.account_id, "reset_peak", who, body.command_fields())


@router.post("/clock/reanchor", responses=_RESPONSES)
async def reanchor_clock(
    service: ServiceDep, who: Admin, body: ReanchorRequest
) -> OperatorResult:
    """Set the account's clock (its last event time) to ``clock_at``, or to now (admin).

    The way out when an event stamped in the future has made every real event out of
    order. Recorded as an ``override`` with action ``clock_reanchor``; instants the
    account recorded after the new clock (freeze start, pins, cooldowns) move back to it.
    """
    return await run_command(
        service, body.account_id, "reanchor_clock", who, body.command_fields()
    )
