"""Read endpoints (viewer scope): status, audit trail, one decision, effective policy."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import AwareDatetime
from starlette.status import HTTP_404_NOT_FOUND

from federation_ai.api.auth_gate import AuthFirstRoute
from federation_ai.api.deps import AccountQuery, ServiceDep, Viewer, known_account
from federation_ai.api.errors import invalid_input
from federation_ai.api.responses import FastJSONResponse
from federation_ai.api.schemas import DecisionList
from federation_ai.core.ids import ID_PATTERN, MAX_ID_LENGTH
from federation_ai.core.vocabulary import DecisionType, Role, Status
from federation_ai.service.read_port import DecisionQuery

router = APIRouter(prefix="/api/federation", tags=["read"], route_class=AuthFirstRoute)

# The filters accept the values of the core's enums (a Literal of plain strings, so the
# OpenAPI schema lists them inline and the filters reach the store as plain strings).
if TYPE_CHECKING:
    RoleFilter = str
    TypeFilter = str
    StatusFilter = str
else:
    RoleFilter = Literal[tuple(r.value for r in Role)]
    TypeFilter = Literal[tuple(t.value for t in DecisionType)]
    StatusFilter = Literal[tuple(s.value for s in Status)]


@router.get("/status", response_class=FastJSONResponse)
async def get_status(
    request: Request,
    service: ServiceDep,
    _: Viewer,
    account_id: AccountQuery = None,
    limit: Annotated[int, Query(ge=1, le=500, description="accounts per page")] = 100,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_ID_LENGTH,
            pattern=ID_PATTERN,
            description="`accounts_next_cursor` of the previous page",
        ),
    ] = None,
) -> FastJSONResponse:
    """Service status: figures, ``account_summary`` (counts over every account) and a
    page of ``accounts`` in id order (``limit``, then ``cursor`` from
    ``accounts_next_cursor``); with ``account_id``, that account's policy too.

    Answered from memory (it keeps answering while the store is down); ``auth`` says
    whether key checks come from the store or, during an outage, from cached keys.
    """
    body = {
        **service.status(limit=limit, cursor=cursor),
        "auth": request.app.state.authenticator.state(),
    }
    if account_id is not None:
        policy = known_account(service, account_id)
        body = {**body, "account": policy}
    return FastJSONResponse(body)


def _utc(name: str, value: datetime | None) -> datetime | None:
    """The bound in UTC; 422 when the offset takes it outside the datetime range."""
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise invalid_input(
            ["query", name], "outside the accepted range once in UTC", "invalid_query"
        ) from None


@router.get("/decisions", response_model=DecisionList)
async def list_decisions(
    *,
    service: ServiceDep,
    _: Viewer,
    account_id: AccountQuery = None,
    role: Annotated[RoleFilter | None, Query(description="role_source")] = None,
    type: Annotated[TypeFilter | None, Query(description="decision_type")] = None,  # noqa: A002
    status: Annotated[StatusFilter | None, Query()] = None,
    since: Annotated[AwareDatetime | None, Query(description="inclusive, RFC 3339")] = None,
    until: Annotated[AwareDatetime | None, Query(description="exclusive, RFC 3339")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> FastJSONResponse:
    """The audit trail, newest first. Pass ``next_cursor`` back as ``cursor`` for more."""
    if account_id is not None:
        known_account(service, account_id)
    since, until = _utc("since", since), _utc("until", until)
    query = DecisionQuery(
        account_id=account_id,
        role_source=role,
        decision_type=type,
        status=status,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
    page = await service.reads.decisions(query)
    return FastJSONResponse(page)


@router.get("/decisions/{decision_id}")
async def get_decision(
    service: ServiceDep,
    _: Viewer,
    decision_id: Annotated[
        str, Path(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
    ],
) -> FastJSONResponse:
    """One decision and the event that triggered it (``event``)."""
    decision = await service.reads.decision(decision_id)
    if decision is None:
        raise HTTPException(HTTP_404_NOT_FOUND, detail=f"unknown decision {decision_id!r}")
    return FastJSONResponse(decision)


@router.get("/policy")
async def get_policy(
    service: ServiceDep, _: Viewer, account_id: AccountQuery = None
) -> FastJSONResponse:
    """The effective policy of an account (SPEC §7); default account ``default``."""
    return FastJSONResponse(known_account(service, account_id or "default"))
