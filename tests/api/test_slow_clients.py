"""Slow and greedy clients against the real server (`server_config`, uvicorn on loopback).

A connection that sends nothing, drips its headers or never finishes its body is
answered 408 and closed; an oversized head 431; one client's connections beyond the
cap 429. Each deadline here is short; the bounds the test waits with are long.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from federation_ai.api.http_server import server_config

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

BOUND_S = 10  # what a test waits at most for the server to act; never a timing claim


@contextlib.asynccontextmanager
async def serving(app: Any, settings: Any, **api: Any) -> AsyncIterator[int]:
    tuned = dataclasses.replace(settings, api=dataclasses.replace(settings.api, **api))
    server = uvicorn.Server(server_config(app, tuned, host="127.0.0.1", port=0, lifespan="off"))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(BOUND_S):
        while not server.started:
            await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


async def _until_closed(reader: asyncio.StreamReader) -> bytes:
    async with asyncio.timeout(BOUND_S):
        return await reader.read()  # everything until the server closes


async def test_a_silent_connection_is_closed_with_408(app, service):
    async with serving(app, service.settings, header_timeout_s=0.3) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer = await _until_closed(reader)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408 ")


async def test_headers_dripped_a_byte_at_a_time_are_cut_off(app, service):
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 400 + b"\r\n\r\n"
    async with serving(app, service.settings, header_timeout_s=0.3) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sent = 0
        with contextlib.suppress(ConnectionError):
            async with asyncio.timeout(BOUND_S):
                while sent < len(head) and not reader.at_eof():
                    writer.write(head[sent : sent + 1])
                    await writer.drain()
                    sent += 1
                    await asyncio.sleep(0.01)  # the slow client's pace
                    if reader._buffer:  # the server has answered
                        break
        answer = await _until_closed(reader)
        writer.close()
    assert sent < len(head), "the whole head was accepted at a byte per 10 ms"
    assert answer.startswith(b"HTTP/1.1 408 ")


async def _answer(port: int, request: bytes) -> bytes:
    """Send ``request`` on a new connection; all the server says until it closes it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await _until_closed(reader)
    writer.close()
    return answer


async def test_a_body_that_never_ends_is_cut_off(app, service, keys):
    async with serving(app, service.settings, body_timeout_s=0.3) as port:
        answer = await _answer(port, (
            b"POST /api/federation/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + keys.operator.encode() + b'\r\nContent-Length: 100\r\n\r\n{"a": '
        ))
    assert answer.startswith(b"HTTP/1.1 408 ")


async def test_an_oversized_head_is_431(app, service):
    async with serving(app, service.settings, max_head_bytes=1024) as port:
        answer = await _answer(port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 4096 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")


async def test_connections_beyond_the_per_client_cap_are_refused(app, service):
    async with serving(app, service.settings, max_connections_per_client=3) as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        for reader, writer in held:  # each is accepted and answers
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            async with asyncio.timeout(BOUND_S):
                assert (await reader.readline()).startswith(b"HTTP/1.1 200")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer = await _until_closed(reader)
        writer.close()
        assert answer.startswith(b"HTTP/1.1 429 ")
        held[0][1].close()  # one goes: there is room again
        await held[0][1].wait_closed()
        async with asyncio.timeout(BOUND_S):
            while True:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                await writer.drain()
                answer = await reader.read()
                writer.close()
                if not answer.startswith(b"HTTP/1.1 429"):
                    break
                await asyncio.sleep(0.02)  # the server has not yet seen the close
        assert answer.startswith(b"HTTP/1.1 200 ")
        for _, w in held[1:]:
            w.close()


async def test_well_behaved_clients_are_served_as_before(app, service, keys, account):
    import httpx  # noqa: PLC0415

    async with (
        serving(app, service.settings, header_timeout_s=0.5, body_timeout_s=0.5) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=BOUND_S) as client,
    ):
        for _ in range(3):  # one kept-alive connection, several requests
            assert (await client.get("/health")).status_code == 200
        r = await client.post("/api/federation/mode", json={"mode": "SHADOW", "reason": "t"},
                              headers=keys.headers("operator"))
        assert r.status_code == 200, r.text


def test_the_server_runs_with_the_configured_limits(service):
    config = server_config(object(), service.settings)
    api = service.settings.api
    assert config.limit_concurrency == api.max_connections
    assert config.timeout_keep_alive == api.keep_alive_s
    assert config.http.limits is api  # type: ignore[union-attr]


@pytest.mark.parametrize(("key", "value"), [("header_timeout_s", 0), ("max_head_bytes", 0),
                                            ("max_connections", -1)])
def test_nonsense_limits_stop_start_up(key, value):
    from federation_ai.core import ConfigError  # noqa: PLC0415
    from federation_ai.settings import load_settings  # noqa: PLC0415

    with pytest.raises(ConfigError, match=f"api.{key}"):
        load_settings(environ={}, overrides={"api": {key: value}})
