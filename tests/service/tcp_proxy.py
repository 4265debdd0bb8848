"""A TCP proxy for outage drills: forwards a local port to a real service.

``pause()`` stops forwarding while every connection stays open (a hung network:
bytes already read are held, then delivered by ``resume()``); ``kill()`` drops every
connection and refuses new ones (the service is gone); ``restore()`` ends either.
Runs on the caller's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib

CHUNK = 65_536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._forwarding = asyncio.Event()
        self._forwarding.set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections = 0  # accepted so far

    async def start(self) -> int:
        """Listen (on a free port the first time, on the same port after ``kill``)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def pause(self) -> None:
        self._forwarding.clear()

    def resume(self) -> None:
        self._forwarding.set()

    @property
    def paused(self) -> bool:
        return not self._forwarding.is_set()

    async def kill(self) -> None:
        """Close the listening socket and reset every connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        self._forwarding.set()

    async def restore(self) -> None:
        """Forward again: resume a paused proxy, listen again after a kill."""
        if self._server is None:
            await self.start()
        self.resume()

    async def close(self) -> None:
        await self.kill()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            self._writers.discard(writer)
            return
        self._writers.add(up_writer)
        pipes = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        self._tasks.update(pipes)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pipes:
                task.cancel()
                self._tasks.discard(task)
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(CHUNK):
                await self._forwarding.wait()  # paused: hold what was read, read no more
                writer.write(data)
                await writer.drain()
