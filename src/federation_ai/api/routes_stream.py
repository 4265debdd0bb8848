"""Server-Sent Events: decisions as they are committed, with heartbeat comments.

Each decision is one event ``event: decision``, ``id: <decision_id>``, ``data: <JSON>``.
A ``: connected`` comment is sent once the subscription is live, then ``: heartbeat``
whenever nothing was sent for ``heartbeat_seconds``.
"""


import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from federation_ai.api.auth_gate import AuthFirstRoute
from federation_ai.api.deps import AccountQuery, ServiceDep, Viewer, known_account
from federation_ai.api.facade import Service

router = APIRouter(prefix="/api/federation", tags=["read"], route_class=AuthFirstRoute)

_DONE = object()


def sse_frame(decision: dict[str, Any]) -> bytes:
    ident = str(decision.get("decision_id", "")).encode()
    return b"event: decision\nid: " + ident + b"\ndata: " + orjson.dumps(decision) + b"\n\n"


async def _pump(source: AsyncIterator[dict[str, Any]], queue: asyncio.Queue[object]) -> None:
    try:
        async for decision in source:
            await queue.put(decision)
    finally:
        await queue.put(_DONE)


async def decision_stream(
    service: Service, account_id: str | None, heartbeat_seconds: float
) -> AsyncIterator[bytes]:
    source = service.subscribe()
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=10_000)
    task = asyncio.create_task(_pump(source, queue))
    try:
        await asyncio.sleep(0)  # let the subscription register before announcing it
        yield b": connected\n\n"
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), heartbeat_seconds)
            except TimeoutError:
                yield b": heartbeat\n\n"
                continue
            if item is _DONE:
                return
            if not isinstance(item, dict):
                continue
            if account_id is None or item.get("account_id") == account_id:
                yield sse_frame(item)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE of decisions"}},
)
async def stream(
    request: Request, service: ServiceDep, _: Viewer, account_id: AccountQuery = None
) -> StreamingResponse:
    """Decisions as they are committed (``text/event-stream``); filter by ``account_id``."""
    if account_id is not None:
        known_account(service, account_id)
    heartbeat = float(request.app.state.heartbeat_seconds)
    return StreamingResponse(
        decision_stream(service, account_id, heartbeat),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
