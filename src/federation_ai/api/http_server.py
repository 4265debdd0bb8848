"""The API's HTTP server: uvicorn with read deadlines and connection limits.

uvicorn (0.54) has a keep-alive timeout and a server-wide ``limit_concurrency``, but
no deadline for reading a request: a connection that sends nothing, or its headers
a byte at a time, or a body that never ends, is held for as long as the client
likes (3,000 such connections held 20 s pushed ``/health`` p99 to 2.1 s). Nor does
the httptools parser bound the size of a request head. ``GuardedHttpProtocol``
(uvicorn's httptools protocol with four additions) closes those holes:

- the request line and headers must arrive within ``api.header_timeout_s`` of the
  connection being opened or of the request's first byte: else 408 and close;
- a body within ``api.body_timeout_s`` after its head: else 408 (if no answer
  started) and close;
- a head over ``api.max_head_bytes``: 431 and close;
- at most ``api.max_connections_per_client`` open connections per client address:
  the next one is answered 429 and closed at once.

``limit_concurrency`` (``api.max_connections``, 503 beyond it) and
``timeout_keep_alive`` (``api.keep_alive_s``) are uvicorn's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    import asyncio

    from federation_ai.settings import ApiConfig, Settings


def _response(status: int, reason: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + str(status).encode() + b" " + reason + b"\r\n"
        b"content-type: text/plain; charset=utf-8\r\n"
        b"content-length: " + str(len(reason)).encode() + b"\r\n"
        b"connection: close\r\n\r\n" + reason
    )


TIMEOUT = _response(408, b"Request Timeout")
LINGER_S = 1.0  # after a refusal, how long the client has to read it before the close
HEAD_TOO_LARGE = _response(431, b"Request Header Fields Too Large")
TOO_MANY_CONNECTIONS = _response(429, b"Too Many Connections")


class _HeadTooLargeError(Exception):
    pass


class GuardedHttpProtocol(HttpToolsProtocol):
    """Per connection; ``limits`` and the per-client counts belong to one server."""

    limits: ClassVar[ApiConfig]
    open_per_client: ClassVar[dict[str, int]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._head_too_large = False
        self._refusing = False  # answered a refusal: closing, reading nothing more
        self._counted_as: str | None = None

    # --- connection ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        host = self.client[0] if self.client else ""
        cap = self.limits.max_connections_per_client
        if cap and self.open_per_client.get(host, 0) >= cap:
            transport.write(TOO_MANY_CONNECTIONS)
            transport.close()
            return
        self.open_per_client[host] = self.open_per_client.get(host, 0) + 1
        self._counted_as = host
        self._arm(self.limits.header_timeout_s)  # the first request's head

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        host = self._counted_as
        if host is not None:
            self._counted_as = None
            left = self.open_per_client.get(host, 1) - 1
            if left > 0:
                self.open_per_client[host] = left
            else:
                self.open_per_client.pop(host, None)
        super().connection_lost(exc)

    # --- deadlines ----------------------------------------------------------------

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.response_started:
            self._answer_and_close(TIMEOUT)
        else:
            self.transport.close()

    def _answer_and_close(self, answer: bytes) -> None:
        """Send ``answer``, stop sending, and close a moment later.

        Closing at once while the client is still sending would reset the connection
        (unread bytes in our receive buffer), and the client could lose the answer.
        """
        self._refusing = True
        self.transport.write(answer)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if self._refusing:
            return  # answered and closing: what still arrives is read and dropped
        if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
            self._arm(self.limits.header_timeout_s)  # bytes of a next request begin
        super().data_received(data)

    # --- parser callbacks ---------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        if self._deadline is None:  # a later request on a kept-alive connection
            self._arm(self.limits.header_timeout_s)

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count_head(self, n: int) -> None:
        self._head_bytes += n
        if self._head_bytes > self.limits.max_head_bytes:
            self._head_too_large = True
            raise _HeadTooLargeError  # the parser stops; uvicorn answers via send_400_response

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        if self._has_body() and not self.pipeline:
            self._arm(self.limits.body_timeout_s)

    def _has_body(self) -> bool:
        for name, value in self.headers:
            if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
                return True
        return False

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._disarm()  # answered: the rest of an unread body no longer matters
        super().on_response_complete()

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._answer_and_close(HEAD_TOO_LARGE)
            return
        super().send_400_response(msg)


def guarded_protocol(limits: ApiConfig) -> type[GuardedHttpProtocol]:
    """A protocol class for one server: its limits and its own per-client counts."""

    class ServerProtocol(GuardedHttpProtocol):
        pass

    ServerProtocol.limits = limits
    ServerProtocol.open_per_client = {}
    return ServerProtocol


def server_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration ``federation serve`` runs the API with."""
    api = settings.api
    options: dict[str, Any] = {
        "host": settings.service.host,
        "port": settings.service.port,
        "log_config": None,
        "access_log": False,
        "http": guarded_protocol(api),
        "timeout_keep_alive": api.keep_alive_s,
        "limit_concurrency": api.max_connections or None,
        **overrides,
    }
    return uvicorn.Config(app, **options)
