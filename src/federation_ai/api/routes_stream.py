"""Server-Sent Events: decisions as they are committed, with heartbeat comments.

Each decision is one event ``event: decision``, ``id: <decision_id>``, ``data: <JSON>``.
A ``: connected`` comment is sent once the subscription is live, then ``: heartbeat``
whenever nothing was sent for ``heartbeat_seconds``.

The stream re-checks its key every ``api.stream_key_check_s`` seconds (through the
authenticator, so a revocation is seen within that plus the key cache's 2 s): once the
key is unknown or revoked it sends ``: key revoked`` and ends; a client that
reconnects gets 401. A check that fails (the key store unreachable) keeps the stream:
the key is not known to be revoked.
"""


import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from federation_ai.api.auth_gate import AuthFirstRoute, presented_key
from federation_ai.api.deps import AccountQuery, ServiceDep, Viewer, known_account
from federation_ai.api.facade import Service

if TYPE_CHECKING:
    from federation_ai.api.security import Authenticator

router = APIRouter(prefix="/api/federation", tags=["read"], route_class=AuthFirstRoute)

_DONE = object()
log = structlog.get_logger("federation_ai.api.stream")
KeyCheck = Callable[[], Awaitable[bool]]


async def _always_valid() -> bool:
    return True


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
    service: Service,
    account_id: str | None,
    heartbeat_seconds: float,
    key_valid: KeyCheck = _always_valid,
    key_check_seconds: float = 5.0,
) -> AsyncIterator[bytes]:
    source = service.subscribe()
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=10_000)
    task = asyncio.create_task(_pump(source, queue))
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(0)  # let the subscription register before announcing it
        yield b": connected\n\n"
        last_sent = loop.time()
        next_check = last_sent + key_check_seconds
        while True:
            wait = min(last_sent + heartbeat_seconds, next_check) - loop.time()
            try:
                item = await asyncio.wait_for(queue.get(), max(0.0, wait))
            except TimeoutError:
                item = None
            now = loop.time()
            if now >= next_check:
                if not await key_valid():
                    yield b": key revoked\n\n"
                    return
                next_check = now + key_check_seconds
            if item is _DONE:
                return
            if isinstance(item, dict):
                if account_id in (None, item.get("account_id")):
                    yield sse_frame(item)
                    last_sent = now
            elif now >= last_sent + heartbeat_seconds:
                yield b": heartbeat\n\n"
                last_sent = now
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
    auth: Authenticator = request.app.state.authenticator
    key = presented_key(request)

    async def key_valid() -> bool:
        if key is None:
            return False
        try:
            return await auth.authenticate(key) is not None
        except Exception as exc:  # noqa: BLE001 - the store is down: not known to be revoked
            log.warning("stream_key_check_failed", error=type(exc).__name__)
            return True

    return StreamingResponse(
        decision_stream(
            service, account_id, heartbeat, key_valid, request.app.state.stream_key_check_s
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
