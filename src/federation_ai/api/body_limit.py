"""413 for request bodies over the limit, at no cost to requests without a body.

A pure ASGI middleware: a request that declares a ``Content-Length`` over the limit
is answered 413 before anything is read; one that streams its body (chunked) has its
bytes counted as the application reads them, and the read that crosses the limit
raises a 413 ``HTTPException``, answered by the application's error handlers. A
request with neither header has no body and passes untouched (FastAPI's own
``max_body_size`` wraps every request, GETs included, in three middleware layers:
a fifth of the status endpoint's throughput).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
from fastapi import HTTPException, status

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _too_large(limit: int) -> str:
    return f"request body larger than {limit} bytes"


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is not None and not chunked:
            if not declared.isdigit() or int(declared) > self.limit:
                await self._reject(send, declared.isdigit())
                return
            # the server delivers exactly the declared length: nothing to count
            await self.app(scope, receive, send)
            return
        if not chunked:
            await self.app(scope, receive, send)
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(
                        status.HTTP_413_CONTENT_TOO_LARGE, detail=_too_large(self.limit)
                    )
            return message

        return counted

    async def _reject(self, send: Send, too_large: bool) -> None:
        code = status.HTTP_413_CONTENT_TOO_LARGE if too_large else status.HTTP_400_BAD_REQUEST
        detail = _too_large(self.limit) if too_large else "invalid Content-Length"
        body = orjson.dumps({"detail": detail})
        await send(
            {
                "type": "http.response.start",
                "status": code,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
