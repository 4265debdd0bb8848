"""Event ingest over HTTP (SPEC §2): the same validation as the bus, 422 with field paths."""

from typing import Annotated, Any

from fastapi import APIRouter, Body

from federation_ai.api.auth_gate import AuthFirstRoute
from federation_ai.api.deps import Operator, ServiceDep
from federation_ai.api.errors import invalid_input
from federation_ai.api.schemas import IngestResponse

router = APIRouter(prefix="/api/federation", tags=["events"], route_class=AuthFirstRoute)

_EXAMPLE = {
    "event_type": "portfolio.snapshot_updated",
    "event_id": "e-000123",
    "account_id": "default",
    "timestamp": "2024-03-01T12:00:05Z",
    "payload": {"total_equity": 10000.0, "net_flow": 0.0},
}


@router.post(
    "/events",
    responses={422: {"description": "Invalid event; `detail[0].loc` is the field path"}},
    response_model_exclude_none=True,
)
async def ingest_event(
    service: ServiceDep,
    _: Operator,
    envelope: Annotated[dict[str, Any], Body(examples=[_EXAMPLE])],
) -> IngestResponse:
    """Process one event. A repeated ``event_id`` is acknowledged (``duplicate``) and
    ignored; an event older than the account's newest is ``out_of_order`` and not applied.
    Operator commands are written by the operator endpoints only."""
    if envelope.get("event_type") == "operator.command":
        raise invalid_input(
            ["body", "event_type"],
            "operator.command events are written by the operator endpoints (/mode, /risk, ...)",
        )
    result = await service.ingest(envelope)
    account = envelope.get("account_id")
    return IngestResponse(
        event_id=None if envelope.get("event_id") is None else str(envelope["event_id"]),
        account_id="default" if account is None else str(account),
        outcome=result.outcome,
        decisions=list(result.decisions),
        conflict=result.conflict,
    )
