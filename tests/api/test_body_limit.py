"""The body limit at the ASGI level: what is answered, what is read, what passes untouched."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import HTTPException

from federation_ai.api.body_limit import BodyLimit

LIMIT = 10


async def _run(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> dict[str, Any]:
    """Call the middleware; the app reads the whole body. Returns what happened."""
    pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
               for i, c in enumerate(chunks)]
    seen: dict[str, Any] = {"sent": [], "app_called": False, "read": b"", "receive": None}

    async def receive() -> dict[str, Any]:
        return pending.pop(0)

    async def send(message: dict[str, Any]) -> None:
        seen["sent"].append(message)

    async def app(scope: Any, rcv: Any, snd: Any) -> None:
        seen["app_called"] = True
        seen["receive"] = rcv
        more = True
        while more:
            message = await rcv()
            seen["read"] += message.get("body", b"")
            more = message.get("more_body", False)

    scope = {"type": "http", "method": "POST", "headers": headers}
    try:
        await BodyLimit(app, LIMIT)(scope, receive, send)
    except HTTPException as exc:
        seen["raised"] = exc.status_code
    seen["untouched"] = seen["receive"] is receive
    return seen


@pytest.mark.parametrize(
    ("headers", "chunks", "status", "app_called", "untouched"),
    [
        ([], [b""], None, True, True),  # no body: passes as is
        ([(b"content-length", b"5")], [b"12345"], None, True, True),  # declared, within
        ([(b"content-length", b"11")], [b"x" * 11], 413, False, False),  # declared, over
        ([(b"content-length", b"abc")], [b""], 400, False, False),  # not a number
        ([(b"transfer-encoding", b"chunked")], [b"x" * 6, b"x" * 4], None, True, False),
    ],
)
async def test_answers_and_reads(headers, chunks, status, app_called, untouched) -> None:
    seen = await _run(headers, chunks)
    assert seen["app_called"] is app_called
    answered = seen["sent"][0]["status"] if seen["sent"] else None
    assert answered == status
    if app_called:
        assert seen["read"] == b"".join(chunks)
        assert seen["untouched"] is untouched


async def test_a_streamed_body_is_stopped_at_the_read_that_crosses_the_limit() -> None:
    seen = await _run([(b"transfer-encoding", b"chunked")], [b"x" * 6, b"x" * 6, b"x" * 6])
    assert seen["raised"] == 413
    assert seen["read"] == b"x" * 6  # the second read raised; the third never happened
