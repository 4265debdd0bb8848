"""Reads the operator dashboard needs beyond the core API (viewer scope).

- ``GET /api/federation/whoami``: the presented key's name and scope, so a console can
  offer only the actions the key may take.
- ``GET /api/federation/limits``: the Supervisor's freeze and unfreeze thresholds
  (the configured values, SPEC §5.1 defaults).
- ``GET /api/federation/accounts``: the accounts the service knows, sorted.
- ``GET /api/federation/timeline?account_id=``: NAV and drawdown per snapshot plus
  freeze, unfreeze and mode-change marks, for the NAV/drawdown chart.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from federation_ai.api.auth_gate import AuthFirstRoute
from federation_ai.api.deps import AccountQuery, ServiceDep, Viewer, known_account
from federation_ai.api.responses import FastJSONResponse
from federation_ai.api.security import granted_scopes
from federation_ai.service.read_port import MAX_POINTS

router = APIRouter(prefix="/api/federation", tags=["dashboard"], route_class=AuthFirstRoute)


@router.get("/whoami")
async def whoami(who: Viewer) -> dict[str, Any]:
    """The authenticated key's name, scope and every scope it grants."""
    return {"name": who.name, "scope": who.scope, "scopes": granted_scopes(who.scope)}


@router.get("/limits")
async def limits(service: ServiceDep, _: Viewer) -> dict[str, Any]:
    """Freeze triggers and unfreeze conditions, as configured (fractions, USD, minutes)."""
    sup = service.settings.core.supervisor
    return {
        "freeze": {
            "drawdown": sup.freeze_drawdown,
            "daily_loss": sup.freeze_daily_loss,
            "consecutive_losses": sup.freeze_consecutive_losses,
            "min_equity": sup.freeze_min_equity,
            "ess_state": "CRITICAL",
        },
        "unfreeze": {
            "max_drawdown": sup.unfreeze_max_drawdown,
            "min_equity": sup.unfreeze_min_equity,
            "min_daily_pnl": 0.0,
            "min_freeze_minutes": sup.min_freeze_minutes,
            "mode": sup.unfreeze_mode,
        },
    }


@router.get("/accounts")
async def accounts(service: ServiceDep, _: Viewer) -> dict[str, Any]:
    """Every account the service has seen an event for."""
    return {"accounts": service.accounts()}


@router.get("/timeline", response_class=FastJSONResponse)
async def timeline(
    service: ServiceDep,
    _: Viewer,
    account_id: AccountQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_POINTS)] = 1000,
) -> FastJSONResponse:
    """The newest ``limit`` snapshots as ``{timestamp, nav, drawdown, equity}`` (oldest
    first) and ``marks``: applied freezes, unfreezes and mode changes."""
    account = account_id or "default"
    known_account(service, account)
    return FastJSONResponse(await service.reads.timeline(account, limit))
