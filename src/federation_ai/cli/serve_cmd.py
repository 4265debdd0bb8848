"""``federation serve``: the live service (bus consumer, outbox relay, REST API)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import secrets
import signal
import socket  # noqa: TC003 - the server's startup signature
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from federation_ai.core import ConfigError
from federation_ai.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import FrameType

    from federation_ai.service import FederationService
    from federation_ai.settings import Settings

DEMO_KEY_NAME = "demo-admin"
H_CONFIG = "TOML config file"
H_BUS = "event bus: memory:// (default) or redis://host:port/db"
H_DB = "database URL (default: SQLite file in data_dir)"
H_DEMO = "publish a synthetic trading feed through the bus"
H_NAMESPACE = "prefix for every Redis key (bus and adapters)"
H_HEADLESS = "no REST API: consume, decide and relay only"
SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _demo_start_us(service: FederationService) -> int:
    """Demo event time starts now, or just after the newest event already stored."""
    now_us = int(datetime.now(UTC).timestamp()) * 1_000_000
    last = [a.last_ts for a in service.pipeline.state.accounts.values() if a.last_ts is not None]
    return max([now_us, *(ts + 60_000_000 for ts in last)])


GC_GEN0_THRESHOLD = 50_000


def settle_heap() -> None:
    """Call once the service has started: fewer collector pauses from then on.

    Long-lived objects loaded at start-up leave the collector's view (``gc.freeze``),
    so full collections no longer walk them, and young collections run less often.
    """
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, 50, 100)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it is, with uvicorn[standard]): a faster event loop."""
    try:
        import uvloop  # noqa: PLC0415 - optional accelerator
    except ImportError:  # pragma: no cover
        return None
    return uvloop.new_event_loop


async def _serve(settings: Settings, *, demo: bool, namespace: str, headless: bool) -> None:
    import structlog  # noqa: PLC0415 - configured by the caller first

    from federation_ai.service import build_service  # noqa: PLC0415
    from federation_ai.service.demo import DemoClock, run_demo  # noqa: PLC0415
    from federation_ai.service.wall_clock import wall_clock  # noqa: PLC0415

    log = structlog.get_logger("federation_ai.serve")
    clock = DemoClock() if demo else wall_clock  # the demo runs on its feed's time
    service = await build_service(settings, namespace=namespace, clock=clock)
    await service.start()
    settle_heap()
    tasks: list[asyncio.Task[Any]] = []
    try:
        if isinstance(clock, DemoClock):
            start_us = _demo_start_us(service)
            clock.start(start_us)
            tasks.append(asyncio.create_task(run_demo(service.bus, start_us)))
        if headless:
            await _wait_for_signal()
        else:
            await _run_api(service, settings, secrets.token_urlsafe(24) if demo else None)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await service.stop()
        log.info("serve_stopped")


def login_url(host: str, port: int, key: str) -> str:
    """The dashboard's address as served, the key in the fragment (never sent to a server)."""
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/#key={key}"


def _announce_login(host: str, key: str) -> Callable[[int], None]:
    def announce(port: int) -> None:
        # once, on stdout, apart from the JSON logs on stderr; never logged
        print(
            "demo: open the dashboard, logged in with a one-off admin key "
            f"(valid while this process runs):\n  {login_url(host, port, key)}",
            flush=True,
        )

    return announce


async def _run_api(service: FederationService, settings: Settings, demo_key: str | None) -> None:
    import uvicorn  # noqa: PLC0415

    from federation_ai.api.app import create_app  # noqa: PLC0415 - the API is optional to import
    from federation_ai.api.http_server import server_config  # noqa: PLC0415
    from federation_ai.api.security import BootstrapKey  # noqa: PLC0415

    keys = [] if demo_key is None else [BootstrapKey.from_key(DEMO_KEY_NAME, "admin", demo_key)]
    app = create_app(service, bootstrap_keys=keys)
    announce = None if demo_key is None else _announce_login(settings.service.host, demo_key)

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if announce is not None and self.started and self.servers:
                announce(int(self.servers[0].sockets[0].getsockname()[1]))

    with _keep_running_after_shutdown_signal():
        await Server(server_config(app, settings)).serve()


@contextlib.contextmanager
def _keep_running_after_shutdown_signal() -> Iterator[None]:
    """Let the service stop after uvicorn has shut down on SIGTERM (or SIGINT).

    uvicorn handles the signal itself, then raises it again once it has returned, to
    the handler that was in place before it started. With SIGTERM's default action
    that kills the process before ``service.stop()`` has run, and it exits 143. While
    uvicorn serves, that earlier handler is this no-op, so the stop runs and the
    process exits 0.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are only delivered to the main thread
        return
    previous = {sig: signal.signal(sig, _ignore_signal) for sig in SHUTDOWN_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore_signal(_sig: int, _frame: FrameType | None) -> None:
    """uvicorn has already acted on the signal."""


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in SHUTDOWN_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        config: Annotated[Path | None, typer.Option("--config", help=H_CONFIG)] = None,
        bus: Annotated[str | None, typer.Option("--bus", help=H_BUS)] = None,
        db: Annotated[str | None, typer.Option("--db", help=H_DB)] = None,
        host: Annotated[str | None, typer.Option("--host", help="HTTP listen address")] = None,
        port: Annotated[int | None, typer.Option("--port", help="HTTP port")] = None,
        demo: Annotated[bool, typer.Option("--demo", help=H_DEMO)] = False,
        namespace: Annotated[str, typer.Option("--namespace", help=H_NAMESPACE)] = "",
        headless: Annotated[bool, typer.Option("--headless", help=H_HEADLESS)] = False,
    ) -> None:
        """Run the live service: consume the bus, decide, persist, publish, serve the API."""
        given = {"bus_url": bus, "db_url": db, "host": host, "port": port}
        overrides = {"service": {k: v for k, v in given.items() if v is not None}}
        try:
            settings = load_settings(config, overrides=overrides)
        except ConfigError as exc:
            print(f"error: configuration: {exc}", file=sys.stderr)
            raise typer.Exit(2) from None
        from federation_ai.service.logs import configure_logging  # noqa: PLC0415

        configure_logging(settings.service.log_level)
        try:
            with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
                runner.run(_serve(settings, demo=demo, namespace=namespace, headless=headless))
        except KeyboardInterrupt:
            pass
        except Exception as exc:  # noqa: BLE001 - one line for the known kinds; others re-raise
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            raise typer.Exit(1) from None


def _one_line(exc: Exception) -> str:
    """Why start-up failed, in one line: a store or bus that cannot answer or write
    (e.g. a read-only SQLite file, named), a bad setting; anything else re-raises."""
    from federation_ai.service.faults import describe_error, is_outage  # noqa: PLC0415

    if isinstance(exc, ConfigError | RuntimeError | ValueError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if is_outage(exc):
        return describe_error(exc)
    raise exc
