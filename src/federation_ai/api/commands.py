"""Operator actions become ``operator.command`` events (SPEC §2, §8) fed through ingest.

The event log alone therefore replays to the same state. The event's timestamp is
the service's clock, clamped to the account's last event time so the core never
rejects it as out-of-order, even when the producer's clock runs ahead of ours. A
clock re-anchor is the exception: it is stamped with the service's clock as is.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, status

from federation_ai.api.deps import known_account
from federation_ai.api.errors import invalid_input, path_loc
from federation_ai.api.schemas import OperatorResult
from federation_ai.api.security import Principal, granted_scopes
from federation_ai.core import InvalidEvent
from federation_ai.core.micros import format_timestamp, parse_timestamp

if TYPE_CHECKING:
    from federation_ai.api.facade import Service

OPERATOR_EVENT = "operator.command"
_ATTEMPTS = 3


REANCHOR = "reanchor_clock"


def command_timestamp(last_event_at: str | None, now_us: int) -> str:
    """``now_us`` as RFC 3339, but never earlier than the account's last event."""
    if last_event_at is not None:
        now_us = max(now_us, parse_timestamp(last_event_at))
    return format_timestamp(now_us)


def command_envelope(  # noqa: PLR0917 - the parts of one event
    account_id: str,
    command: str,
    principal: Principal,
    fields: dict[str, Any],
    last_event_at: str | None,
    now_us: int,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "command": command,
        "key_name": principal.name,
        "scopes": granted_scopes(principal.scope),
        **fields,
    }
    return {
        "event_type": OPERATOR_EVENT,
        "event_id": f"op-{uuid.uuid4()}",
        "account_id": account_id,
        "timestamp": command_timestamp(None if command == REANCHOR else last_event_at, now_us),
        "payload": payload,
    }


async def run_command(
    service: Service,
    account_id: str,
    command: str,
    principal: Principal,
    fields: dict[str, Any],
) -> OperatorResult:
    """Write the command event for an existing account and return its decisions.

    A concurrent event from the bus can move the account's clock between reading
    it and ingesting; the command is then re-stamped and retried (a fresh id).
    """
    for _ in range(_ATTEMPTS):
        policy = known_account(service, account_id)
        envelope = command_envelope(
            account_id, command, principal, fields, policy.get("last_event_at"), service.now_us()
        )
        try:
            result = await service.command(envelope)
        except InvalidEvent as exc:
            path = exc.path.removeprefix("payload").lstrip(".")
            raise invalid_input(["body", *path_loc(path)], exc.reason) from exc
        if result.outcome == "processed":
            return OperatorResult(
                event_id=envelope["event_id"],
                account_id=account_id,
                outcome=result.outcome,
                decisions=list(result.decisions),
            )
    raise HTTPException(
        status.HTTP_409_CONFLICT,
        detail="the account's events moved on while the command was written; try again",
    )
